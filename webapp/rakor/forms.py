"""The form a decision is recorded with from a Rakor slide."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.followups.services import TITLE_MAX


class DecisionForm(FlaskForm):
    title = StringField(_l("Keputusan / tindak lanjut"), validators=[DataRequired(_l("Wajib diisi.")),
                                                                     Length(max=TITLE_MAX)])
    #: A user id (an OPD slide, whose OPD is `assignee`), or "opd:<opd id>:<user id>" or
    #: "kec:<kecamatan id>:<user id>" (the GEBER and closing slides: the owner names the unit).
    owner = StringField(_l("Orang yang bertanggung jawab"), validators=[DataRequired(_l("Pilih penanggung jawab."))])
    due_date = DateField(_l("Tenggat"), validators=[DataRequired(_l("Tenggat wajib diisi."))])
    #: "opd:<id>" on an OPD slide; empty on the GEBER slide (the camat's kecamatan is the unit).
    assignee = HiddenField()
    kegiatan_code = StringField(_l("Kode kegiatan (jika terkait kegiatan)"), validators=[Optional(), Length(max=40)])
    #: The slide to come back to.
    slide = HiddenField()

    def data_for_service(self) -> dict:
        owner = (self.owner.data or "").strip()
        if owner.count(":") == 2:
            kind, unit, owner = owner.split(":")
        else:
            kind, _sep, unit = (self.assignee.data or "").partition(":")
        data = {"title": self.title.data, "due_date": self.due_date.data, "kegiatan_code": self.kegiatan_code.data,
                "owner_id": int(owner) if owner.isdigit() else None}
        if kind in ("opd", "kec") and unit.isdigit():
            data["assignee_opd_id" if kind == "opd" else "assignee_kecamatan_id"] = int(unit)
        return data
