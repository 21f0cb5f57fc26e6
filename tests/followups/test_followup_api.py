"""The follow-up API: scoped reads and writes, the state machine over HTTP, the evidence upload."""
import io

import pytest

from tests import factories
from tests.factories import image_bytes


@pytest.fixture
def followups(app, add_site, add_followup):
    manna, pino = add_site(factories.KOTA_MANNA), add_site(factories.PINO)
    return {
        "manna": add_followup(title="Bersihkan drainase Manna", kecamatan_code=factories.KOTA_MANNA, site=manna),
        "pino": add_followup(title="Bersihkan drainase Pino", kecamatan_code=factories.PINO, site=pino),
        "dlh": add_followup(title="Tambah armada sampah", opd_code="DLH"),
    }


def test_a_camat_lists_their_kecamatans_followups_only(login_as, followups):
    body = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/api/v1/followups").json
    assert [f["id"] for f in body["followups"]] == [followups["manna"]]


def test_a_camat_cannot_open_or_move_another_kecamatans_followup_by_api(login_as, followups):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert camat.get(f"/api/v1/followups/{followups['pino']}").status_code == 404
    response = camat.post(f"/api/v1/followups/{followups['pino']}/transition", json={"action": "start"})
    assert response.status_code == 404
    assert camat.get(f"/api/v1/followups/{followups['manna']}").status_code == 200


def test_an_opd_sees_what_is_assigned_to_it(login_as, followups):
    body = login_as("opd", opd_code="DLH").get("/api/v1/followups").json
    assert {f["id"] for f in body["followups"]} == {followups["dlh"]}
    assert body["followups"][0]["assignee_name"] == "Dinas Lingkungan Hidup"


def test_the_assignee_starts_and_completes_with_evidence(login_as, followups):
    client = login_as("opd", opd_code="DLH")
    started = client.post(f"/api/v1/followups/{followups['dlh']}/transition", json={"action": "start"})
    assert started.status_code == 200 and started.json["status"] == "in_progress"
    done = client.post(f"/api/v1/followups/{followups['dlh']}/complete",
                       data={"note": "Dua truk baru beroperasi", "photo": (io.BytesIO(image_bytes("JPEG")), "bukti.jpg")},
                       content_type="multipart/form-data")
    assert done.status_code == 200, done.json
    assert done.json["status"] == "done" and done.json["has_evidence"] is True
    assert done.json["resolution"] == "Dua truk baru beroperasi"


def test_completing_without_a_photo_is_refused(login_as, followups):
    client = login_as("opd", opd_code="DLH")
    client.post(f"/api/v1/followups/{followups['dlh']}/transition", json={"action": "start"})
    response = client.post(f"/api/v1/followups/{followups['dlh']}/complete", data={"note": "Beres"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "photo" in response.json["errors"]


def test_completing_an_open_followup_is_a_conflict(login_as, followups):
    client = login_as("opd", opd_code="DLH")
    response = client.post(f"/api/v1/followups/{followups['dlh']}/complete",
                           data={"note": "Beres", "photo": (io.BytesIO(image_bytes()), "b.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 409


def test_the_assignee_cannot_cancel_by_api(login_as, followups):
    response = login_as("opd", opd_code="DLH").post(f"/api/v1/followups/{followups['dlh']}/transition",
                                                    json={"action": "cancel", "note": "tidak sempat"})
    assert response.status_code == 403


def test_the_overdue_filter_and_flag(app, login_as, add_followup):
    from datetime import timedelta

    from webapp.followups.services import today_wib

    with app.app_context():
        today = today_wib()
    late = add_followup(opd_code="DLH", due=today - timedelta(days=3))
    add_followup(opd_code="DLH", due=today + timedelta(days=3))
    body = login_as("bappeda").get("/api/v1/followups?overdue=1").json
    assert [(f["id"], f["overdue"]) for f in body["followups"]] == [(late, True)]


def test_bappeda_creates_a_followup_from_a_submission(app, login_as, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(monitor, add_site(), score=30.0)
    with app.app_context():
        dlh = factories.opd("DLH").id
    response = login_as("bappeda").post("/api/v1/followups", json={
        "title": "Perbaiki tempat sampah", "assignee_opd_id": dlh, "due_date": "2027-02-01",
        "source_submission_uuid": str(sub.uuid)})
    assert response.status_code == 201
    assert response.json["source_submission_uuid"] == str(sub.uuid)
    assert response.json["status"] == "open"


def test_a_camat_cannot_create_a_followup_from_another_kecamatans_check(app, login_as, make_user, add_site,
        add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.PINO)
    sub = add_submission(monitor, add_site(factories.PINO), score=30.0)
    with app.app_context():
        pino = factories.kecamatan(factories.PINO).id
    response = login_as("camat", kecamatan_code=factories.KOTA_MANNA).post("/api/v1/followups", json={
        "title": "x", "assignee_kecamatan_id": pino, "due_date": "2027-02-01", "source_submission_uuid": str(sub.uuid)})
    assert response.status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"assignee_opd_id": 1, "due_date": "2027-02-01"}, "title"),
    ({"title": "x", "assignee_opd_id": 1}, "due_date"),
    ({"title": "x", "due_date": "2027-02-01"}, "assignee"),
    ({"title": "x", "due_date": "bukan tanggal", "assignee_opd_id": 1}, "due_date"),
])
def test_bad_followups_get_field_errors(login_as, body, field):
    response = login_as("bappeda").post("/api/v1/followups", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
