"""Naming a follow-up's owner by API follows the rules of the HTML page, and the OpenAPI document says so."""
from sqlalchemy import select

from tests import factories
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.notifications.models import Notification


def test_a_user_of_the_unit_names_the_owner_who_is_told(app, login_as, make_user, add_followup):
    fid = add_followup(title="Tambah armada sampah", opd_code="DLH", status="in_progress")
    pptk = make_user("opd", opd_code="DLH")
    head = login_as("opd", opd_code="DLH")
    response = head.put(f"/api/v1/followups/{fid}/owner", json={"owner_id": pptk.id})
    assert response.status_code == 200, response.json
    assert (response.json["owner_id"], response.json["owner_name"]) == (pptk.id, pptk.full_name)
    with app.app_context():
        assert db.session.get(FollowUp, fid).owner_id == pptk.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.assign"))
        assert event.actor_id == head.user.id and event.after["owner_id"] == pptk.id
        (told,) = db.session.scalars(select(Notification)).all()
        assert (told.user_id, told.kind) == (pptk.id, "assigned")


def test_the_owner_must_belong_to_the_unit_and_outsiders_may_not_name_one(app, login_as, make_user, add_followup):
    fid = add_followup(opd_code="DLH", status="open")
    stranger = make_user("opd", opd_code="PUPR")
    bappeda = login_as("bappeda")
    refused = bappeda.put(f"/api/v1/followups/{fid}/owner", json={"owner_id": stranger.id})
    assert refused.status_code == 422 and "owner_id" in str(refused.json)
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert camat.put(f"/api/v1/followups/{fid}/owner", json={"owner_id": stranger.id}).status_code in (403, 404)
    other_opd = login_as("opd", opd_code="PUPR")
    assert other_opd.put(f"/api/v1/followups/{fid}/owner", json={"owner_id": stranger.id}).status_code == 404
    with app.app_context():
        assert db.session.get(FollowUp, fid).owner_id is None


def test_a_finished_followup_keeps_its_owner(app, login_as, make_user, add_followup):
    fid = add_followup(opd_code="DLH", status="done")
    owner = make_user("opd", opd_code="DLH")
    response = login_as("bappeda").put(f"/api/v1/followups/{fid}/owner", json={"owner_id": owner.id})
    assert response.status_code == 409


def test_the_endpoint_is_documented_like_its_neighbours(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/followups/{followup_id}/owner"]["put"]
    assert set(operation["responses"]) >= {"200", "409", "422"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert spec["components"]["schemas"][ref]["required"] == ["owner_id"]
