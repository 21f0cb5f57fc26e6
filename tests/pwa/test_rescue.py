"""Rescue: an outbox exported from a phone is imported through the sync API's own rules."""
import base64
import json
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.submissions.models import Attachment, Submission


def export_document(user, items_with_photos, username=None) -> dict:
    """What rescue.js writes: every item with its photos in base64."""
    items = []
    for item, photos in items_with_photos:
        items.append({
            "submission": item, "state": "pending", "errors": None, "message": None,
            "created_at": datetime.now(timezone.utc).isoformat(), "user_id": user.id,
            "username": username or user.username,
            "photos": [{**declared, "data": base64.b64encode(data).decode() if data is not None else None}
                       for declared, data in zip(item["attachments"], photos)],
        })
    return {"format": "pantau-outbox", "version": 1, "exported_at": datetime.now(timezone.utc).isoformat(),
            "user": {"id": user.id, "username": username or user.username}, "items": items}


def write(tmp_path, document) -> str:
    path = tmp_path / "pantau-antrean.json"
    path.write_text(json.dumps(document))
    return str(path)


def counts(app):
    with app.app_context():
        submissions = db.session.scalar(select(func.count()).select_from(Submission))
        states = sorted(db.session.scalars(select(Attachment.state)))
        db.session.remove()
    return submissions, states


@pytest.fixture
def monitor_and_site(make_user, make_site):
    return make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA), make_site()


def test_an_export_imports_its_submissions_and_photos_once_however_often_it_is_run(
        app, runner, tmp_path, monitor_and_site, run_jobs):
    user, site = monitor_and_site
    photos = [factories.jpeg_bytes(), factories.jpeg_bytes(color=(200, 40, 40))]
    check = factories.geber_item(site.uuid, photos=photos)
    path = write(tmp_path, export_document(user, [(check, photos)]))

    first = runner.invoke(args=["import-outbox", path, "--user", user.username])
    assert first.exit_code == 0, first.output
    assert "Kiriman baru: 1; sudah ada: 0; ditolak: 0." in first.output
    assert "Foto tersimpan: 2; gagal: 0" in first.output
    run_jobs()
    assert counts(app) == (1, ["processed", "processed"])

    again = runner.invoke(args=["import-outbox", path, "--user", user.username])
    assert again.exit_code == 0, again.output
    assert "Kiriman baru: 0; sudah ada: 1; ditolak: 0." in again.output
    assert counts(app) == (1, ["processed", "processed"])
    with app.app_context():
        stored = db.session.scalar(select(Submission))
        assert stored.status == "complete" and stored.user_id == user.id
        db.session.remove()


def test_a_rejected_item_and_a_broken_photo_are_reported_and_the_rest_still_imports(
        app, runner, tmp_path, monitor_and_site, run_jobs):
    user, site = monitor_and_site
    good_photo = factories.jpeg_bytes()
    good = factories.geber_item(site.uuid, photos=[good_photo])
    outside = factories.geber_item(site.uuid, photos=[factories.jpeg_bytes()],
                                  location={"lat": -6.2, "lon": 106.8, "accuracy_m": 5.0})
    corrupt_photo = factories.jpeg_bytes(color=(1, 2, 3))
    corrupt = factories.geber_item(site.uuid, photos=[corrupt_photo])
    document = export_document(user, [(good, [good_photo]), (outside, [None]), (corrupt, [corrupt_photo])])
    document["items"][2]["photos"][0]["data"] = base64.b64encode(b"not the declared bytes").decode()
    result = runner.invoke(args=["import-outbox", write(tmp_path, document), "--user", user.username])

    assert result.exit_code == 1
    assert "Kiriman baru: 2; sudah ada: 0; ditolak: 1." in result.output
    assert f"ditolak {outside['uuid']}: location: Koordinat di luar wilayah kabupaten." in result.output
    assert "Foto tersimpan: 1; gagal: 1" in result.output
    assert "Ukuran berkas" in result.output
    run_jobs()
    assert counts(app) == (2, ["pending", "processed"])


def test_an_export_from_another_user_needs_force(app, runner, tmp_path, monitor_and_site, make_user):
    user, site = monitor_and_site
    other = make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA)
    photo = factories.jpeg_bytes()
    path = write(tmp_path, export_document(user, [(factories.geber_item(site.uuid, photos=[photo]), [photo])]))

    refused = runner.invoke(args=["import-outbox", path, "--user", other.username])
    assert refused.exit_code != 0
    assert f"diekspor oleh '{user.username}'" in refused.output
    assert counts(app) == (0, [])
    forced = runner.invoke(args=["import-outbox", path, "--user", other.username, "--force"])
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize("content, message", [
    ("{not json", "bukan JSON"),
    (json.dumps({"format": "something-else"}), "bukan ekspor antrean Pantau"),
    (json.dumps({"format": "pantau-outbox", "version": 9, "items": []}), "Versi ekspor 9"),
    (json.dumps({"format": "pantau-outbox", "version": 1, "items": [{"no": "submission"}]}), "rusak"),
])
def test_a_file_that_is_not_an_outbox_export_is_refused_with_a_reason(
        app, runner, tmp_path, monitor_and_site, content, message):
    user, _ = monitor_and_site
    path = tmp_path / "x.json"
    path.write_text(content)
    result = runner.invoke(args=["import-outbox", str(path), "--user", user.username])
    assert result.exit_code != 0
    assert message in result.output


def test_an_unknown_user_is_refused(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    result = runner.invoke(args=["import-outbox", str(path), "--user", f"nobody-{uuid.uuid4().hex[:6]}"])
    assert result.exit_code != 0
    assert "tidak ada" in result.output
