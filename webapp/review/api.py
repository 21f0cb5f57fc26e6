"""JSON endpoint of the review workflow."""
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from webapp.extensions import db
from webapp.review import services
from webapp.submissions import services as submissions

blp = Blueprint("review_api", __name__, url_prefix="/api/v1", description="Review of submissions")


class ReviewSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(services.ACTIONS)))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=services.NOTE_MAX))


class ReviewResultSchema(Schema):
    uuid = fields.UUID()
    review_state = fields.String()
    review_note = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    reviewed_by = fields.Function(lambda s: s.reviewed_by.full_name if s.reviewed_by else None)


@blp.route("/submissions/<uuid:uuid>/review", methods=["POST"])
@login_required
@blp.arguments(ReviewSchema)
@blp.response(200, ReviewResultSchema)
@blp.alt_response(403, description="Outside the user's review scope")
@blp.alt_response(404, description="No such submission in the user's scope")
@blp.alt_response(409, description="The submission's review state does not allow this action")
def review_submission(payload, uuid):
    """Approve, return (with a reason) or reject (with a reason) a submission waiting for review."""
    submission = submissions.get_visible(current_user, uuid)
    services.review(current_user, submission, payload["action"], payload["note"])
    db.session.commit()
    return submission
