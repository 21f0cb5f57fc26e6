"""README's Production section, followed literally against PostgreSQL, gives a working field app.

The commands are read out of README.md, so the recipe and this test cannot drift apart. Each line
runs as its own process with the environment the `export` lines build; only the addresses are
pointed at this run's services (a private schema of the test database, the test Redis, a temporary
storage root), and the two long-running lines (web and worker) are started, checked and stopped.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bench._server import Client, free_port
from tests.helpers import missing_service

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "readme_setup"
ADMIN_PASSWORD = "sungai-manna-jembatan-2026"

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def production_commands() -> list[str]:
    """The lines of the first shell block under README's `## Production` heading."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _without_comment(line: str) -> str:
    return re.sub(r"\s+#.*$", "", line).strip()


def _exported_env(line: str, env: dict) -> dict:
    """The environment after running an `export` line in bash."""
    out = subprocess.run(["bash", "-c", f"{line}\nenv -0"], env=env, capture_output=True, check=True).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def _schema_url(base: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={SCHEMA}')}"


@pytest.fixture
def services():
    pg = os.environ.get("TEST_DATABASE_URL", "")
    redis = os.environ.get("TEST_REDIS_URL")
    if not pg.startswith("postgresql"):
        # Not a missing service: the SQLite run is not where production is checked; the PostgreSQL run is.
        pytest.skip("the production recipe runs in the PostgreSQL run (TEST_DATABASE_URL)")
    if not redis:
        missing_service("the production recipe's worker needs Redis (TEST_REDIS_URL)")
    engine = create_engine(pg)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    yield _schema_url(pg), redis
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def test_readme_recipe_has_the_setup_steps_in_order():
    lines = [_without_comment(line) for line in production_commands()]
    setup = next(i for i, line in enumerate(lines) if line == "flask --app webapp setup")
    admin = next(i for i, line in enumerate(lines) if "create-user" in line and "--role admin" in line)
    web = next(i for i, line in enumerate(lines) if line.startswith("gunicorn"))
    assert setup < admin < web


def test_following_the_readme_production_recipe_gives_a_field_app_with_forms(services, tmp_path):
    database_url, redis_url = services
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for key in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PANTAU_ENV"):
        env.pop(key, None)
    overrides = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "STORAGE_ROOT": str(tmp_path / "storage")}
    background: list[subprocess.Popen] = []
    worker_log = tmp_path / "worker.log"
    port = None
    ran = []
    try:
        for raw in production_commands():
            line = _without_comment(raw)
            if line.startswith("export "):
                env = {**_exported_env(line, env), **overrides}
            elif line == "pip install .":
                # The suite already runs from an installed checkout; reinstalling would replace it.
                continue
            elif line.startswith("gunicorn"):
                port = free_port()
                argv = shlex.split(re.sub(r"--bind \S+", f"--bind 127.0.0.1:{port}", line))
                background.append(subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True))
                _wait_for_ping(port)
            elif " worker" in line:
                with open(worker_log, "wb") as log:
                    background.append(subprocess.Popen(shlex.split(line) + ["--burst"], env=env, cwd=ROOT,
                                                       start_new_session=True, stdout=log, stderr=subprocess.STDOUT))
            else:
                line = line.replace("'…'", shlex.quote(ADMIN_PASSWORD))
                result = subprocess.run(shlex.split(line), env=env, cwd=ROOT, capture_output=True, text=True,
                                        timeout=300)
                assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
            ran.append(line)
        assert port is not None, "README starts no web server"
        assert _is_production(env)

        # The recipe is safe to run again: a second setup adds nothing and breaks nothing.
        again = subprocess.run(["flask", "--app", "webapp", "setup"], env=env, cwd=ROOT, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        assert "0 versi formulir baru" in again.stdout

        # The admin of the recipe can sign in; a monitor added the same way gets the forms.
        subprocess.run(["flask", "--app", "webapp", "create-user", "--username", "petugas1", "--password",
                        ADMIN_PASSWORD, "--role", "monitor", "--kecamatan", "17.01.05"],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        Client(port, "admin", ADMIN_PASSWORD).conn.close()
        monitor = Client(port, "petugas1", ADMIN_PASSWORD)
        status, body = monitor.request("GET", "/api/v1/bootstrap")
        monitor.conn.close()
        assert status == 200
        document = json.loads(body)
        assert {f["form"] for f in document["forms"]} == {"monev_kunjungan", "geber_cek", "geber_aksi"}
        assert len(document["desa"]) > 0
        worker = background[-1]
        assert worker.wait(timeout=120) == 0, worker_log.read_text()[-2000:]
    finally:
        for proc in background:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
                proc.wait(timeout=30)
    assert any(line.startswith("pybabel compile") for line in ran)


def _is_production(env: dict) -> bool:
    return env.get("PANTAU_ENV") == "production" and len(env.get("SECRET_KEY", "")) >= 32


def _wait_for_ping(port: int, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/api/v1/ping")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn from the README did not answer")
