"""The HTML form of the narrative under the RKPD evaluation's table."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from webapp.reports.narratives import SECTIONS, TEXT_MAX


_LIMIT = [Optional(), Length(max=TEXT_MAX, message=_l("Paling panjang %(max)s karakter.", max="20.000"))]


class NarrativeForm(FlaskForm):
    driving = TextAreaField(_l("Faktor pendorong keberhasilan pencapaian"), validators=_LIMIT)
    inhibiting = TextAreaField(_l("Faktor penghambat pencapaian"), validators=_LIMIT)
    next_quarter = TextAreaField(_l("Tindak lanjut yang diperlukan dalam triwulan berikutnya"), validators=_LIMIT)
    next_rkpd = TextAreaField(_l("Tindak lanjut yang diperlukan dalam RKPD berikutnya"), validators=_LIMIT)

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in SECTIONS}
