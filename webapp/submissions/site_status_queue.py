"""Site-status refreshes after a batch: merged across batches into one job when there is a worker.

With a worker (REDIS_URL set), a batch only adds its sites to a Redis set and queues one refresh
job unless one is already waiting: many batches cost one job. Without one, on PostgreSQL the batch
refreshes its sites in its own transaction (`refreshes_in_transaction`); on SQLite the sites of the
requests a process serves are gathered and refreshed once the answer is built, by whichever
request gets there first. A refresh lost on the way (a killed process, Redis flushed) is found
again by `requeue_pending`, which compares each site's status with its newest submission.
"""
import logging
import threading

from flask import after_this_request, current_app, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db
from webapp.jobs import enqueue, job, redis_connection
from webapp.submissions.site_status import refresh_site_status

log = logging.getLogger(__name__)

#: Sites waiting for the merged job, and the marker that one job is queued for them.
DIRTY_KEY = "pantau:site-status:dirty"
QUEUED_KEY = "pantau:site-status:queued"
#: A queued marker older than this belongs to a job that was lost: the next batch queues another.
QUEUED_TTL_S = 600
#: Sites per transaction of the merged job.
CHUNK = 500


def refreshes_in_transaction() -> bool:
    """Whether a batch refreshes its sites' status before its own commit (no worker, PostgreSQL).

    On PostgreSQL this saves a second transaction per request, and concurrent batches only wait for
    each other on the status rows of the sites they share. On SQLite every write transaction holds
    the one database lock: a refresh inside the batch's transaction makes the other writers wait
    longer, and refreshing after the commit lets one request take the sites of several."""
    return not current_app.config.get("REDIS_URL") and db.engine.dialect.name == "postgresql"


def refresh_later(site_ids) -> None:
    """Have these sites' status refreshed soon, merged with other requests' sites."""
    ids = {int(i) for i in site_ids if i}
    if not ids:
        return
    if current_app.config.get("REDIS_URL"):
        from redis.exceptions import RedisError

        try:
            _mark_dirty(ids)
            return
        except RedisError:
            log.warning("Redis unavailable; refreshing %d site statuses in this process", len(ids))
    if not has_request_context():
        _refresh_now(ids)
        return
    lock, pending = _pending()
    with lock:
        pending |= ids

    @after_this_request
    def _refresh_pending(response):
        with lock:
            taken = set(pending)
            pending.clear()
        if taken:
            _refresh_now(taken)
        return response


def _pending() -> tuple[threading.Lock, set[int]]:
    return current_app.extensions.setdefault("pantau.site_refresh", (threading.Lock(), set()))


def _refresh_now(ids: set[int]) -> None:
    """Refresh and commit; a failure is logged, never turned into an error of the request it follows
    (the submissions are committed; the sweep will find these sites stale)."""
    try:
        refresh_site_status(*ids)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("site status refresh failed for %d sites; requeue-pending will redo it", len(ids))


def _mark_dirty(ids: set[int]) -> None:
    redis = redis_connection()
    pipe = redis.pipeline()
    pipe.sadd(DIRTY_KEY, *sorted(ids))
    pipe.set(QUEUED_KEY, 1, nx=True, ex=QUEUED_TTL_S)
    _added, queued_now = pipe.execute()
    if queued_now:
        enqueue(refresh_dirty_sites_job)


@job
def refresh_dirty_sites_job() -> None:
    """Refresh every site marked dirty since the last run (the merged job)."""
    redis = redis_connection()
    # The marker goes first: a batch marking a site from now on queues the next job itself.
    redis.delete(QUEUED_KEY)
    pipe = redis.pipeline(transaction=True)
    pipe.smembers(DIRTY_KEY)
    pipe.delete(DIRTY_KEY)
    members, _deleted = pipe.execute()
    ids = sorted(int(m) for m in members)
    for start in range(0, len(ids), CHUNK):
        try:
            refresh_site_status(*ids[start:start + CHUNK])
            db.session.commit()
        except BaseException:
            db.session.rollback()
            # Back in the set for the retry, and a job to take them.
            redis.sadd(DIRTY_KEY, *ids[start:])
            redis.delete(QUEUED_KEY)
            raise
