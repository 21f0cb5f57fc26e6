"""Load and dump schemas of the OPD report API."""
from marshmallow import Schema, fields, validate

from webapp.vocabulary import OpdReportState


class ReportQuerySchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))


class ReportSaveSchema(Schema):
    #: Whole rupiah; range-checked against the pagu by the service.
    realisation_rp = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**15))
    physical_pct = fields.Float(required=True, allow_nan=False)
    output_value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    driving_factors = fields.String(load_default=None, allow_none=True)
    problems = fields.String(load_default=None, allow_none=True)
    planned_action = fields.String(load_default=None, allow_none=True)
    decrease_reason = fields.String(load_default=None, allow_none=True)
    #: False keeps a draft; true submits it to Bappeda.
    submit = fields.Boolean(load_default=False)


class ReportReturnSchema(Schema):
    note = fields.String(required=True)


class ReportSchema(Schema):
    id = fields.Integer()
    kegiatan = fields.Function(lambda r: r.kegiatan.code)
    opd = fields.Function(lambda r: r.opd.code)
    year = fields.Integer()
    month = fields.Integer()
    state = fields.String(validate=validate.OneOf([s.value for s in OpdReportState]))
    realisation_rp = fields.Integer()
    physical_pct = fields.Float()
    output_value = fields.Float(allow_none=True)
    driving_factors = fields.String(allow_none=True)
    problems = fields.String(allow_none=True)
    planned_action = fields.String(allow_none=True)
    decrease_reason = fields.String(allow_none=True)
    return_note = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportSchema))
