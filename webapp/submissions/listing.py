"""The caller's submissions as the sync API lists them (SubmissionDumpSchema documents the shape).

A phone asks for this list after every sync. Loading each submission whole (its answers too) with
its site, form version and photos, and dumping it field by field, cost more than the rest of the
sync put together; the listing reads the dozen columns it shows in one query, and the photos
still awaited in a second.
"""
from sqlalchemy import select

from webapp import scopes
from webapp.extensions import db
from webapp.forms.models import FormVersion
from webapp.sites.models import Site
from webapp.submissions.models import Attachment, Submission
from webapp.vocabulary import AttachmentState

_COLUMNS = (Submission.id, Submission.uuid, Submission.form_code, FormVersion.version, Submission.status,
            Submission.review_state, Submission.review_note, Submission.score, Submission.flags,
            Submission.recorded_at, Submission.received_at, Site.uuid.label("site_uuid"), Site.name.label("site_name"))


def list_submissions(user, limit: int = 500, offset: int = 0, mine: bool = True) -> list[dict]:
    """The caller's own submissions (or all in scope), newest first, as plain dicts."""
    stmt = scopes.submissions_query(user)
    if mine:
        stmt = stmt.where(Submission.user_id == user.id)
    stmt = (stmt.with_only_columns(*_COLUMNS)
            .join(FormVersion, FormVersion.id == Submission.form_version_id)
            .outerjoin(Site, Site.id == Submission.site_id)
            .order_by(Submission.received_at.desc(), Submission.id.desc()).limit(limit).offset(offset))
    rows = db.session.connection().execute(stmt).all()
    missing: dict[int, list[str]] = {}
    if rows:
        pending = (select(Attachment.submission_id, Attachment.uuid)
                   .where(Attachment.submission_id.in_([r.id for r in rows]), Attachment.state == AttachmentState.PENDING)
                   .order_by(Attachment.id))
        for submission_id, attachment_uuid in db.session.connection().execute(pending):
            missing.setdefault(submission_id, []).append(str(attachment_uuid))
    return [{
        "uuid": str(r.uuid), "form": r.form_code, "form_version": r.version, "status": str(r.status),
        "review_state": str(r.review_state), "review_note": r.review_note,
        "score": None if r.score is None else float(r.score), "flags": dict(r.flags or {}),
        "recorded_at": r.recorded_at.isoformat(), "received_at": r.received_at.isoformat(),
        "site_uuid": None if r.site_uuid is None else str(r.site_uuid), "site_name": r.site_name,
        "missing_attachments": missing.get(r.id, []),
    } for r in rows]
