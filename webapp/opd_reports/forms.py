"""The HTML form of the monthly report. Numbers are typed as people write them ("150.000.000", "45,5")."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from webapp.opd_reports.services import TEXT_MAX


def parse_rupiah(text: str | None) -> int | None:
    """"Rp 150.000.000" → 150000000; None when empty; ValueError when not a whole number."""
    text = (text or "").replace("Rp", "").replace(".", "").replace(" ", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def parse_decimal(text: str | None) -> float | None:
    """"45,5" or "45.5" → 45.5; None when empty."""
    text = (text or "").replace("%", "").replace(" ", "").strip()
    if not text:
        return None
    value = float(text.replace(",", "."))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


class ReportForm(FlaskForm):
    realisation_rp = StringField(_l("Realisasi keuangan kumulatif (Rp, dari SP2D)"))
    physical_pct = StringField(_l("Realisasi fisik kumulatif (%)"))
    output_value = StringField(_l("Capaian output"))
    driving_factors = TextAreaField(_l("Faktor pendorong"), validators=[Optional(), Length(max=TEXT_MAX)])
    problems = TextAreaField(_l("Faktor penghambat / permasalahan"), validators=[Optional(), Length(max=TEXT_MAX)])
    planned_action = TextAreaField(_l("Rencana tindak lanjut"), validators=[Optional(), Length(max=TEXT_MAX)])
    decrease_reason = TextAreaField(_l("Penjelasan bila realisasi fisik turun"),
                                    validators=[Optional(), Length(max=TEXT_MAX)])
    action = StringField(validators=[DataRequired(), AnyOf(["simpan", "kirim"])])

    def values(self) -> dict:
        """The typed values for the service; unreadable numbers become field errors here."""
        data = {name: getattr(self, name).data for name in ("driving_factors", "problems", "planned_action",
                                                              "decrease_reason")}
        for name, parse, message in (
            ("realisation_rp", parse_rupiah, _l("Tulis rupiah utuh, mis. 150.000.000.")),
            ("physical_pct", parse_decimal, _l("Tulis angka, mis. 45,5.")),
            ("output_value", parse_decimal, _l("Tulis angka, mis. 120.")),
        ):
            try:
                data[name] = parse(getattr(self, name).data)
            except ValueError:
                getattr(self, name).errors = list(getattr(self, name).errors) + [message]
                data[name] = "invalid"
        return data


class ReturnForm(FlaskForm):
    note = TextAreaField(_l("Catatan perbaikan untuk OPD"),
                         validators=[DataRequired(_l("Tulis catatan apa yang harus diperbaiki.")), Length(max=TEXT_MAX)])
