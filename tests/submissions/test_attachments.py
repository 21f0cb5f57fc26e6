"""PUT /api/v1/attachments/<uuid>: checked, idempotent, processed by a job."""
import io
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from tests import factories
from tests.factories import declare, geber_item, image_bytes, jpeg_bytes
from webapp.extensions import db
from webapp.submissions.models import Attachment, Submission

BATCH = "/api/v1/submissions/batch"


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


@pytest.fixture
def sent(monitor, make_site):
    """A created submission with two declared photos not yet uploaded."""
    site = make_site(factories.KOTA_MANNA)
    photos = [jpeg_bytes(2400, 1200), jpeg_bytes(50, 80, (200, 10, 10))]
    item = geber_item(site.uuid, photos=photos)
    assert monitor.post(BATCH, json={"submissions": [item]}).json["results"][0]["status"] == "created"
    return item, photos


def put(monitor, att_uuid, data, content_type="image/jpeg"):
    return monitor.put(f"/api/v1/attachments/{att_uuid}", data=data, headers={"Content-Type": content_type})


def state(app, item):
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.uuid == __import__("uuid").UUID(item["uuid"])))
        return sub.status, sorted((a.state for a in sub.attachments))


def test_upload_completes_the_submission_when_the_last_photo_arrives(app, monitor, sent, run_jobs):
    item, photos = sent
    first = put(monitor, item["attachments"][0]["uuid"], photos[0])
    assert first.status_code == 200 and first.json["submission_status"] == "incomplete"
    assert state(app, item)[0] == "incomplete"
    second = put(monitor, item["attachments"][1]["uuid"], photos[1])
    assert second.json["submission_status"] == "complete"
    run_jobs()
    assert state(app, item) == ("complete", ["processed", "processed"])
    listed = monitor.get("/api/v1/submissions?mine=1").json["submissions"][0]
    assert listed["status"] == "complete" and listed["missing_attachments"] == []


def test_the_upload_answer_is_what_the_database_holds_after_it(app, monitor, sent, redis_url):
    """With a worker the answer is known without reading it back; it must still be the truth:
    received and incomplete, then received and complete; processed at once when jobs run inline."""
    import uuid

    from webapp.submissions.photos import upload_state

    item, photos = sent
    answers = []
    for att, photo in [*zip(item["attachments"], photos), (item["attachments"][0], photos[0])]:
        answer = put(monitor, att["uuid"], photo).json
        with app.app_context():
            assert answer == upload_state(uuid.UUID(att["uuid"]))
        answers.append((answer["state"], answer["submission_status"]))
    done = "received" if redis_url else "processed"
    assert answers == [(done, "incomplete"), (done, "complete"), (done, "complete")]


def test_photo_job_makes_display_and_thumbnail_without_metadata(app, monitor, sent, run_jobs):
    from webapp import storage
    from webapp.submissions.photos import display_key, thumb_key

    item, photos = sent
    put(monitor, item["attachments"][0]["uuid"], photos[0])
    run_jobs()
    with app.app_context():
        att = db.session.scalar(select(Attachment).where(Attachment.state == "processed"))
        with Image.open(storage.path_for(display_key(att))) as display:
            assert max(display.size) == 1600 and not display.info.get("exif")
        with Image.open(storage.path_for(thumb_key(att))) as thumb:
            assert max(thumb.size) == 320
        assert (att.width, att.height) == (2400, 1200)


def test_exif_orientation_is_applied(app, monitor, make_site, run_jobs):
    from webapp import storage
    from webapp.submissions.photos import display_key

    out = io.BytesIO()
    image = Image.new("RGB", (60, 30), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    site = make_site()
    item = geber_item(site.uuid, photos=[data])
    monitor.post(BATCH, json={"submissions": [item]})
    assert put(monitor, item["attachments"][0]["uuid"], data).status_code == 200
    run_jobs()
    with app.app_context():
        att = db.session.scalar(select(Attachment))
        with Image.open(storage.path_for(display_key(att))) as display:
            assert display.size == (30, 60)


def test_uploading_the_same_bytes_again_is_idempotent(app, monitor, sent, run_jobs):
    item, photos = sent
    att = item["attachments"][0]["uuid"]
    assert put(monitor, att, photos[0]).status_code == 200
    run_jobs()
    again = put(monitor, att, photos[0])
    assert again.status_code == 200 and again.json["state"] == "processed"


def test_a_body_of_another_size_is_refused(app, monitor, sent):
    item, photos = sent
    response = put(monitor, item["attachments"][0]["uuid"], photos[0] + b"extra")
    assert response.status_code == 422 and response.json["code"] == "size_mismatch"
    assert state(app, item) == ("incomplete", ["pending", "pending"])


def test_same_size_other_bytes_fail_the_checksum(app, monitor, sent):
    item, photos = sent
    tampered = bytearray(photos[1])
    tampered[-10] ^= 0xFF
    response = put(monitor, item["attachments"][1]["uuid"], bytes(tampered))
    assert response.status_code == 422 and response.json["code"] == "sha256_mismatch"


@pytest.mark.parametrize(
    ("label", "data", "code"),
    [
        ("truncated jpeg", jpeg_bytes(400, 400)[:-200], "not_an_image"),
        ("html", b"<html><script>alert(1)</script></html>", "not_an_image"),
        ("gif", None, "not_an_image"),
        ("png declared as jpeg", None, "content_type_mismatch"),
    ],
)
def test_non_images_and_mismatched_types_are_refused(app, monitor, make_site, label, data, code):
    if label == "gif":
        data = image_bytes("GIF", size=(10, 10), color=(0, 0, 0))
    if label == "png declared as jpeg":
        data = image_bytes("PNG", size=(10, 10), color=(0, 0, 0))
    site = make_site()
    item = geber_item(site.uuid, photos=[])
    decl = declare(data)
    item["attachments"] = [decl]
    item["answers"]["foto"] = [decl["uuid"]]
    assert monitor.post(BATCH, json={"submissions": [item]}).json["results"][0]["status"] == "created"
    response = put(monitor, decl["uuid"], data)
    assert response.status_code == 422, label
    assert response.json["code"] == code
    assert state(app, item) == ("incomplete", ["pending"])


def _png_bomb(side: int) -> bytes:
    """A valid PNG that claims side×side pixels but compresses to a few KB."""
    import struct

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * side
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused(app, monitor, make_site):
    data = _png_bomb(20_000)
    site = make_site()
    item = geber_item(site.uuid, photos=[])
    decl = declare(data, content_type="image/png")
    item["attachments"] = [decl]
    item["answers"]["foto"] = [decl["uuid"]]
    monitor.post(BATCH, json={"submissions": [item]})
    response = put(monitor, decl["uuid"], data, "image/png")
    assert response.status_code == 422 and response.json["code"] == "image_too_large"


def test_a_photo_over_the_limit_is_413(app, monitor, make_site):
    app.config["MAX_PHOTO_BYTES"] = 1000
    try:
        data = jpeg_bytes(300, 300)
        site = make_site()
        item = geber_item(site.uuid, photos=[data])
        monitor.post(BATCH, json={"submissions": [item]})
        response = put(monitor, item["attachments"][0]["uuid"], data)
        assert response.status_code == 413 and response.json["code"] == "too_large"
    finally:
        app.config["MAX_PHOTO_BYTES"] = 8 * 1024 * 1024


def test_a_body_over_the_request_limit_is_413(monitor, sent):
    item, _ = sent
    response = put(monitor, item["attachments"][0]["uuid"], b"\xff" * (13 * 1024 * 1024))
    assert response.status_code == 413


def test_another_users_attachment_is_not_found(login_as, sent):
    item, photos = sent
    other = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    response = put(other, item["attachments"][0]["uuid"], photos[0])
    assert response.status_code == 404


@pytest.mark.parametrize("bad", ["nope", "../../etc/passwd", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_attachment_ids_are_404(monitor, bad):
    response = put(monitor, bad, jpeg_bytes())
    assert response.status_code == 404 and response.json["message"]


def test_uploads_require_csrf(monitor, sent):
    item, photos = sent
    response = monitor.client.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=photos[0])
    assert response.status_code == 400


def test_a_large_jpeg_is_processed_at_reduced_scale_and_keeps_its_original_size(app, monitor, make_site, run_jobs):
    from webapp import storage
    from webapp.submissions.photos import display_key

    data = jpeg_bytes(5000, 4000)
    site = make_site()
    item = geber_item(site.uuid, photos=[data])
    monitor.post(BATCH, json={"submissions": [item]})
    assert put(monitor, item["attachments"][0]["uuid"], data).status_code == 200
    run_jobs()
    with app.app_context():
        att = db.session.scalar(select(Attachment))
        assert att.state == "processed" and (att.width, att.height) == (5000, 4000)
        with Image.open(storage.path_for(display_key(att))) as display:
            assert display.size == (1600, 1280)


def test_a_submissions_only_photo_completes_it_in_the_uploads_one_commit(app, monitor, make_site, sent,
                                                                         monkeypatch):
    from sqlalchemy import event

    from webapp.submissions import intake

    site = make_site(factories.KOTA_MANNA)
    photo = jpeg_bytes(60, 40)
    single = geber_item(site.uuid, photos=[photo])
    assert monitor.post(BATCH, json={"submissions": [single]}).json["results"][0]["status"] == "created"
    item, photos = sent
    monkeypatch.setattr(intake, "process_later", lambda _id: None)  # the photo job's own commits are not counted
    commits = []

    def count(_session):
        commits.append(1)

    event.listen(db.session, "after_commit", count)
    try:
        assert put(monitor, single["attachments"][0]["uuid"], photo).json["submission_status"] == "complete"
        assert len(commits) == 1
        commits.clear()
        assert put(monitor, item["attachments"][0]["uuid"], photos[0]).json["submission_status"] == "incomplete"
        assert len(commits) == 2, "a photo with another still pending checks again after its commit"
        commits.clear()
        assert put(monitor, item["attachments"][1]["uuid"], photos[1]).json["submission_status"] == "complete"
        assert len(commits) == 1
    finally:
        event.remove(db.session, "after_commit", count)
