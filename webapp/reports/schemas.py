"""Load and dump schemas of report requests and jobs. Structure only: who may ask lives in services."""
from datetime import date, timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from webapp.reports import periods
from webapp.reports.periods import parse_quarter
from webapp.reports.services import KINDS, PRINTED_FORMATS, PRINTED_KINDS

FORMATS = ("csv", "xlsx", "pdf")
EXPORT_FORMATS = ("csv", "xlsx")
#: The longest span of photos one archive may hold.
MAX_PHOTO_DAYS = 366
#: Ids are PostgreSQL integers; a larger number is simply unknown, never a database error.
_ID = validate.Range(1, 2**31 - 1, error="Nomor tidak dikenal.")
_DAY = validate.Range(date(2000, 1, 1), date(2100, 12, 31), error="Tanggal harus antara 2000 dan 2100.")


class MonthField(fields.Field):
    """"YYYY-MM" ↔ a month Period."""

    default_error_messages = {"invalid": "Harus bulan dengan format TTTT-BB."}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return periods.parse_month(value if isinstance(value, str) else "")
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return value.key if value else None


class QuarterField(fields.Field):
    """"YYYY-T1".."YYYY-T4" (a triwulan) or "YYYY" (the year) ↔ a Quarter."""

    default_error_messages = {"invalid": "Harus triwulan dengan format TTTT-T1 … TTTT-T4, atau tahun TTTT."}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_quarter(value if isinstance(value, str) else "")
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return value.key if value else None


class ReportRequestSchema(Schema):
    """What the report page's forms (and the JSON API) send; unknown keys such as the CSRF token are ignored."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error="Jenis laporan tidak dikenal."))
    period = MonthField(load_default=None)
    quarter = QuarterField(load_default=None)
    opd_id = fields.Integer(load_default=None, allow_none=True, validate=_ID)
    week = fields.Date(load_default=None, validate=_DAY)
    kecamatan_id = fields.Integer(load_default=None, allow_none=True, validate=_ID)
    form_version_id = fields.Integer(load_default=None, allow_none=True, validate=_ID)
    format = fields.String(load_default=None, validate=validate.OneOf(FORMATS, error="Format harus CSV, XLSX atau PDF."))
    start = fields.Date(load_default=None, allow_none=True, validate=_DAY)
    end = fields.Date(load_default=None, allow_none=True, validate=_DAY)
    form = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 40))
    approved_only = fields.Boolean(load_default=False)

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        """An HTML form sends "" for an empty select or date; a JSON body says null, so its "" stays an error."""
        if not hasattr(data, "to_dict"):
            return data
        return {key: value for key, value in data.to_dict().items() if value != ""}

    @validates_schema
    def _needed_by_kind(self, data, **kwargs):
        kind = data.get("kind")
        errors = {}
        if kind in ("monthly", "rfk") and data.get("period") is None:
            errors["period"] = ["Pilih bulan laporan."]
        if kind == "rkpd_evaluation" and data.get("quarter") is None:
            errors["quarter"] = ["Pilih triwulan atau tahun."]
        fmt = data.get("format")
        if fmt and kind in PRINTED_KINDS and fmt not in PRINTED_FORMATS:
            errors["format"] = ["Format harus XLSX atau PDF."]
        elif fmt and kind not in PRINTED_KINDS and fmt not in EXPORT_FORMATS:
            errors["format"] = ["Format harus CSV atau XLSX."]
        if kind == "submissions" and data.get("form_version_id") is None:
            errors["form_version_id"] = ["Pilih formulir dan versinya."]
        if kind == "photos":
            for key in ("start", "end"):
                if data.get(key) is None:
                    errors[key] = ["Wajib diisi."]
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            errors["end"] = ["Tanggal akhir tidak boleh sebelum tanggal awal."]
        elif kind == "photos" and start and end and end - start > timedelta(days=MAX_PHOTO_DAYS - 1):
            errors["end"] = [f"Paling lama {MAX_PHOTO_DAYS} hari per arsip foto."]
        if errors:
            raise ValidationError(errors)


class ReportJobSchema(Schema):
    uuid = fields.UUID()
    kind = fields.String()
    title = fields.String()
    state = fields.String()
    state_label = fields.String()
    progress = fields.Integer()
    message = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    result_name = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True)
    can_retry = fields.Boolean()
    scheduled = fields.Boolean()


class ReportJobListSchema(Schema):
    jobs = fields.List(fields.Nested(ReportJobSchema))
