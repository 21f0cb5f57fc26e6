"""Load and dump schemas of the sync API. Structure only: rules live in the services."""
from marshmallow import RAISE, Schema, fields, validate

from webapp.vocabulary import AttachmentState, ItemOutcome, SiteKind

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_ATTACHMENTS = 30


#: NUL and lone surrogates cannot reach the database (see webapp/security.py): refused per item.
_STORABLE = validate.Regexp(r"^[^\x00\ud800-\udfff]*$", error="Teks berisi karakter yang tidak diizinkan.")


def _range(low, high):
    return validate.Range(low, high, error=f"Harus antara {low} dan {high}.")


class LocationSchema(Schema):
    class Meta:
        unknown = RAISE

    lat = fields.Float(required=True, allow_nan=False, validate=_range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=_range(-180, 180))
    accuracy_m = fields.Float(allow_none=True, load_default=None, allow_nan=False, validate=_range(0, 1_000_000))


class NewSiteSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=[validate.Length(1, 200, error="Nama 1–200 karakter."), _STORABLE])
    kind = fields.String(required=True, validate=validate.OneOf(SiteKind.values(), error="Jenis lokasi tidak dikenal."))
    desa_code = fields.String(required=True, validate=validate.Length(1, 20))
    lat = fields.Float(required=True, allow_nan=False, validate=_range(-90, 90))
    lon = fields.Float(required=True, allow_nan=False, validate=_range(-180, 180))


class SiteRefSchema(Schema):
    class Meta:
        unknown = RAISE

    uuid = fields.UUID(required=True)
    new = fields.Nested(NewSiteSchema, allow_none=True, load_default=None)


class AttachmentDeclSchema(Schema):
    class Meta:
        unknown = RAISE

    uuid = fields.UUID(required=True)
    field = fields.String(required=True, validate=validate.Length(1, 64))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="Harus sha256 heksadesimal (64 karakter kecil)."))
    bytes = fields.Integer(required=True, strict=True, validate=_range(1, 2**31))
    content_type = fields.String(required=True, validate=validate.OneOf(PHOTO_TYPES, error="Foto harus JPEG, PNG atau WebP."))


class SubmissionItemSchema(Schema):
    """One submission as the phone sends it."""

    class Meta:
        unknown = RAISE

    uuid = fields.UUID(required=True)
    form = fields.String(required=True, validate=[validate.Length(1, 40), _STORABLE])
    form_version = fields.Integer(required=True, strict=True, validate=_range(1, 100000))
    recorded_at = fields.AwareDateTime(required=True)
    location = fields.Nested(LocationSchema, allow_none=True, load_default=None)
    site = fields.Nested(SiteRefSchema, allow_none=True, load_default=None)
    answers = fields.Dict(keys=fields.String(), required=True)
    attachments = fields.List(
        fields.Nested(AttachmentDeclSchema), load_default=list,
        validate=validate.Length(max=MAX_ATTACHMENTS, error=f"Paling banyak {MAX_ATTACHMENTS} lampiran."),
    )


class BatchSchema(Schema):
    """The envelope only: each item is checked on its own so one bad item never blocks the rest."""

    class Meta:
        unknown = RAISE

    submissions = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(1, 100, error="Kirim 1 sampai 100 kiriman per batch.")
    )


class ItemResultSchema(Schema):
    #: None when the item was not an object with a readable uuid.
    uuid = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(ItemOutcome.values())})
    errors = fields.Dict()
    missing_attachments = fields.List(fields.String())


class BatchResultSchema(Schema):
    results = fields.List(fields.Nested(ItemResultSchema))


class AttachmentResultSchema(Schema):
    uuid = fields.String()
    state = fields.String()
    submission_status = fields.String()


class SubmissionDumpSchema(Schema):
    uuid = fields.String()
    form = fields.String(attribute="form_code")
    form_version = fields.Integer(attribute="form_version.version")
    status = fields.String()
    review_state = fields.String()
    review_note = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)
    flags = fields.Dict()
    recorded_at = fields.DateTime()
    received_at = fields.DateTime()
    site_uuid = fields.Function(lambda s: str(s.site.uuid) if s.site else None)
    site_name = fields.Function(lambda s: s.site.name if s.site else None)
    missing_attachments = fields.Function(lambda s: [str(a.uuid) for a in s.attachments if a.state == AttachmentState.PENDING])


class SubmissionListSchema(Schema):
    submissions = fields.List(fields.Nested(SubmissionDumpSchema))


class SubmissionQuerySchema(Schema):
    mine = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=500, validate=_range(1, 2000))
    offset = fields.Integer(load_default=0, validate=_range(0, 10_000_000))
