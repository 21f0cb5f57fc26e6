"""The units of work of the sync protocol: store, commit, then start the follow-up jobs.

The API routes and the outbox rescue import both go through these, so a photo or a batch is
accepted the same way whichever door it came in by.
"""
from webapp.extensions import db
from webapp.submissions.photos import process_later, store_attachment, upload_state
from webapp.submissions.services import BatchOutcome, ingest_batch, mark_complete_if_all_arrived
from webapp.submissions.site_status import refresh_site_status
from webapp.submissions.site_status_queue import refresh_later, refreshes_in_transaction
from webapp.vocabulary import SyncState


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


def accept_photo(user, attachment_uuid, data: bytes) -> dict:
    """Keep a photo's bytes, mark its submission complete when it was the last, queue processing;
    what the phone is told: the photo's state and its submission's."""
    att = store_attachment(user, attachment_uuid, data)
    submission_id, attachment_id, state = att.submission_id, att.id, att.state
    # In the same transaction when no other photo is pending (a submission's only photo, or its
    # last one after the others were committed): one commit instead of two.
    completed = mark_complete_if_all_arrived(submission_id)
    db.session.commit()
    if not completed:
        # Again after the commit, so two last photos arriving at once both see each other.
        completed = mark_complete_if_all_arrived(submission_id)
        db.session.commit()
    if not process_later(attachment_id):
        return upload_state(attachment_uuid)  # processed here: its outcome is in the database
    # Known without asking the database again (a transaction of its own for one row): the photo
    # as stored, and its submission complete exactly when no photo of it was pending.
    return {"uuid": str(attachment_uuid), "state": state,
            "submission_status": SyncState.COMPLETE if completed else SyncState.INCOMPLETE}
