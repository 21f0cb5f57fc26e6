from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=64)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=256)])
    remember = BooleanField(_l("Tetap masuk di perangkat ini"), default=True)


class LanguageForm(FlaskForm):
    language = RadioField(_l("Bahasa tampilan"), choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
                          validators=[InputRequired(_l("Pilih salah satu.")), AnyOf(("id", "en"), _l("Pilih salah satu."))],
                          validate_choice=False)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=256)])
    new = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Wajib diisi.")), Length(max=256)])
