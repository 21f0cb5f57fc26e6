"""The review state machine of a submission, with its audit trail.

received → approved | returned (needs a reason) | rejected (needs a reason);
returned → received when the monitor sends the corrected submission again (`resubmitted`).
Approved and rejected are final. Services flush; the caller commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webapp import audit, scopes
from webapp.errors import ApiError
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.types import utcnow
from webapp.vocabulary import ReviewState

#: action → (states it may start from, state it leads to, whether a reason is required)
ACTIONS = {
    "approve": ((ReviewState.RECEIVED,), ReviewState.APPROVED, False),
    "return": ((ReviewState.RECEIVED,), ReviewState.RETURNED, True),
    "reject": ((ReviewState.RECEIVED,), ReviewState.REJECTED, True),
}
#: The monitor's resend is not a reviewer action, but it is a transition of the same machine.
RESUBMIT_FROM = (ReviewState.RETURNED,)
NOTE_MAX = 2000

def _snapshot(submission: Submission) -> dict:
    return {
        "review_state": submission.review_state,
        "review_note": submission.review_note,
        "reviewed_by_id": submission.reviewed_by_id,
    }


def _refresh_site(submission: Submission) -> None:
    if submission.site_id is None:
        return
    # Imported here: the sites service imports the submission models, which this module needs first.
    from webapp.sites.services import refresh_site_status

    refresh_site_status(submission.site_id)


def allowed_actions(submission: Submission) -> list[str]:
    """The review actions that the submission's current state allows."""
    return [action for action, (sources, _target, _reason) in ACTIONS.items() if submission.review_state in sources]


def review(user, submission: Submission, action: str, note: str | None = None) -> Submission:
    """Apply a reviewer's decision; 403 outside the user's review scope, 409 from a final state."""
    if action not in ACTIONS:
        raise ApiError(422, errors={"action": [str(_l("Tindakan tidak dikenal."))]})
    if not scopes.can_review(user, submission):
        raise ApiError(403, str(_l("Anda tidak berhak meninjau kiriman ini.")))
    sources, target, needs_reason = ACTIONS[action]
    note = (note or "").strip() or None
    if needs_reason and not note:
        raise ApiError(422, errors={"note": [str(_l("Tuliskan alasannya agar petugas tahu apa yang harus diperbaiki."))]})
    if note and len(note) > NOTE_MAX:
        raise ApiError(422, errors={"note": [str(_l("Paling banyak %(n)s karakter.", n=NOTE_MAX))]})
    if submission.review_state not in sources:
        raise ApiError(
            409,
            str(_l("Kiriman ini sudah berstatus \u201c%(state)s\u201d dan tidak dapat diubah lagi.",
                   state=ReviewState.label_of(submission.review_state))),
            code="illegal_transition",
        )
    before = _snapshot(submission)
    submission.review_state = target
    submission.review_note = note
    submission.reviewed_by_id = user.id
    submission.reviewed_at = utcnow()
    db.session.flush()
    audit.record(user, "submission.review", "submission", submission.uuid, before, {**_snapshot(submission), "action": action})
    _refresh_site(submission)
    if target == ReviewState.APPROVED:
        # An approved visit's recommendation becomes a follow-up with an owner and a due date.
        from webapp.followups.services import create_from_visit

        create_from_visit(user, submission)
    return submission


def resubmitted(submission: Submission, actor=None) -> Submission:
    """The monitor sent a returned submission again: it waits for review once more.

    Called by the sync service. The reviewer's earlier reason stays in the audit trail.
    """
    if submission.review_state not in RESUBMIT_FROM:
        raise ApiError(
            409,
            str(_l("Hanya kiriman yang dikembalikan untuk perbaikan yang dapat dikirim ulang.")),
            code="illegal_transition",
        )
    before = _snapshot(submission)
    submission.review_state = ReviewState.RECEIVED
    submission.review_note = None
    submission.reviewed_by_id = None
    submission.reviewed_at = None
    db.session.flush()
    audit.record(actor if actor is not None else submission.user, "submission.resubmit", "submission",
                 submission.uuid, before, _snapshot(submission))
    _refresh_site(submission)
    return submission


def review_history(submission: Submission) -> list[audit.AuditEvent]:
    """The review decisions on a submission, oldest first."""
    return list(db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.object_type == "submission", audit.AuditEvent.object_id == str(submission.uuid))
        .order_by(audit.AuditEvent.created_at, audit.AuditEvent.id)
    ))


def get_for_review(user, uuid) -> Submission:
    """A submission in the user's scope by UUID; 404 when it does not exist or lies outside it."""
    submission = db.session.scalar(scopes.submissions_query(user).where(Submission.uuid == uuid))
    if submission is None:
        raise ApiError(404)
    return submission


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
