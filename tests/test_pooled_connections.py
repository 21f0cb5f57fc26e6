"""A pooled connection the database closed is replaced before use, without a ping per request."""
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from webapp.extensions import db
from webapp.pooled_connections import is_stale


def _pooled_backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()  # back to the pool, still open
    return pid


def _terminate(app, pid: int) -> None:
    """End a backend from a connection of its own, outside the app's pool. Each statement in its
    own transaction: PostgreSQL keeps one snapshot of pg_stat_activity per transaction, so a poll
    inside one would never see the backend go."""
    with app.app_context():
        outside = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with outside.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
            deadline = time.monotonic() + 10
            while other.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.05)
    finally:
        outside.dispose()


def test_no_statement_is_sent_to_check_a_pooled_connection(app):
    with app.app_context():
        assert db.engine.pool._pre_ping is False


def test_a_request_after_the_database_dropped_its_pooled_connection_is_served(app, login_as):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (the TEST_DATABASE_URL run): a SQLite file is never dropped by a server")
    monitor = login_as("monitor")
    assert monitor.get("/api/v1/session").status_code == 200
    # Every connection the pool holds is ended by the server (as by a restart), one by one.
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            assert is_stale(raw.driver_connection) is False, "a healthy idle connection reads as healthy"
        finally:
            raw.close()
    dropped = set()
    for _ in range(db_pool_size(app)):
        pid = _pooled_backend_pid(app)
        if pid in dropped:
            break
        _terminate(app, pid)
        dropped.add(pid)
    response = monitor.get("/api/v1/session")
    assert response.status_code == 200, response.data[:300]
    assert _pooled_backend_pid(app) not in dropped


def db_pool_size(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedin() + 1
