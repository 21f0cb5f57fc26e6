"""The monitor's resend of a submission returned for correction ("perlu perbaikan").

returned → received: a transition of the review state machine (webapp/review/services.py) that
the sync ingest makes, not a reviewer. The reviewer's earlier reason stays in the audit trail.
"""
from flask_babel import lazy_gettext as _l

from webapp import audit
from webapp.domain_errors import Conflict
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.submissions.site_status import refresh_site_status
from webapp.vocabulary import ReviewState

#: The monitor's resend is not a reviewer action, but it is a transition of the same machine.
RESUBMIT_FROM = (ReviewState.RETURNED,)


def review_snapshot(submission: Submission) -> dict:
    """The review fields of a submission, as the audit trail records them."""
    return {
        "review_state": submission.review_state,
        "review_note": submission.review_note,
        "reviewed_by_id": submission.reviewed_by_id,
    }


def resubmitted(submission: Submission, actor=None) -> Submission:
    """The monitor sent a returned submission again: it waits for review once more.

    Called by the sync service.
    """
    if submission.review_state not in RESUBMIT_FROM:
        raise Conflict(
            str(_l("Hanya kiriman yang dikembalikan untuk perbaikan yang dapat dikirim ulang.")),
            code="illegal_transition",
        )
    before = review_snapshot(submission)
    submission.review_state = ReviewState.RECEIVED
    submission.review_note = None
    submission.reviewed_by_id = None
    submission.reviewed_at = None
    db.session.flush()
    audit.record(actor if actor is not None else submission.user, "submission.resubmit", "submission",
                 submission.uuid, before, review_snapshot(submission))
    if submission.site_id is not None:
        refresh_site_status(submission.site_id)
    return submission
