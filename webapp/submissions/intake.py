"""The units of work of the sync protocol: store, commit, then start the follow-up jobs.

The API routes and the outbox rescue import both go through these, so a photo or a batch is
accepted the same way whichever door it came in by.
"""
from webapp.extensions import db
from webapp.submissions.photos import process_later, store_attachment
from webapp.submissions.services import BatchOutcome, ingest_batch, mark_complete_if_all_arrived
from webapp.submissions.site_status import refresh_site_status
from webapp.submissions.site_status_queue import refresh_later, refreshes_in_transaction


def accept_batch(user, items: list) -> BatchOutcome:
    """Ingest a batch and commit it with the map's site status of its sites brought up to date."""
    outcome = ingest_batch(user, items)
    if refreshes_in_transaction():
        # The refresh claims its sites' status rows just before the commit, in site order: a
        # concurrent batch on the same sites waits for this commit and then reads its submissions.
        refresh_site_status(*outcome.site_ids)
        db.session.commit()
    else:
        db.session.commit()
        # After the commit: the job (or the process) must find the batch's submissions.
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
