"""Sync API: batch submissions, photo uploads, the caller's submissions."""

from flask import jsonify, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from webapp import scopes
from webapp.domain_errors import Forbidden
from webapp.schema_messages import translate_errors
from webapp.submissions.intake import accept_batch, accept_photo
from webapp.submissions.schemas import (
    AttachmentResultSchema,
    BatchResultSchema,
    BatchSchema,
    SubmissionListSchema,
    SubmissionQuerySchema,
)
from webapp.submissions import listing
from webapp.submissions.services import parse_uuid

blp = Blueprint("submissions_api", __name__, url_prefix="/api/v1", description="Submissions from the field")

IMAGE_BODY = {
    "required": True,
    "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png", "image/webp")},
}


@blp.route("/submissions/batch", methods=["POST"])
@login_required
@blp.arguments(BatchSchema)
@blp.response(200, BatchResultSchema)
def submit_batch(payload):
    """Store up to 100 submissions; one result per item: created, duplicate or rejected."""
    if not scopes.can_submit(current_user):
        raise Forbidden()
    outcome = accept_batch(current_user, payload["submissions"])
    return jsonify(batch_answer(outcome))


def batch_answer(outcome) -> dict:
    """The answer BatchResultSchema documents, built as it would dump it: every value is already a
    string, a list of strings or a dict of them, and the schema's walk of each field of each item
    cost more CPU than building the answer (a batch is the request the server takes most often)."""
    return {"results": [{"uuid": r.uuid, "status": str(r.status), "errors": translate_errors(r.errors),
                         "missing_attachments": r.missing_attachments} for r in outcome.results]}


@blp.route("/attachments/<string:attachment_uuid>", methods=["PUT"])
@login_required
@blp.doc(requestBody=IMAGE_BODY)
@blp.response(200, AttachmentResultSchema)
@blp.alt_response(404, description="Unknown attachment")
@blp.alt_response(413, description="Too large")
@blp.alt_response(422, description="Size, checksum or image check failed")
def put_attachment(attachment_uuid):
    """The bytes of a declared photo; idempotent."""
    photo_uuid = parse_uuid(attachment_uuid)
    return accept_photo(current_user, photo_uuid, request.get_data(cache=False))


@blp.route("/submissions")
@login_required
@blp.arguments(SubmissionQuerySchema, location="query")
@blp.response(200, SubmissionListSchema)
def list_submissions(query):
    """The caller's submissions with their sync and review state (all in scope without mine=1)."""
    listed = listing.list_submissions(current_user, query["limit"], query["offset"], mine=query["mine"])
    return jsonify({"submissions": listed})
