"""POST /api/v1/submissions/<uuid>/review: scoped, CSRF-protected, one error envelope."""
import uuid

import pytest

from tests import factories
from tests.factories import visit_answers
from tests.helpers import csrf


@pytest.fixture
def checks(app, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    manna, pino = add_site(factories.KOTA_MANNA), add_site(factories.PINO)
    return {
        "monitor": monitor,
        "manna": add_submission(monitor, manna, score=90.0),
        "pino": add_submission(monitor, pino, score=40.0),
        "manna_site": manna,
    }


def url(sub) -> str:
    return f"/api/v1/submissions/{sub.uuid}/review"


def test_bappeda_approves_a_check_through_the_api(login_as, checks):
    client = login_as("bappeda")
    response = client.post(url(checks["manna"]), json={"action": "approve"})
    assert response.status_code == 200
    assert response.json["review_state"] == "approved"
    assert response.json["uuid"] == str(checks["manna"].uuid)
    assert response.json["reviewed_by"] == client.user.full_name


def test_the_reason_for_returning_reaches_the_monitors_field_app(login_as, auth, client, checks):
    bappeda = login_as("bappeda")
    bappeda.post(url(checks["manna"]), json={"action": "return", "note": "Foto tidak menunjukkan drainase"})
    auth.login(checks["monitor"].username)
    mine = {s["uuid"]: s for s in client.get("/api/v1/submissions?mine=1").json["submissions"]}
    returned = mine[str(checks["manna"].uuid)]
    assert returned["review_state"] == "returned"
    assert returned["review_note"] == "Foto tidak menunjukkan drainase"


def test_a_camat_cannot_review_another_kecamatans_check_by_api(login_as, checks):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    response = camat.post(url(checks["pino"]), json={"action": "approve"})
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert camat.post(url(checks["manna"]), json={"action": "approve"}).status_code == 200


def test_a_camat_cannot_review_a_visit_in_their_own_kecamatan(app, login_as, checks, make_kegiatan, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[checks["manna_site"]])
    visit = add_submission(checks["monitor"], checks["manna_site"], form="monev_kunjungan", kegiatan=kegiatan,
                           answers=visit_answers(kegiatan.code, 10, 1))
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    response = camat.post(url(visit), json={"action": "approve"})
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"


@pytest.mark.parametrize("role", ["monitor", "opd"])
def test_monitors_and_opd_users_cannot_review_by_api(login_as, checks, role):
    kwargs = {"kecamatan_code": factories.KOTA_MANNA} if role == "monitor" else {}
    response = login_as(role, **kwargs).post(url(checks["manna"]), json={"action": "approve"})
    assert response.status_code in (403, 404)


def test_a_second_decision_is_a_conflict(login_as, checks):
    client = login_as("bappeda")
    assert client.post(url(checks["manna"]), json={"action": "approve"}).status_code == 200
    response = client.post(url(checks["manna"]), json={"action": "reject", "note": "salah"})
    assert response.status_code == 409
    assert response.json["code"] == "illegal_transition"


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "return"}, "note"),
    ({"action": "reject", "note": " "}, "note"),
    ({"action": "publish"}, "action"),
    ({}, "action"),
    ({"action": "approve", "note": "x" * 2001}, "note"),
])
def test_bad_review_requests_get_field_errors(login_as, checks, body, field):
    response = login_as("bappeda").post(url(checks["manna"]), json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_an_unknown_submission_is_not_found(login_as):
    response = login_as("bappeda").post(f"/api/v1/submissions/{uuid.uuid4()}/review", json={"action": "approve"})
    assert response.status_code == 404


def test_the_review_api_needs_the_csrf_token(login_as, checks):
    client = login_as("bappeda")
    response = client.client.post(url(checks["manna"]), json={"action": "approve"})
    assert response.status_code == 400
    assert response.json["code"] == "csrf"


def test_the_review_api_answers_401_without_a_session(client, auth, checks):
    token = csrf(client.get("/masuk").text)
    response = client.post(url(checks["manna"]), json={"action": "approve"}, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"
