"""A pooled PostgreSQL connection is checked before each use without a round trip to the server.

SQLAlchemy's `pool_pre_ping` sends a statement and waits for its answer on every checkout, that is
on every request: one more wake-up of the database backend each time, which on a busy machine is
one more wait for a core. A healthy idle connection has nothing to read; one the server closed
(a restart, `pg_terminate_backend`, an idle timeout) has its goodbye or the end of the stream
waiting on the socket. So a readable socket, or one psycopg already knows is broken, makes the
pool throw the connection away and take a fresh one, as the ping would have.
"""
import select

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool


def is_stale(dbapi_connection) -> bool:
    """Whether an idle psycopg connection can no longer be used (closed, broken, or sent something)."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkout")
def _refuse_stale(dbapi_connection, connection_record, connection_proxy):
    if type(dbapi_connection).__module__.startswith("psycopg") and is_stale(dbapi_connection):
        # The pool discards this connection and checks out another (SQLAlchemy retries 3 times).
        raise DisconnectionError("the database closed this pooled connection")
