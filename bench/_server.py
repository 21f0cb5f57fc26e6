"""Shared pieces of the benchmarks: a fresh database, a gunicorn server, logged-in HTTP clients."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The rq worker as the Procfile starts it (without the scheduler: the benches schedule nothing).
WORKER_COMMAND = [sys.executable, "-m", "flask", "--app", "webapp", "worker"]


def wait_for_queue(redis_url: str, timeout: float, poll: float = 0.25, empty_set: str | None = None) -> float:
    """Seconds until the rq queue is empty, no job is running and (when named) a Redis set is
    empty; NaN after `timeout`."""
    from redis import Redis
    from rq import Queue

    started = time.perf_counter()
    connection = Redis.from_url(redis_url)
    queue = Queue("default", connection=connection)
    while time.perf_counter() - started < timeout:
        if (queue.count == 0 and queue.started_job_registry.count == 0
                and not (empty_set and connection.scard(empty_set))):
            return time.perf_counter() - started
        time.sleep(poll)
    return float("nan")


def empty_postgres(url: str) -> None:
    """A benchmark's own PostgreSQL database, made on first use and emptied (the server's
    maintenance database is asked whether it exists)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database(url: str | None) -> tuple[str, str]:
    """A migrated database with regions and forms: SQLite in a temp dir, or the given PostgreSQL emptied."""
    workdir = tempfile.mkdtemp(prefix="pantau-bench-")
    if not url:
        url = f"sqlite:///{workdir}/bench.sqlite"
    else:
        empty_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_ROOT": f"{workdir}/storage", "PANTAU_ENV": "development"}
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "webapp"]
    for args in (["db", "upgrade"], ["seed-regions"], ["load-forms"]):
        subprocess.run(flask + args, env=env, check=True, cwd=ROOT, capture_output=True)
    return url, workdir


def app_env(url: str, workdir: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_ROOT": f"{workdir}/storage", "PANTAU_ENV": "development",
           "SECRET_KEY": "bench-secret-key-not-for-production", "LOGIN_RATE_LIMIT": "100000 per minute"}
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


@contextmanager
def gunicorn(env: dict, workers: int = 4, threads: int = 2):
    """A real gunicorn on loopback; yields (port, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
           "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "webapp:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.time() + 120  # a busy machine takes a while to import and fork 4 workers
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def peak_rss_mb(proc) -> float:
    """Peak resident memory (VmHWM) of the busiest gunicorn worker."""
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children + [str(proc.pid)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks) if peaks else float("nan")


class Client:
    """A logged-in HTTP/1.1 client keeping its cookies, like one phone."""

    def __init__(self, port: int, username: str, password: str = PASSWORD):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        page = self.request("GET", "/masuk")[1].decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urlencode({"username": username, "password": password, "csrf_token": token})
        status, _ = self.request("POST", "/masuk", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login failed for {username}: {status}")
        self.csrf = json.loads(self.request("GET", "/api/v1/session")[1])["csrf_token"]

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        self.last_etag = response.getheader("ETag")
        return response.status, data

    def post_json(self, path, payload):
        body = json.dumps(payload).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", "X-CSRFToken": self.csrf})
