"""Fixtures of the fault tests: gunicorn servers on the suite's database, and what they left on disk."""
import pytest

from tests.reliability.servers import Gunicorn, server_env


@pytest.fixture
def start_server(app, database_url, tmp_path):
    """start_server(workers=, threads=, **env) → a running Gunicorn on the suite's migrated database.

    Depends on `app`, so the schema and reference data exist and the suite empties the tables after.
    """
    started: list[Gunicorn] = []

    def start(workers: int = 2, threads: int = 2, **extra_env) -> Gunicorn:
        workdir = tmp_path / f"server{len(started)}"
        server = Gunicorn(server_env(database_url, workdir, **extra_env), workers=workers, threads=threads)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
