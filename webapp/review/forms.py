"""The reviewer's decision form (HTML pages; the JSON API has its own schema)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from webapp.review.services import ACTIONS, NOTE_MAX


class ReviewForm(FlaskForm):
    #: Set by the button pressed: approve, return or reject.
    action = StringField(validators=[DataRequired(), AnyOf(list(ACTIONS), message=_l("Tindakan tidak dikenal."))])
    note = TextAreaField(_l("Catatan untuk petugas"), validators=[Length(max=NOTE_MAX)])
