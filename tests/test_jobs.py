"""The job seam: inline without Redis, a real rq worker with it."""
import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import geber_item, jpeg_bytes
from webapp.extensions import db
from webapp.sites.models import SiteStatus
from webapp.submissions.models import Attachment


def test_enqueue_without_redis_runs_the_job_now(app):
    from webapp.jobs import enqueue

    calls = []
    with app.app_context():
        original = app.config["REDIS_URL"]
        app.config["REDIS_URL"] = None
        try:
            enqueue(calls.append, "ran")
        finally:
            app.config["REDIS_URL"] = original
    assert calls == ["ran"]


def test_enqueue_with_redis_down_runs_inline_rather_than_failing(app):
    from webapp.jobs import enqueue

    calls = []
    with app.app_context():
        original = app.config["REDIS_URL"]
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
        try:
            enqueue(calls.append, "ran")
        finally:
            app.config["REDIS_URL"] = original
    assert calls == ["ran"]


def test_photo_and_site_status_jobs_run_through_a_real_rq_worker(app, redis_url, run_jobs, login_as, make_site):
    if not redis_url:
        pytest.skip("jobs run inline in this run; the rq path runs when TEST_REDIS_URL is set")
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site()
    data = jpeg_bytes(1800, 900)
    item = geber_item(site.uuid, photos=[data])
    monitor.post("/api/v1/submissions/batch", json={"submissions": [item]})
    monitor.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=data)
    with app.app_context():
        assert db.session.scalar(select(Attachment.state)) == "received"
        assert db.session.scalar(select(SiteStatus)) is None
    run_jobs()
    with app.app_context():
        db.session.expire_all()
        assert db.session.scalar(select(Attachment.state)) == "processed"
        assert db.session.scalar(select(SiteStatus.geber_score)) == 100.0


def test_jobs_are_idempotent(app, login_as, make_site, run_jobs):
    from webapp.submissions.site_status import refresh_site_status
    from webapp.submissions.photos import process_photo

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site()
    data = jpeg_bytes(100, 100)
    item = geber_item(site.uuid, photos=[data])
    monitor.post("/api/v1/submissions/batch", json={"submissions": [item]})
    monitor.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=data)
    run_jobs()
    with app.app_context():
        att = db.session.scalar(select(Attachment))
        before = (att.state, att.width, att.height)
        process_photo(att.id)
        refresh_site_status(site.id)
        refresh_site_status(site.id)
        db.session.commit()
        att = db.session.scalar(select(Attachment))
        assert (att.state, att.width, att.height) == before
        assert len(db.session.scalars(select(SiteStatus)).all()) == 1


def test_worker_command_explains_that_it_needs_redis(runner, app):
    original = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = None
    try:
        result = runner.invoke(args=["worker", "--burst"])
    finally:
        app.config["REDIS_URL"] = original
    assert result.exit_code == 1 and "REDIS_URL" in result.output


def test_a_process_keeps_one_redis_client_per_address(app):
    from webapp.jobs import redis_connection

    with app.app_context():
        first = redis_connection("redis://127.0.0.1:1/0")
        assert redis_connection("redis://127.0.0.1:1/0") is first
        assert redis_connection("redis://127.0.0.1:1/1") is not first
