"""Background work of the map: rebuilding the prebuilt files after the data changed."""
import logging

from flask import current_app
from sqlalchemy import event

from webapp import jobs
from webapp.extensions import db
from webapp.jobs import job
from webapp.maps import prebuilt, snapshots
from webapp.scopes import PUBLIC_MAP_SCOPE

log = logging.getLogger(__name__)

#: The scopes most asked for, rebuilt ahead of their readers; the others on their first read.
EAGER_SCOPES = ("regency", PUBLIC_MAP_SCOPE)
JOB_ID = "map-snapshots"


@job
def rebuild_snapshots_job(scopes: list[str]) -> None:
    """Bring these scopes' files up to the current data (nothing is done for one already current)."""
    for scope in scopes:
        prebuilt.build_ahead(scope, snapshots.current_state(scope))
    db.session.commit()


def _enqueue_once() -> None:
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        try:
            # One waiting rebuild covers every change committed before it runs.
            if Job.fetch(JOB_ID, connection=jobs.redis_connection()).get_status() in ("queued", "scheduled", "deferred"):
                return
        except NoSuchJobError:
            pass
        jobs.enqueue(rebuild_snapshots_job, list(EAGER_SCOPES), job_id=JOB_ID)
    except RedisError:
        log.warning("Redis unavailable; the map files are rebuilt on their next read")


def schedule_rebuild(sender, connection, site_ids) -> None:
    """After the refresh's transaction commits, have a worker rebuild the most read scopes.

    Without Redis (jobs run inline) nothing is added to the refresh: the first reader rebuilds."""
    if not current_app.config.get("REDIS_URL"):
        return
    session = db.session()
    if session.info.get("map_rebuild_scheduled"):
        return
    session.info["map_rebuild_scheduled"] = True

    def after_commit(committed):
        committed.info.pop("map_rebuild_scheduled", None)
        _enqueue_once()

    # After a rollback the listener waits for the next commit, which then rebuilds (harmless).
    event.listen(session, "after_commit", after_commit, once=True)


def connect() -> None:
    snapshots.status_refreshed.connect(schedule_rebuild)
