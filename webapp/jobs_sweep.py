"""Finishing what lost jobs left undone.

A job can be lost: Redis restarted without its data, a worker was killed mid-job, or the web
process died between storing a photo and running its job inline. The database still tells what
is owed — photos received but never processed, site figures older than the submissions they
summarise — so this sweep re-enqueues exactly that. It also removes files nobody will finish:
half-written temporary files and the admin console's import previews never confirmed (kept under
STORAGE_ROOT/imports, webapp/admin/uploads.py). `flask worker` runs it at start, the schedule every
night (`scheduled_sweep`), and `flask requeue-pending` on demand; all are safe to repeat because
every job is idempotent.
"""
import os
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from sqlalchemy import func, or_, select

from webapp import schedule, storage
from webapp.extensions import db
from webapp.jobs import enqueue, job, redis_connection
from webapp.sites.models import SiteStatus
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import process_photo
from webapp.submissions.site_status import refresh_site_status_job
from webapp.vocabulary import AttachmentState

#: Sites per refresh job: one job per site would flood the queue after a long outage.
SITE_CHUNK = 500
#: A temporary file this old belongs to no write in progress: its writer died (storage.write_bytes).
TEMP_FILE_AGE_S = 3600
#: An import preview's kept file this old was never confirmed: the admin left the preview.
IMPORT_FILE_AGE_S = 24 * 3600


@dataclass
class SweepResult:
    photos: int
    sites: int
    temp_files: int
    import_files: int = 0


def unprocessed_photo_ids() -> list[int]:
    """Photos whose bytes arrived but whose display copy and thumbnail were never made."""
    return list(db.session.scalars(select(Attachment.id).where(Attachment.state == AttachmentState.RECEIVED).order_by(Attachment.id)))


def stale_site_ids() -> list[int]:
    """Sites with a submission received or reviewed after their status was last computed (or never computed)."""
    latest = (
        select(Submission.site_id.label("site_id"),
               func.max(func.coalesce(Submission.reviewed_at, Submission.received_at)).label("latest"))
        .where(Submission.site_id.is_not(None))
        .group_by(Submission.site_id)
        .subquery()
    )
    stmt = (
        select(latest.c.site_id)
        .outerjoin(SiteStatus, SiteStatus.site_id == latest.c.site_id)
        .where(or_(SiteStatus.site_id.is_(None), SiteStatus.updated_at < latest.c.latest))
        .order_by(latest.c.site_id)
    )
    return list(db.session.scalars(stmt))


def remove_stale_temp_files(older_than_s: float = TEMP_FILE_AGE_S) -> int:
    """Delete the half-written temporary files a killed writer left under the storage root."""
    cutoff = time.time() - older_than_s
    removed = 0
    for directory, _dirs, files in os.walk(storage.root()):
        for name in files:
            if not name.startswith(".tmp-"):
                continue
            path = os.path.join(directory, name)
            try:
                if os.stat(path).st_mtime <= cutoff:
                    os.unlink(path)
                    removed += 1
            except FileNotFoundError:
                # Its writer finished (renamed it) or another sweep got there first.
                continue
    return removed


def remove_abandoned_import_files(older_than_s: float = IMPORT_FILE_AGE_S) -> int:
    """Delete the kept files of import previews older than `older_than_s` (never confirmed)."""
    folder = storage.root() / "imports"
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime <= cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            # Confirmed (and discarded) meanwhile.
            continue
    return removed


def requeue_pending(temp_age_s: float = TEMP_FILE_AGE_S) -> SweepResult:
    """Enqueue the photo and site-status jobs the database says are still owed (inline without Redis)."""
    photo_ids = unprocessed_photo_ids()
    site_ids = stale_site_ids()
    # The reads are done: end the read transaction before jobs (inline ones commit on their own).
    db.session.rollback()
    for attachment_id in photo_ids:
        enqueue(process_photo, attachment_id)
    for start in range(0, len(site_ids), SITE_CHUNK):
        enqueue(refresh_site_status_job, site_ids[start:start + SITE_CHUNK])
    return SweepResult(photos=len(photo_ids), sites=len(site_ids), temp_files=remove_stale_temp_files(temp_age_s),
                       import_files=remove_abandoned_import_files())


@job
def scheduled_sweep(occurrence: str) -> None:
    """Every night: the sweep, in case a job was lost since the worker started."""
    if current_app.config.get("REDIS_URL"):
        # The following run first, so a failure of this one never stops the chain.
        schedule.schedule_run(redis_connection(), schedule.entry("sapu-malam"), datetime.fromisoformat(occurrence))
    requeue_pending()
