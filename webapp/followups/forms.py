"""HTML forms for follow-ups: creating one, and moving it along (with the evidence photo)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from webapp.followups.services import ACTIONS, TEXT_MAX, TITLE_MAX


class FollowupCreateForm(FlaskForm):
    title = StringField(_l("Apa yang harus dilakukan"),
                        validators=[DataRequired(_l("Wajib diisi.")), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("Keterangan"), validators=[Optional(), Length(max=TEXT_MAX)])
    #: "opd:<id>" or "kec:<id>": exactly one assignee.
    assignee = SelectField(_l("Penanggung jawab"), validators=[DataRequired(_l("Pilih penanggung jawab."))],
                           validate_choice=True)
    #: A user of the assignee unit who answers for it (checked by the service).
    owner = SelectField(_l("Orang yang bertanggung jawab"), validators=[Optional()], validate_choice=True)
    due_date = DateField(_l("Tenggat"), validators=[DataRequired(_l("Tenggat wajib diisi."))])
    kegiatan_code = StringField(_l("Kode kegiatan (jika terkait kegiatan)"), validators=[Optional(), Length(max=40)])
    #: The submission the follow-up comes from, when it is made on a review page.
    source = HiddenField()

    def data_for_service(self) -> dict:
        """What `create_followup` takes from this form."""
        owner = (self.owner.data or "").strip()
        return {"title": self.title.data, "description": self.description.data, "due_date": self.due_date.data,
                "owner_id": int(owner) if owner.isdigit() else None, "kegiatan_code": self.kegiatan_code.data,
                **self.assignee_ids()}

    def assignee_ids(self) -> dict:
        kind, _sep, ident = (self.assignee.data or "").partition(":")
        if not ident.isdigit():
            return {}
        if kind == "opd":
            return {"assignee_opd_id": int(ident)}
        if kind == "kec":
            return {"assignee_kecamatan_id": int(ident)}
        return {}


class FollowupOwnerForm(FlaskForm):
    owner = SelectField(_l("Orang yang bertanggung jawab"), validators=[DataRequired(_l("Pilih penanggung jawab."))],
                        validate_choice=True)


class FollowupActionForm(FlaskForm):
    action = StringField(validators=[DataRequired(), AnyOf(list(ACTIONS), message=_l("Tindakan tidak dikenal."))])
    note = TextAreaField(_l("Catatan penyelesaian"), validators=[Optional(), Length(max=TEXT_MAX)])
    photo = FileField(_l("Foto bukti"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Foto harus JPEG, PNG, atau WebP.")),
    ])

    def photo_bytes(self) -> bytes | None:
        return self.photo.data.read() if self.photo.data else None
