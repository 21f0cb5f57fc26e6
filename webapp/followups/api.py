"""JSON endpoints of follow-ups: list, create, name the owner, move along the state machine."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from webapp import scopes
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.followups.schemas import (
    FollowupCompleteSchema,
    FollowupCreateSchema,
    FollowupListSchema,
    FollowupOwnerSchema,
    FollowupQuerySchema,
    FollowupSchema,
    FollowupTransitionSchema,
)
from webapp.submissions import services as submissions

blp = Blueprint("followups_api", __name__, url_prefix="/api/v1", description="Follow-ups (tindak lanjut)")

PHOTO_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["note", "photo"], "properties": {
        "note": {"type": "string"}, "photo": {"type": "string", "format": "binary"}}}}},
}


@blp.route("/followups")
@login_required
@blp.arguments(FollowupQuerySchema, location="query")
@blp.response(200, FollowupListSchema)
def list_followups(query):
    """Follow-ups in the user's scope, by due date; ?status= and ?overdue=1 filter."""
    stmt = scopes.followups_query(current_user)
    if "status" in query:
        stmt = stmt.where(FollowUp.status == query["status"])
    if query.get("overdue"):
        stmt = stmt.where(services.overdue_clause())
    return {"followups": db.session.scalars(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(500))}


@blp.route("/followups", methods=["POST"])
@login_required
@blp.arguments(FollowupCreateSchema)
@blp.response(201, FollowupSchema)
def create_followup(payload):
    """Create a follow-up assigned to one OPD or one kecamatan, optionally from a submission."""
    source = None
    if payload.get("source_submission_uuid"):
        source = submissions.get_visible(current_user, payload.pop("source_submission_uuid"))
    followup = services.create_followup(current_user, payload, source=source)
    db.session.commit()
    return followup


@blp.route("/followups/<int:followup_id>")
@login_required
@blp.response(200, FollowupSchema)
def get_followup(followup_id):
    return services.get_visible(current_user, followup_id)


@blp.route("/followups/<int:followup_id>/transition", methods=["POST"])
@login_required
@blp.arguments(FollowupTransitionSchema)
@blp.response(200, FollowupSchema)
@blp.alt_response(409, description="The follow-up's status does not allow this action")
def transition_followup(payload, followup_id):
    """Start or cancel (with a reason) a follow-up; completing it needs the evidence photo (see /complete)."""
    followup = services.get_visible(current_user, followup_id)
    services.transition(current_user, followup, payload["action"], payload["note"])
    db.session.commit()
    return followup


@blp.route("/followups/<int:followup_id>/owner", methods=["PUT"])
@login_required
@blp.arguments(FollowupOwnerSchema)
@blp.response(200, FollowupSchema)
@blp.alt_response(409, description="Only a follow-up still waiting for work changes owner")
def assign_followup_owner(payload, followup_id):
    """Name (or change) the person who answers for a follow-up: Bappeda, its creator or a user of the
    assignee unit may; the owner must be an active user of that unit (422 otherwise)."""
    followup = services.get_visible(current_user, followup_id)
    services.assign_owner(current_user, followup, payload["owner_id"])
    db.session.commit()
    return followup


@blp.route("/followups/<int:followup_id>/complete", methods=["POST"])
@login_required
@blp.arguments(FollowupCompleteSchema, location="form")
@blp.doc(requestBody=PHOTO_BODY)
@blp.response(200, FollowupSchema)
@blp.alt_response(409, description="Only a follow-up in progress can be completed")
def complete_followup(payload, followup_id):
    """Close a follow-up with a resolution note and an evidence photo (multipart: note, photo)."""
    followup = services.get_visible(current_user, followup_id)
    upload = request.files.get("photo")
    if upload is None:
        raise Invalid(errors={"photo": [str(_l("Foto bukti wajib dilampirkan."))]})
    services.transition(current_user, followup, "complete", payload["note"], upload.read())
    db.session.commit()
    return followup
