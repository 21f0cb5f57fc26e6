"""Load and dump schemas of the follow-up API."""
from marshmallow import Schema, fields, validate

from webapp.followups.services import ACTIONS, TEXT_MAX, TITLE_MAX, is_late, is_overdue
from webapp.vocabulary import FollowUpState


class FollowupQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(FollowUpState.values()))
    overdue = fields.Boolean()


#: A database id: PostgreSQL's integer stops at 2**31 - 1, and anything beyond names nothing.
ID_RANGE = validate.Range(min=1, max=2**31 - 1, error="Bukan id yang sah.")


class FollowupCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX))
    assignee_opd_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    assignee_kecamatan_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    due_date = fields.Date(required=True)
    owner_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    kegiatan_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    source_submission_uuid = fields.UUID(load_default=None, allow_none=True)


class FollowupTransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf([a for a in ACTIONS if a != "complete"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX))


class FollowupOwnerSchema(Schema):
    owner_id = fields.Integer(required=True, validate=ID_RANGE,
                              metadata={"description": "An active user of the assignee OPD or kecamatan"})


class FollowupCompleteSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class FollowupSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String()
    overdue = fields.Function(lambda f: is_overdue(f))
    #: "Lewat tenggat": done after the due date, or still open after it.
    late = fields.Function(lambda f: is_late(f))
    owner_id = fields.Integer(allow_none=True)
    owner_name = fields.Function(lambda f: f.owner.full_name if f.owner else None)
    completed_at = fields.AwareDateTime(allow_none=True)
    verified_at = fields.AwareDateTime(allow_none=True)
    reopen_reason = fields.String(allow_none=True)
    rakor_month = fields.String(allow_none=True)
    due_date = fields.Date()
    assignee_opd_id = fields.Integer(allow_none=True)
    assignee_kecamatan_id = fields.Integer(allow_none=True)
    assignee_name = fields.Function(
        lambda f: f.assignee_opd.name if f.assignee_opd else (f.assignee_kecamatan.name if f.assignee_kecamatan else None)
    )
    site_uuid = fields.Function(lambda f: str(f.site.uuid) if f.site else None)
    kegiatan_id = fields.Integer(allow_none=True)
    source_submission_uuid = fields.Function(lambda f: str(f.source_submission.uuid) if f.source_submission else None)
    resolution = fields.String(allow_none=True)
    has_evidence = fields.Function(lambda f: bool(f.evidence_key))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class FollowupListSchema(Schema):
    followups = fields.List(fields.Nested(FollowupSchema))
