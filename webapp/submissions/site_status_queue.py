"""Site-status refreshes after a batch: merged across batches into one job when there is a worker.

With a worker (REDIS_URL set), a batch only adds its sites to a Redis set after its commit and
queues one refresh job unless one is already waiting: many batches cost one job. Without one the
batch refreshes its sites in its own transaction (`intake.accept_batch`); when Redis fails after the
commit, the process refreshes them at once, in a transaction of their own. A refresh lost on the
way (a killed process, Redis flushed) is found again by `requeue_pending`, which compares each
site's status with its newest submission.
"""
import logging

from flask import current_app
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


def has_worker() -> bool:
    """Whether site-status refreshes go to the merged job (a worker takes jobs from Redis)."""
    return bool(current_app.config.get("REDIS_URL"))


def refresh_later(site_ids) -> None:
    """Have these committed sites' status refreshed soon, merged with other batches' sites
    (at once, here, without a worker or when Redis fails)."""
    ids = {int(i) for i in site_ids if i}
    if not ids:
        return
    if has_worker():
        from redis.exceptions import RedisError

        try:
            _mark_dirty(ids)
            return
        except RedisError:
            log.warning("Redis unavailable; refreshing %d site statuses in this process", len(ids))
    _refresh_now(ids)


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
