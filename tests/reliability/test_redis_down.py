"""Redis down: the monitor's work is still accepted; once Redis is back, the backlog drains.

The first test needs nothing but a closed port. The second needs a real Redis (TEST_REDIS_URL).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bench._server import ROOT, free_port
from tests import factories
from tests.factories import geber_item, jpeg_bytes, new_site_ref
from tests.helpers import missing_service
from tests.reliability import checks
from tests.reliability.servers import Phone
from webapp.extensions import db
from webapp.sites.models import SiteStatus
from webapp.submissions.models import Attachment, Submission

BATCH_URL = "/api/v1/submissions/batch"


def sync_everything(phone: Phone, items: list[dict], photos: dict[str, bytes]) -> list[int]:
    """Batch then photos, as the phone does; every HTTP status seen."""
    seen = []
    for start in range(0, len(items), 10):
        status, body = phone.post_json(BATCH_URL, {"submissions": items[start:start + 10]})
        seen.append(status)
        assert status == 200, body[:300]
        assert {r["status"] for r in json.loads(body)["results"]} == {"created"}
    for att_uuid, data in photos.items():
        status, body = phone.put_bytes(f"/api/v1/attachments/{att_uuid}", data)
        seen.append(status)
        assert status == 200, body[:300]
    return seen


def outbox(site_uuid: str, count: int) -> tuple[list[dict], dict[str, bytes]]:
    desa = factories.first_desa_code(factories.KOTA_MANNA)
    items, photos = [], {}
    for n in range(count):
        data = jpeg_bytes(48, 36, (n * 13 % 256, 40, 200))
        item = geber_item(site_uuid, photos=[data])
        if n % 4 == 0:
            item["site"] = new_site_ref(desa, name=f"Pasar {n}")
        items.append(item)
        photos[item["attachments"][0]["uuid"]] = data
    return items, photos


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.mark.slow
def test_with_redis_down_submissions_logins_and_uploads_are_accepted(app, start_server, make_user, make_site):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site(factories.KOTA_MANNA)
    # Nothing listens there: every enqueue and every rate-limit count fails to connect.
    server = start_server(workers=2, threads=2, REDIS_URL=closed_port_url())
    # The outbox first: making its photos takes seconds on a busy machine, longer than gunicorn keeps
    # an idle connection open (2 s), and a phone's outbox is full before it connects anyway.
    items, photos = outbox(str(site.uuid), 12)
    phone = Phone(server.port, user.username, factories.PASSWORD)
    seen = sync_everything(phone, items, photos)
    status, _body = phone.request("GET", "/api/v1/bootstrap")
    phone.close()
    assert set(seen) == {200} and status == 200
    with app.app_context():
        # Jobs ran inline: photos processed, site figures current.
        assert set(db.session.scalars(select(Attachment.state))) == {"processed"}
        assert set(db.session.scalars(select(Submission.status))) == {"complete"}
        assert db.session.get(SiteStatus, site.id).geber_score is not None
    assert not server.server_errors(), server.server_errors()


def _real_redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("runs when TEST_REDIS_URL is set")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        missing_service(f"TEST_REDIS_URL is set but Redis is unreachable: {exc}")
    return url


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_jobs_lost_with_redis_are_requeued_and_drained_when_it_returns(app, start_server, make_user, make_site,
                                                                       capsys):
    url = _real_redis_url()
    from redis import Redis

    redis = Redis.from_url(url)
    redis.flushdb()
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site(factories.KOTA_MANNA)
    # Redis is up while the phone syncs, but no worker runs: the jobs wait in the queue …
    server = start_server(workers=2, threads=2, REDIS_URL=url)
    items, photos = outbox(str(site.uuid), 12)
    phone = Phone(server.port, user.username, factories.PASSWORD)
    assert set(sync_everything(phone, items, photos)) == {200}
    phone.close()
    queued = redis.llen("rq:queue:default")
    # … and then Redis goes down and comes back empty (a restart without persistence).
    redis.flushdb()
    redis.close()
    server.stop()
    with app.app_context():
        assert set(db.session.scalars(select(Attachment.state))) == {"received"}
        from webapp.jobs_sweep import stale_site_ids

        stale_before = len(stale_site_ids())

    # The worker's start-up sweep finds what is owed from the database and drains it.
    env = {**server.env, "REDIS_URL": url}
    worker = _flask(env, "worker", "--burst")
    assert worker.returncode == 0, worker.stderr[-3000:]
    with app.app_context():
        db.session.expire_all()
        states = set(db.session.scalars(select(Attachment.state)))
        from webapp.jobs_sweep import stale_site_ids

        stale_after = stale_site_ids()
        orphans, missing = checks.storage_problems(Path(env["STORAGE_ROOT"]))
    again = _flask(env, "requeue-pending")
    with capsys.disabled():
        print(f"\n[redis lost] jobs queued before the loss={queued}; stale sites before the sweep={stale_before}; "
              f"worker said: {worker.stdout.strip().splitlines()[:1]}; second sweep: {again.stdout.strip()}")
    assert queued == 2, "one job for all the photos received, one for the sites' statuses"
    assert stale_before == 4
    assert states == {"processed"} and stale_after == []
    assert orphans == [] and missing == []
    # Nothing is owed any more: a second sweep finds nothing.
    assert again.returncode == 0 and again.stdout.startswith("Disusulkan: 0 foto, 0 lokasi")


def test_requeue_pending_runs_owed_jobs_inline_without_redis(app, login_as, make_site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site(factories.KOTA_MANNA)
    data = jpeg_bytes(64, 64)
    item = geber_item(site.uuid, photos=[data])
    assert monitor.post(BATCH_URL, json={"submissions": [item]}).status_code == 200
    assert monitor.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=data).status_code == 200
    with app.app_context():
        # As if the web process died after storing the photo, before its job ran and before the refresh.
        db.session.execute(db.update(Attachment).values(state="received"))
        db.session.execute(db.delete(SiteStatus))
        db.session.commit()
    original = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = None
    try:
        result = app.test_cli_runner().invoke(args=["requeue-pending"])
    finally:
        app.config["REDIS_URL"] = original
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Disusulkan: 1 foto, 1 lokasi")
    with app.app_context():
        assert db.session.scalar(select(Attachment.state)) == "processed"
        assert db.session.get(SiteStatus, site.id).geber_score == 100.0


def test_requeue_pending_removes_only_stale_temporary_files(app, tmp_path):
    from webapp.jobs_sweep import remove_stale_temp_files

    root = tmp_path / "storage"
    (root / "photos" / "ab").mkdir(parents=True)
    stale = root / "photos" / "ab" / ".tmp-killed"
    fresh = root / "photos" / "ab" / ".tmp-writing"
    kept = root / "photos" / "ab" / "abc.jpg"
    for path in (stale, fresh, kept):
        path.write_bytes(b"x")
    old = os.stat(stale).st_mtime - 7200
    os.utime(stale, (old, old))
    with app.app_context():
        original = app.config["STORAGE_ROOT"]
        app.config["STORAGE_ROOT"] = str(root)
        try:
            removed = remove_stale_temp_files()
        finally:
            app.config["STORAGE_ROOT"] = original
    assert removed == 1 and not stale.exists() and fresh.exists() and kept.exists()
