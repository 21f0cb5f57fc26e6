"""Photos processed by one job for many uploads: every received photo gets its copies, also one
uploaded while the job runs, and a photo that fails does not hold back the others."""
import pytest
from sqlalchemy import select, update

from tests import factories
from tests.factories import geber_item, jpeg_bytes
from webapp.extensions import db
from webapp.submissions import photos as photos_module
from webapp.submissions.models import Attachment
from webapp.submissions.photos import PHOTOS_QUEUED_KEY, process_received_photos

BATCH = "/api/v1/submissions/batch"


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


@pytest.fixture
def send(monitor, make_site):
    """send(n) → the uuids of n photos, each of its own check, declared and uploaded."""
    site = make_site(factories.KOTA_MANNA)

    def _send(count: int) -> list[str]:
        uuids = []
        for n in range(count):
            photo = jpeg_bytes(64 + n, 48, (n * 40 % 256, 90, 30))
            item = geber_item(site.uuid, photos=[photo])
            assert monitor.post(BATCH, json={"submissions": [item]}).json["results"][0]["status"] == "created"
            att = item["attachments"][0]["uuid"]
            response = monitor.put(f"/api/v1/attachments/{att}", data=photo, headers={"Content-Type": "image/jpeg"})
            assert response.status_code == 200, response.text[:300]
            uuids.append(att)
        return uuids

    return _send


@pytest.fixture
def redis(redis_url, run_jobs):
    if not redis_url:
        pytest.skip("the merged photo job runs on Redis (TEST_REDIS_URL)")
    from redis import Redis

    run_jobs()  # nothing of earlier tests left in the queue
    connection = Redis.from_url(redis_url)
    connection.delete(PHOTOS_QUEUED_KEY)
    return connection


def photo_jobs(redis) -> int:
    from rq import Queue

    return sum(1 for job in Queue("default", connection=redis).jobs if job.func_name.endswith("photos"))


def states(app) -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(select(Attachment.state).order_by(Attachment.id)))
        db.session.remove()
    return found


def test_many_uploads_queue_one_job_that_processes_every_photo(app, redis, run_jobs, send):
    send(4)
    assert photo_jobs(redis) == 1, "four uploads, one job"
    assert states(app) == ["received"] * 4

    run_jobs()
    assert states(app) == ["processed"] * 4
    assert not redis.exists(PHOTOS_QUEUED_KEY)
    send(1)
    assert photo_jobs(redis) == 1, "an upload after the job ran queues the next one"
    run_jobs()
    assert states(app) == ["processed"] * 5


def test_a_photo_uploaded_while_the_job_runs_gets_a_job_of_its_own(app, redis, run_jobs, send, monkeypatch):
    send(1)
    real, raced = photos_module.render_copies, []

    def render_while_a_photo_arrives(path):
        if not raced:  # the job has cleared its marker and taken the first photo: another arrives now
            raced.extend(send(1))
        return real(path)

    monkeypatch.setattr(photos_module, "render_copies", render_while_a_photo_arrives)
    with app.app_context():
        process_received_photos()  # the queued job, run here so the upload lands inside it
        db.session.remove()
    monkeypatch.setattr(photos_module, "render_copies", real)
    assert photo_jobs(redis) == 2, "the job queued before, and one for the photo that landed while it ran"
    run_jobs()
    assert states(app) == ["processed", "processed"]


def test_a_photo_that_fails_unexpectedly_is_left_for_the_sweep_and_the_others_are_processed(app, send, monkeypatch):
    send(3)
    with app.app_context():
        ids = list(db.session.scalars(select(Attachment.id).order_by(Attachment.id)))
        db.session.execute(update(Attachment).values(state="received"))  # as if no job had run yet
        db.session.commit()
        broken = db.session.get(Attachment, ids[1]).storage_key
        real = photos_module.render_copies

        def render(path):
            if str(path).endswith(broken):
                raise RuntimeError("the worker ran out of something")
            return real(path)

        monkeypatch.setattr(photos_module, "render_copies", render)
        process_received_photos.run_inline()
        db.session.remove()
    assert states(app) == ["processed", "received", "processed"]
