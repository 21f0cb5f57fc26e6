from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=64)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=256)])
    remember = BooleanField(_l("Tetap masuk di perangkat ini"), default=True)
