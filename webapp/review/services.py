"""The review state machine of a submission, with its audit trail.

received → approved | returned (needs a reason) | rejected (needs a reason);
returned → received when the monitor sends the corrected submission again (that transition is
part of ingest: webapp/submissions/resubmission.py).
Approved and rejected are final. Services flush; the caller commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp import audit, scopes
from webapp.domain_errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.followups.services import create_from_visit
from webapp.submissions.models import Submission
from webapp.submissions.resubmission import review_snapshot
from webapp.submissions.site_status import refresh_site_status
from webapp.types import utcnow
from webapp.vocabulary import ReviewState

#: action → (states it may start from, state it leads to, whether a reason is required)
ACTIONS = {
    "approve": ((ReviewState.RECEIVED,), ReviewState.APPROVED, False),
    "return": ((ReviewState.RECEIVED,), ReviewState.RETURNED, True),
    "reject": ((ReviewState.RECEIVED,), ReviewState.REJECTED, True),
}
NOTE_MAX = 2000


def allowed_actions(submission: Submission) -> list[str]:
    """The review actions that the submission's current state allows."""
    return [action for action, (sources, _target, _reason) in ACTIONS.items() if submission.review_state in sources]


def review(user, submission: Submission, action: str, note: str | None = None) -> Submission:
    """Apply a reviewer's decision; 403 outside the user's review scope, 409 from a final state."""
    if action not in ACTIONS:
        raise Invalid(errors={"action": [str(_l("Tindakan tidak dikenal."))]})
    if not scopes.can_review(user, submission):
        raise Forbidden(str(_l("Anda tidak berhak meninjau kiriman ini.")))
    sources, target, needs_reason = ACTIONS[action]
    note = (note or "").strip() or None
    if needs_reason and not note:
        raise Invalid(errors={"note": [str(_l("Tuliskan alasannya agar petugas tahu apa yang harus diperbaiki."))]})
    if note and len(note) > NOTE_MAX:
        raise Invalid(errors={"note": [str(_l("Paling banyak %(n)s karakter.", n=NOTE_MAX))]})
    if submission.review_state not in sources:
        raise Conflict(
            str(_l("Kiriman ini sudah berstatus \u201c%(state)s\u201d dan tidak dapat diubah lagi.",
                   state=ReviewState.label_of(submission.review_state))),
            code="illegal_transition",
        )
    before = review_snapshot(submission)
    submission.review_state = target
    submission.review_note = note
    submission.reviewed_by_id = user.id
    submission.reviewed_at = utcnow()
    db.session.flush()
    audit.record(user, "submission.review", "submission", submission.uuid, before, {**review_snapshot(submission), "action": action})
    if submission.site_id is not None:
        refresh_site_status(submission.site_id)
    if target == ReviewState.APPROVED:
        # An approved visit's recommendation becomes a follow-up with an owner and a due date.
        create_from_visit(user, submission)
    if target == ReviewState.RETURNED:
        from webapp.notifications import services as notifications

        notifications.submission_returned(submission)
    return submission


def review_history(submission: Submission) -> list[audit.AuditEvent]:
    """The review decisions on a submission, oldest first."""
    return list(db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.object_type == "submission", audit.AuditEvent.object_id == str(submission.uuid))
        .order_by(audit.AuditEvent.created_at, audit.AuditEvent.id)
    ))


def queue(user, state: ReviewState = ReviewState.RECEIVED, form_code: str | None = None,
          kecamatan_id: int | None = None, flagged_only: bool = False, limit: int = 100):
    """Submissions the user may review in a review state, flagged ones first; with the total."""
    stmt = scopes.reviewable_submissions_query(user).where(Submission.review_state == state)
    if form_code:
        stmt = stmt.where(Submission.form_code == form_code)
    if kecamatan_id:
        stmt = stmt.where(Submission.kecamatan_id == kecamatan_id)
    if flagged_only:
        stmt = stmt.where(Submission.flagged.is_(True))
    items = list(db.session.scalars(
        stmt.order_by(Submission.flagged.desc(), Submission.recorded_at, Submission.id).limit(limit)
    ))
    return items, db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
