"""A cache every process shares, and the version of the reference data it is keyed by.

The reference data (sites, their kegiatan links, kegiatan, forms, kecamatan, desa, OPDs) changes
seldom and is read at every sync. Its version is a counter moved after each commit that wrote to
one of those tables: every write reaches the database through a SQLAlchemy connection (ORM
flushes, Core statements, bulk inserts, other processes' CLI imports alike), so one listener on
the engine sees them all, whoever wrote them. The counter moves once the connection is back in
the pool, after the commit: whoever reads the new number then reads the new rows.

With REDIS_URL the counter and the cache live in Redis, so every web worker, job worker and
command on any machine shares them. Without it they live in this process; entries then also
expire after LOCAL_TTL_S, which bounds what another process's writes (a CLI import next to a
development server) can leave stale.
"""
import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.sql.dml import UpdateBase

log = logging.getLogger(__name__)

#: The tables whose rows make up the reference data.
REFERENCE_TABLES = frozenset({"site", "kegiatan", "kegiatan_site", "form", "form_version", "kecamatan", "desa", "opd"})
VERSION_KEY = "pantau:reference-version"
#: How long a cached value lives in Redis (a lost version bump cannot keep it longer).
SHARED_TTL_S = 3600
LOCAL_TTL_S = 60
_CHANGED, _COMMITTED = "pantau.reference_changed", "pantau.reference_committed"


class _Local:
    """The counter and cache of one process, when there is no Redis."""

    def __init__(self):
        self.lock = threading.Lock()
        self.version = 0
        self.entries: dict[str, tuple[float, object]] = {}


def init_app(app: Flask) -> None:
    """Watch the app's database engine for commits that change the reference data."""
    from webapp.extensions import db

    app.extensions["pantau.shared_cache"] = _Local()
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "after_execute")
    def _after_execute(conn, clauseelement, multiparams, params, execution_options, result):
        if isinstance(clauseelement, UpdateBase) and getattr(clauseelement.table, "name", None) in REFERENCE_TABLES:
            conn.info[_CHANGED] = True

    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        if conn.info.pop(_CHANGED, False):
            conn.info[_COMMITTED] = True

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        conn.info.pop(_CHANGED, None)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        if record is not None and record.info.pop(_COMMITTED, False):
            with app.app_context():
                bump_reference_version()


def _redis():
    """The process's Redis client, or None without REDIS_URL."""
    from webapp.jobs import redis_connection

    return redis_connection() if current_app.config.get("REDIS_URL") else None


def _local() -> _Local:
    return current_app.extensions["pantau.shared_cache"]


def bump_reference_version() -> None:
    """Say that the reference data changed (called after the commit that changed it)."""
    local = _local()
    with local.lock:
        local.version += 1
    redis = _redis()
    if redis is None:
        return
    from redis.exceptions import RedisError

    try:
        redis.incr(VERSION_KEY)
    except RedisError:
        # Entries cached under the old number expire within SHARED_TTL_S; nothing better to do.
        log.warning("Redis unavailable; the reference-data version was not moved")


def reference_version() -> str | None:
    """The current version of the reference data; None when it cannot be known (Redis down)."""
    redis = _redis()
    if redis is None:
        return f"local-{_local().version}"
    from redis.exceptions import RedisError

    try:
        return (redis.get(VERSION_KEY) or b"0").decode()
    except RedisError:
        return None


def get(key: str) -> bytes | None:
    redis = _redis()
    if redis is None:
        local = _local()
        with local.lock:
            expires, value = local.entries.get(key, (0.0, None))
        return value if expires > time.monotonic() else None
    from redis.exceptions import RedisError

    try:
        return redis.get(key)
    except RedisError:
        return None


def put(key: str, value: bytes) -> None:
    redis = _redis()
    if redis is None:
        local = _local()
        with local.lock:
            now = time.monotonic()
            local.entries = {k: v for k, v in local.entries.items() if v[0] > now}
            local.entries[key] = (now + LOCAL_TTL_S, value)
        return
    from redis.exceptions import RedisError

    try:
        redis.set(key, value, ex=SHARED_TTL_S)
    except RedisError:
        pass  # the next reader builds the value again
