"""A real gunicorn the tests can kill and restart, and phone-like HTTP clients that survive it.

Reuses bench/_server.py (the app's environment, login, cookies); adds what fault tests need:
the same port across restarts, SIGKILL of the whole process group, clients that reconnect.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench._server import ROOT, Client, app_env, free_port

#: How long a (re)start may take on a busy two-core machine before the test gives up.
START_TIMEOUT = 60


class ServerDown(Exception):
    """The request never got an answer: the server died, refused or reset the connection."""


class Gunicorn:
    """gunicorn on loopback in its own process group, so one signal reaches master and workers."""

    def __init__(self, env: dict, workers: int = 2, threads: int = 2):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = Path(env["STORAGE_ROOT"]).parent / "gunicorn.log"

    def start(self) -> "Gunicorn":
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--threads", str(self.threads),
               "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
               "--graceful-timeout", "5", "webapp:create_app()"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self._answers_ping():
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT}s:\n{self.log_tail()}")

    def _answers_ping(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/ping")
            response = conn.getresponse()
            return response.status == 200 and json.loads(response.read()) == {"app": "pantau", "ok": True}
        except (OSError, http.client.HTTPException, ValueError):
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL master and workers at once: no graceful shutdown, no cleanup, like a power cut of the process."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        # The kernel closes every socket of a killed process at once, zombie or not: the port and the
        # database connections are free again without waiting for the workers to be reaped.
        self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def server_errors(self) -> str:
        """Tracebacks the app logged (a 5xx leaves one)."""
        text = self.log_tail(200_000)
        return text if "Traceback" in text else ""


class Phone(Client):
    """A logged-in client like one browser tab; a dead connection becomes ServerDown, the next call reconnects."""

    def request(self, method, path, body=None, headers=None):
        try:
            return super().request(method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise ServerDown(f"{method} {path}: {exc!r}") from exc

    def close(self) -> None:
        self.conn.close()

    def refresh_csrf(self) -> None:
        """What the phone does at the start of every sync run."""
        status, body = self.request("GET", "/api/v1/session")
        if status != 200:
            raise RuntimeError(f"session: HTTP {status}")
        self.csrf = json.loads(body)["csrf_token"]

    def put_bytes(self, path, data: bytes, content_type: str = "image/jpeg"):
        return self.request("PUT", path, data, {"Content-Type": content_type, "X-CSRFToken": self.csrf})


def server_env(database_url: str, workdir: Path, **extra) -> dict:
    """The app's environment for a test server: the suite's database, a storage root of its own."""
    (workdir / "storage").mkdir(parents=True, exist_ok=True)
    env = app_env(database_url, str(workdir), **extra)
    # The server must not pick up the test run's own settings by accident.
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PANTAU_ARTIFACTS"):
        env.pop(name, None)
    return env
