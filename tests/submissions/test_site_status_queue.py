"""Site-status refreshes merged across batches: every site a committed batch touched is refreshed
after that commit, by one job for many batches, also when a batch lands while the job runs."""
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from tests import factories
from tests.factories import geber_item
from webapp.extensions import db
from webapp.sites.models import SiteStatus
from webapp.submissions import site_status_queue
from webapp.submissions.models import Submission
from webapp.submissions.site_status_queue import DIRTY_KEY, QUEUED_KEY, refresh_dirty_sites_job

URL = "/api/v1/submissions/batch"
START = datetime.now(timezone.utc) - timedelta(hours=2)


def post(client, site, minute: int) -> None:
    """One check of `site`, recorded `minute` minutes after START (later minutes are newer)."""
    item = geber_item(site.uuid, recorded_at=(START + timedelta(minutes=minute)).isoformat())
    response = client.post(URL, data=json.dumps({"submissions": [item]}), headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json["results"][0]["status"] == "created", response.text[:300]


def newest_checks(app, sites) -> dict[int, int]:
    """Site id -> id of its newest check, computed from the submissions themselves."""
    with app.app_context():
        newest = {}
        for site in sites:
            newest[site.id] = db.session.scalar(
                select(Submission.id).where(Submission.site_id == site.id)
                .order_by(Submission.recorded_at.desc(), Submission.id.desc()).limit(1))
        db.session.remove()
    return newest


def shown(app, sites) -> dict[int, int | None]:
    """Site id -> the check its status shows."""
    with app.app_context():
        rows = dict(db.session.execute(select(SiteStatus.site_id, SiteStatus.geber_submission_id)
                                       .where(SiteStatus.site_id.in_([s.id for s in sites]))).all())
        db.session.remove()
    return {site.id: rows.get(site.id) for site in sites}


@pytest.fixture
def redis(redis_url, run_jobs):
    if not redis_url:
        pytest.skip("the merged refresh job runs on Redis (TEST_REDIS_URL)")
    from redis import Redis

    run_jobs()  # nothing of earlier tests left in the queue
    connection = Redis.from_url(redis_url)
    connection.delete(DIRTY_KEY, QUEUED_KEY)
    return connection


def refresh_jobs(redis) -> int:
    from rq import Queue

    return sum(1 for job in Queue("default", connection=redis).jobs if job.func_name.endswith("refresh_dirty_sites_job"))


def test_many_batches_queue_one_job_that_refreshes_every_site_they_touched(app, redis, run_jobs, login_as, make_site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = [make_site(factories.KOTA_MANNA) for _ in range(3)]
    for minute in range(9):
        post(monitor, sites[minute % 3], minute)
    assert refresh_jobs(redis) == 1, "nine batches, one job"
    assert {int(m) for m in redis.smembers(DIRTY_KEY)} == {s.id for s in sites}

    run_jobs()
    assert shown(app, sites) == newest_checks(app, sites)
    assert not redis.exists(DIRTY_KEY) and not redis.exists(QUEUED_KEY)

    post(monitor, sites[0], 30)
    assert refresh_jobs(redis) == 1, "a batch after the job ran queues the next one"
    run_jobs()
    assert shown(app, sites) == newest_checks(app, sites)


def test_a_batch_landing_while_the_job_runs_gets_a_job_of_its_own(app, redis, run_jobs, login_as, make_site,
                                                                   monkeypatch):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site, other = make_site(factories.KOTA_MANNA), make_site(factories.KOTA_MANNA)
    post(monitor, site, 1)
    real = site_status_queue.refresh_site_status
    raced = []

    def refresh_with_a_batch_landing(*ids):
        if not raced:  # the job has taken its sites; a newer check of the same site and one of another land now
            raced.append(ids)
            post(monitor, site, 50)
            post(monitor, other, 51)
        real(*ids)

    monkeypatch.setattr(site_status_queue, "refresh_site_status", refresh_with_a_batch_landing)
    with app.app_context():
        refresh_dirty_sites_job()  # the queued job, run here so the batches land inside it
        db.session.remove()
    monkeypatch.setattr(site_status_queue, "refresh_site_status", real)
    assert raced == [(site.id,)]
    assert refresh_jobs(redis) == 2, "the job queued before, and one for what landed while it ran"
    assert {int(m) for m in redis.smembers(DIRTY_KEY)} == {site.id, other.id}

    run_jobs()
    assert shown(app, [site, other]) == newest_checks(app, [site, other])


def test_a_failed_job_puts_its_sites_back_and_the_retry_refreshes_them(app, redis, login_as, make_site, monkeypatch):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = [make_site(factories.KOTA_MANNA) for _ in range(2)]
    post(monitor, sites[0], 1)
    post(monitor, sites[1], 2)

    def broken(*ids):
        raise RuntimeError("database went away")

    monkeypatch.setattr(site_status_queue, "refresh_site_status", broken)
    with app.app_context(), pytest.raises(RuntimeError):
        refresh_dirty_sites_job()
    assert {int(m) for m in redis.smembers(DIRTY_KEY)} == {s.id for s in sites}
    assert not redis.exists(QUEUED_KEY), "the next batch may queue a job at once"
    assert shown(app, sites) == {s.id: None for s in sites}

    monkeypatch.undo()
    with app.app_context():
        refresh_dirty_sites_job()  # rq's retry
        db.session.remove()
    assert shown(app, sites) == newest_checks(app, sites)


def test_without_a_worker_concurrent_batches_leave_every_site_showing_its_newest_check(app, login_as, make_site,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the in-process path, whatever this run uses
    sites = [make_site(factories.KOTA_MANNA) for _ in range(2)]
    monitors = [login_as("monitor", kecamatan_code=factories.KOTA_MANNA) for _ in range(4)]
    errors = []

    def phone(n, client):
        try:
            for k in range(6):
                post(client, sites[k % 2], n + 4 * k)  # the phones' checks interleave in time
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=phone, args=(n, c)) for n, c in enumerate(monitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert shown(app, sites) == newest_checks(app, sites)


def test_without_a_worker_a_batch_commits_once_with_its_sites_status_on_postgresql(app, login_as, make_site,
                                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the refresh follows the commit (site_status_queue.refreshes_in_transaction)")
    site = make_site(factories.KOTA_MANNA)
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    commits = []
    listener = lambda conn: commits.append(conn)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        post(monitor, site, 5)
    finally:
        event.remove(engine, "commit", listener)
    assert len(commits) == 1, "the batch and its sites' status in one transaction"
    assert shown(app, [site]) == newest_checks(app, [site])
