"""The deployed worker (`flask --app webapp worker`, as the Procfile and README start it) runs jobs in
its own process, without forking one per job, each in a fresh app context."""
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.test_production_setup import production_commands
from webapp.extensions import db
from webapp.jobs import job

ROOT = Path(__file__).resolve().parent.parent


@job
def record_process(path: str) -> None:
    """A job that reads the database and says which process ran it."""
    from webapp.forms.models import Form

    forms = db.session.scalar(select(func.count(Form.id)))
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {forms} {db.session.info.setdefault('job', uuid.uuid4().hex)}\n")


def _procfile_worker() -> str:
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    return re.search(r"^worker:\s*(.+)$", procfile, re.M).group(1).strip()


def _readme_worker() -> str:
    return next(re.sub(r"\s+#.*$", "", line).strip() for line in production_commands() if " worker" in line)


def test_the_procfile_and_the_readme_start_the_same_worker_command():
    assert _procfile_worker().startswith("flask --app webapp worker")
    assert _readme_worker() == _procfile_worker()


def test_the_deployed_worker_runs_each_job_in_its_own_process_in_a_fresh_app_context(app, redis_url, database_url,
                                                                                     tmp_path):
    if not redis_url:
        # Not a missing service: this run keeps jobs inline; the run with TEST_REDIS_URL starts the worker.
        pytest.skip("jobs run inline in this run; the worker runs when TEST_REDIS_URL is set")
    from webapp.jobs import queue

    out = tmp_path / "ran.txt"
    with app.app_context():
        for _ in range(3):
            queue().enqueue(record_process, str(out))
    # The Procfile's command as it is, told to stop when the queue is empty; without the scheduler,
    # which would put the monthly reports on this test run's queue.
    argv = [arg for arg in shlex.split(_procfile_worker()) if arg != "--with-scheduler"] + ["--burst"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PANTAU_ENV": "development",
           "STORAGE_ROOT": app.config["STORAGE_ROOT"], "SECRET_KEY": "worker-secret-for-tests"}
    worker = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = worker.communicate(timeout=120)[0].decode(errors="replace")
    assert worker.returncode == 0, log[-3000:]
    runs = [line.split() for line in out.read_text().splitlines()]
    assert len(runs) == 3, log[-3000:]
    assert {int(pid) for pid, _forms, _session in runs} == {worker.pid}  # no work horse forked
    assert all(int(forms) >= 3 for _pid, forms, _session in runs)  # the database was read
    assert len({session for _pid, _forms, session in runs}) == 3  # a fresh session for each job
