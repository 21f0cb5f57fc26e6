"""Repairs of stored submissions that an older intake let through."""
from flask import current_app
from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.submissions.site_status import refresh_site_status
from webapp.types import recorded_window


def repair_recorded_times() -> int:
    """Put a recorded_at outside the accepted window back to the time the server received it.

    The device time is kept in the flags (`recorded_at_repaired`) for the reviewer; the sites
    concerned get their latest status again. Idempotent: a second run finds nothing.
    """
    earliest, latest = recorded_window(current_app.config)
    bad = list(db.session.scalars(
        select(Submission).where(or_(Submission.recorded_at < earliest, Submission.recorded_at > latest))
        .order_by(Submission.id)
    ))
    for submission in bad:
        arrived = min(max(submission.received_at, earliest), latest)
        submission.flags = {**(submission.flags or {}), "recorded_at_repaired": submission.recorded_at.isoformat()}
        submission.flagged = True
        submission.recorded_at = arrived
    db.session.flush()
    refresh_site_status(*{s.site_id for s in bad if s.site_id})
    return len(bad)
