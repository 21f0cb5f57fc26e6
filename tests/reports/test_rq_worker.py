"""Report jobs through Redis and a real `rq worker --burst` process (CI sets TEST_REDIS_URL)."""
import io
import os
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.reports import dataset
from tests.reports.sheets import table
from webapp import schedule
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.forms.services import find_version
from webapp.reports.models import ReportJob

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def redis(app, redis_url):
    if not os.environ.get("TEST_REDIS_URL"):
        # Not a missing service: this run keeps jobs inline; the Redis run (TEST_REDIS_URL) covers rq.
        pytest.skip("jobs run inline in this run; the rq worker path runs when TEST_REDIS_URL is set")
    from redis import Redis

    # Jobs left by other tests would run in this test's worker, and ours must not outlive it.
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_a_report_waits_in_the_queue_until_a_real_worker_builds_it(app, redis, run_jobs, login_as):
    dataset.build(app)
    api = login_as("bappeda")
    body = api.post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-05"}).json
    assert body["state"] == "queued"
    page = api.get("/laporan").text
    assert "Menunggu giliran" in page
    run_jobs()
    state = api.get(f"/api/v1/reports/jobs/{body['uuid']}").json
    assert (state["state"], state["progress"], state["message"]) == ("ready", 100, None)
    download = api.get(state["download_url"])
    content = download.data
    download.close()
    rows = {r["Kecamatan / desa/kelurahan"].strip(): list(r.values())[1:]
            for r in table(load_workbook(io.BytesIO(content))["GEBER"], "Kecamatan / desa/kelurahan")}
    assert rows["Kecamatan Kota Manna"] == [1, 5, 3, 72.0, 70.0, 2.0, 2, 35, 120.5]


def test_a_job_that_fails_in_the_worker_shows_its_reason(app, redis, run_jobs, login_as):
    api = login_as("bappeda")
    with app.app_context():
        version = find_version("geber_cek", 1).id
    body = api.post("/api/v1/reports/jobs", json={"kind": "submissions", "form_version_id": version}).json
    with app.app_context():
        db.session.get(User, api.user.id).active = False
        db.session.commit()
    run_jobs()
    with app.app_context():
        report = db.session.scalar(select(ReportJob))
        assert str(report.uuid) == body["uuid"]
        assert (report.state, report.message) == ("failed", "Pengguna yang meminta ekspor ini tidak aktif lagi.")


def test_registering_the_schedule_twice_puts_each_run_on_the_rq_scheduler_once(app, redis):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    now = datetime(2026, 5, 15, tzinfo=timezone.utc)
    first = schedule.register_schedule(redis, now=now)
    second = schedule.register_schedule(redis, now=now)
    assert first == second == [
        "pantau-jadwal-laporan-bulanan-20260531T1730Z",
        "pantau-jadwal-ringkasan-geber-mingguan-20260517T2300Z",
        "pantau-jadwal-pengingat-harian-20260516T0000Z",
        "pantau-jadwal-ringkasan-mingguan-20260518T0030Z",
        # The day after the OPD deadline (the 10th): 11 June 01:00 WIB, and 11 July 02:00 WIB after triwulan II.
        "pantau-jadwal-laporan-rfk-20260610T1800Z",
        "pantau-jadwal-evaluasi-rkpd-20260710T1900Z",
        "pantau-jadwal-sapu-malam-20260515T1930Z",
    ]
    registry = ScheduledJobRegistry(queue=Queue("default", connection=redis))
    assert sorted(registry.get_job_ids()) == sorted(first)
    assert registry.get_scheduled_time(first[0]) == datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc)


def test_a_scheduled_run_in_the_worker_builds_its_report_and_schedules_the_next_one(app, redis, run_jobs):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    dataset.build(app)
    Queue("default", connection=redis).enqueue("webapp.reports.tasks.scheduled_monthly_report",
                                               "2026-05-31T17:30:00+00:00")
    run_jobs()
    with app.app_context():
        (report,) = db.session.scalars(select(ReportJob)).all()
        assert (report.kind, report.params, report.user_id, report.state) == (
            "monthly", {"period": "2026-05"}, None, "ready")
    registry = ScheduledJobRegistry(queue=Queue("default", connection=redis))
    assert registry.get_job_ids() == ["pantau-jadwal-laporan-bulanan-20260630T1730Z"]


def test_the_procfile_worker_with_its_scheduler_runs_a_due_scheduled_report(app, redis, redis_url, database_url):
    """`flask --app webapp worker --with-scheduler` (the Procfile's worker) registers the schedule and
    its scheduler enqueues a run that is due; here a run left over from 2020 stands for a missed one."""
    import subprocess
    import sys

    schedule.register_schedule(redis, now=datetime(2020, 1, 15, tzinfo=timezone.utc))
    env = {**os.environ, "DATABASE_URL": database_url, "STORAGE_ROOT": app.config["STORAGE_ROOT"],
           "REDIS_URL": redis_url, "PANTAU_ENV": "development", "SECRET_KEY": "worker-secret-for-tests"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "worker", "--burst", "--with-scheduler"],
                            env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    with app.app_context():
        reports = db.session.scalars(select(ReportJob)).all()
        assert sorted((r.kind, r.params["period"], r.state) for r in reports) == [
            ("monthly", "2020-01", "ready"), ("rfk", "2020-01", "ready"), ("rkpd_evaluation", "2020-T1", "ready")]
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    scheduled = set(ScheduledJobRegistry(queue=Queue("default", connection=redis)).get_job_ids())
    # Each run that was due (31 Jan, Monday 20 Jan) put its successor on the schedule, and the
    # worker's start registered the real next runs.
    assert {"pantau-jadwal-laporan-bulanan-20200229T1730Z",
            "pantau-jadwal-ringkasan-geber-mingguan-20200126T2300Z"} <= scheduled
    now = datetime.now(timezone.utc)
    assert schedule.run_id(schedule.SCHEDULE[0], schedule.next_run(schedule.SCHEDULE[0].cron, now)) in scheduled
