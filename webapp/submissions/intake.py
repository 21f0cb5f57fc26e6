"""The units of work of the sync protocol: store, commit, then start the follow-up jobs.

The API routes and the outbox rescue import both go through these, so a photo or a batch is
accepted the same way whichever door it came in by.
"""
from webapp.extensions import db
from webapp.submissions.photos import process_later, store_attachment
from webapp.submissions.services import BatchOutcome, ingest_batch, mark_complete_if_all_arrived
from webapp.submissions.site_status import refresh_site_status
from webapp.submissions.site_status_queue import has_worker, refresh_later


def accept_batch(user, items: list) -> BatchOutcome:
    """Ingest a batch and commit it with the map's site status of its sites brought up to date:
    by the merged job after the commit when there is a worker, else inside the batch's transaction."""
    outcome = ingest_batch(user, items)
    deferred = has_worker()
    if not deferred:
        # One transaction and one commit for both. The refresh claims its sites' status rows just
        # before the commit, in site order, so a concurrent batch on the same sites waits for this
        # one's commit and then reads its submissions; nothing is refreshed for an uncommitted batch.
        refresh_site_status(*outcome.site_ids)
    db.session.commit()
    if deferred:
        # After the commit: the job must find the batch's submissions when it runs.
        refresh_later(outcome.site_ids)
    return outcome


def accept_photo(user, attachment_uuid, data: bytes):
    """Keep a photo's bytes, mark its submission complete when it was the last, queue processing."""
    att = store_attachment(user, attachment_uuid, data)
    submission_id, attachment_id = att.submission_id, att.id
    # In the same transaction when no other photo is pending (a submission's only photo, or its
    # last one after the others were committed): one commit instead of two.
    completed = mark_complete_if_all_arrived(submission_id)
    db.session.commit()
    if not completed:
        # Again after the commit, so two last photos arriving at once both see each other.
        mark_complete_if_all_arrived(submission_id)
        db.session.commit()
    process_later(attachment_id)
    return att
