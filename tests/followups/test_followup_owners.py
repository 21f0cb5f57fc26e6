"""Follow-ups someone answers for: an owner of the assignee unit, done → verified or reopened,
the completion day and lateness kept, a kegiatan link, and every change audited."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import image_bytes
from tests.helpers import csrf
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.domain_errors import DomainError
from webapp.errors import status_of
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.notifications.models import Notification


def _user(user) -> User:
    return db.session.get(User, user.id)


def _create(bappeda, **data) -> FollowUp:
    base = {"title": "Perbaiki drainase pasar", "assignee_opd_id": factories.opd("DLH").id,
            "due_date": date(2026, 7, 20)}
    return services.create_followup(_user(bappeda), {**base, **data})


@pytest.mark.parametrize("who", ["other_opd", "camat", "inactive", "bappeda", "unknown"])
def test_the_owner_must_be_an_active_user_of_the_assigned_unit(app, make_user, who):
    bappeda = make_user("bappeda")
    people = {
        "other_opd": lambda: make_user("opd", opd_code="PUPR").id,
        "camat": lambda: make_user("camat", kecamatan_code=factories.KOTA_MANNA).id,
        "inactive": lambda: make_user("opd", opd_code="DLH", active=False).id,
        "bappeda": lambda: bappeda.id,
        "unknown": lambda: 999_999,
    }
    owner_id = people[who]()
    with app.app_context():
        with pytest.raises(DomainError) as error:
            _create(bappeda, owner_id=owner_id)
        assert status_of(error.value) == 422 and "owner_id" in error.value.errors
        db.session.rollback()
        assert db.session.scalar(select(FollowUp.id)) is None


def test_a_kecamatan_followup_is_owned_by_its_camat(app, make_user):
    bappeda = make_user("bappeda")
    camat = make_user("camat", kecamatan_code=factories.PINO)
    other_camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        pino = factories.kecamatan(factories.PINO).id
        with pytest.raises(DomainError):
            _create(bappeda, assignee_opd_id=None, assignee_kecamatan_id=pino, owner_id=other_camat.id)
        db.session.rollback()
        followup = _create(bappeda, assignee_opd_id=None, assignee_kecamatan_id=pino, owner_id=camat.id)
        db.session.commit()
        assert followup.owner_id == camat.id


def test_the_owner_is_named_audited_and_told(app, make_user):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    with app.app_context():
        followup = _create(bappeda, owner_id=owner.id)
        db.session.commit()
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.create"))
        assert created.after["owner_id"] == owner.id
        (note,) = db.session.scalars(select(Notification)).all()
        assert (note.user_id, note.kind, note.url) == (owner.id, "assigned", f"/tindak-lanjut/{followup.id}")


def test_a_user_of_the_unit_names_the_owner_later_and_an_outsider_cannot(app, make_user):
    bappeda = make_user("bappeda")
    head = make_user("opd", opd_code="DLH")
    pptk = make_user("opd", opd_code="DLH")
    outsider = make_user("opd", opd_code="PUPR")
    with app.app_context():
        followup = _create(bappeda)
        db.session.commit()
        with pytest.raises(DomainError) as error:
            services.assign_owner(_user(outsider), followup, pptk.id)
        assert status_of(error.value) == 403
        services.assign_owner(_user(head), followup, pptk.id)
        db.session.commit()
        assert followup.owner_id == pptk.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "followup.assign"))
        assert (event.actor_id, event.before["owner_id"], event.after["owner_id"]) == (head.id, None, pptk.id)


def _at(monkeypatch, when: datetime):
    monkeypatch.setattr(services, "utcnow", lambda: when)


def _run(app, actor, fid, action, **kwargs):
    with app.app_context():
        followup = services.transition(_user(actor), db.session.get(FollowUp, fid), action, **kwargs)
        db.session.commit()
        return followup.status


def _complete(app, actor, fid):
    return _run(app, actor, fid, "complete", note="Drainase sudah dikeruk", photo=image_bytes())


def test_done_after_the_due_date_stays_late_once_verified(app, make_user, add_followup, monkeypatch):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress", due=date(2026, 7, 20))
    # 22 July, 08:00 WIB: two days after the due date.
    _at(monkeypatch, datetime(2026, 7, 22, 1, 0, tzinfo=timezone.utc))
    assert _complete(app, owner, fid) == "done"
    assert _run(app, bappeda, fid, "verify") == "verified"
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        assert services.completed_on(followup) == date(2026, 7, 22)
        assert followup.completed_late is True
        assert services.is_late(followup, today=date(2026, 7, 22)) is True
        # Long after, still late: lateness is the completion's, not today's.
        assert services.is_late(followup, today=date(2027, 1, 1)) is True
        assert followup.verified_by_id == bappeda.id and followup.verified_at is not None
        late_ids = db.session.scalars(select(FollowUp.id).where(services.late_clause(date(2027, 1, 1)))).all()
        assert late_ids == [fid]


def test_done_on_the_due_date_in_wib_is_not_late(app, make_user, add_followup, monkeypatch):
    owner = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress", due=date(2026, 7, 20))
    # 20 July 23:30 WIB is still the due date, though UTC is at 16:30 the same day.
    _at(monkeypatch, datetime(2026, 7, 20, 16, 30, tzinfo=timezone.utc))
    _complete(app, owner, fid)
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        assert services.completed_on(followup) == date(2026, 7, 20)
        assert followup.completed_late is False
        assert services.is_late(followup, today=date(2026, 8, 1)) is False


def test_bappeda_reopens_with_a_reason_and_the_owner_completes_again(app, make_user, add_followup, monkeypatch):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress", due=date(2026, 7, 20))
    with app.app_context():
        db.session.get(FollowUp, fid).owner_id = owner.id
        db.session.commit()
    _at(monkeypatch, datetime(2026, 7, 19, 3, 0, tzinfo=timezone.utc))
    _complete(app, owner, fid)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(bappeda), db.session.get(FollowUp, fid), "reopen", note="  ")
        assert status_of(error.value) == 422
        db.session.rollback()
    assert _run(app, bappeda, fid, "reopen", note="Foto bukti bukan drainase pasar") == "reopened"
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        assert followup.reopen_reason == "Foto bukti bukan drainase pasar"
        assert followup.completed_at is None
        told = db.session.scalar(select(Notification).where(Notification.kind == "reopened"))
        assert told.user_id == owner.id and "Foto bukti bukan drainase pasar" in told.body
    _at(monkeypatch, datetime(2026, 7, 25, 3, 0, tzinfo=timezone.utc))
    assert _complete(app, owner, fid) == "done"
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        assert services.completed_on(followup) == date(2026, 7, 25) and followup.completed_late is True


@pytest.mark.parametrize("action", ["verify", "reopen"])
def test_only_the_regency_judges_the_work(app, make_user, add_followup, action):
    owner = make_user("opd", opd_code="DLH")
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    fid = add_followup(opd_code="DLH", status="done")
    kec = add_followup(kecamatan_code=factories.KOTA_MANNA, status="done")
    for actor, target in ((owner, fid), (camat, kec)):
        with app.app_context():
            with pytest.raises(DomainError) as error:
                services.transition(_user(actor), db.session.get(FollowUp, target), action, note="Tidak")
            assert status_of(error.value) == 403
            db.session.rollback()
            assert action not in services.allowed_actions(_user(actor), db.session.get(FollowUp, target))


def test_every_change_is_audited_in_order(app, make_user, monkeypatch):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    second = make_user("opd", opd_code="DLH")
    with app.app_context():
        fid = _create(bappeda, owner_id=owner.id).id
        db.session.commit()
        services.assign_owner(_user(bappeda), db.session.get(FollowUp, fid), second.id)
        db.session.commit()
    _run(app, second, fid, "start")
    _complete(app, second, fid)
    _run(app, bappeda, fid, "reopen", note="Belum tuntas")
    _complete(app, second, fid)
    _run(app, bappeda, fid, "verify")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "followup")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, (e.after or {}).get("action")) for e in events] == [
            ("followup.create", None), ("followup.assign", None), ("followup.transition", "start"),
            ("followup.transition", "complete"), ("followup.transition", "reopen"),
            ("followup.transition", "complete"), ("followup.transition", "verify"),
        ]
        assert [e.after["status"] for e in events] == ["open", "open", "in_progress", "done", "reopened", "done",
                                                      "verified"]
        assert events[4].after["note"] == "Belum tuntas"


def test_a_followup_links_to_a_kegiatan_of_its_opd_only(app, make_user, make_kegiatan):
    bappeda = make_user("bappeda")
    dlh = make_kegiatan(opd_code="DLH")
    pupr = make_kegiatan(opd_code="PUPR")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            _create(bappeda, kegiatan_id=pupr.id)
        assert "kegiatan_id" in error.value.errors
        db.session.rollback()
        assert _create(bappeda, kegiatan_id=dlh.id).kegiatan_id == dlh.id
        assert _create(bappeda, kegiatan_code=dlh.code).kegiatan_id == dlh.id
        with pytest.raises(DomainError) as error:
            _create(bappeda, kegiatan_code=pupr.code)
        assert "kegiatan_code" in error.value.errors


def test_the_pages_name_the_owner_and_bappeda_verifies_from_the_detail_page(app, login_as, make_user, add_followup):
    owner = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="done", due=date.today() + timedelta(days=3))
    with app.app_context():
        db.session.get(FollowUp, fid).owner_id = owner.id
        db.session.commit()
    bappeda = login_as("bappeda")
    page = bappeda.get(f"/tindak-lanjut/{fid}")
    assert owner.full_name in page.text and "Verifikasi" in page.text and "Buka kembali" in page.text
    response = bappeda.client.post(f"/tindak-lanjut/{fid}/tindakan", data={"csrf_token": csrf(page.text),
                                                                          "action": "verify"})
    assert response.status_code == 302
    page = bappeda.get(f"/tindak-lanjut/{fid}")
    assert 'id="verified"' in page.text and "Terverifikasi" in page.text
    opd = login_as("opd", opd_code="DLH")
    assert "Verifikasi</button>" not in opd.get(f"/tindak-lanjut/{fid}").text


def test_the_owner_form_refuses_someone_outside_the_unit(app, login_as, make_user, add_followup):
    outsider = make_user("opd", opd_code="PUPR")
    fid = add_followup(opd_code="DLH")
    bappeda = login_as("bappeda")
    page = bappeda.get(f"/tindak-lanjut/{fid}")
    response = bappeda.client.post(f"/tindak-lanjut/{fid}/penanggung-jawab",
                                   data={"csrf_token": csrf(page.text), "owner": str(outsider.id)})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(FollowUp, fid).owner_id is None


def test_the_list_shows_my_own_followups_and_those_done_late(app, login_as, add_followup, monkeypatch):
    client = login_as("opd", opd_code="DLH")
    mine = add_followup(opd_code="DLH", title="Punya saya", due=date(2026, 7, 20), status="in_progress")
    add_followup(opd_code="DLH", title="Punya rekan", due=date(2030, 1, 1))
    with app.app_context():
        db.session.get(FollowUp, mine).owner_id = client.user.id
        db.session.commit()
    assert "Punya saya" in client.get("/tindak-lanjut?status=saya").text
    assert "Punya rekan" not in client.get("/tindak-lanjut?status=saya").text
    _at(monkeypatch, datetime(2026, 7, 22, 1, 0, tzinfo=timezone.utc))
    _complete(app, client.user, mine)
    late = client.get("/tindak-lanjut?status=lewat").text
    assert "Punya saya" in late and "Punya rekan" not in late


def test_the_people_who_did_the_work_hear_of_the_verification_once(app, make_user, add_followup):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    bystander = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress", due=date(2026, 7, 20))
    with app.app_context():
        db.session.get(FollowUp, fid).owner_id = owner.id
        db.session.commit()
    _complete(app, owner, fid)
    assert _run(app, bappeda, fid, "verify") == "verified"
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.kind == "verified")).all()
        assert [(n.user_id, n.url) for n in told] == [(owner.id, f"/tindak-lanjut/{fid}")]
        assert bystander.id not in {n.user_id for n in db.session.scalars(select(Notification))}


def test_without_an_owner_the_units_users_hear_of_verification_and_reopening(app, make_user, add_followup):
    bappeda = make_user("bappeda")
    first = make_user("opd", opd_code="DLH")
    second = make_user("opd", opd_code="DLH")
    make_user("opd", opd_code="PUPR")
    fid = add_followup(opd_code="DLH", status="in_progress", due=date(2026, 7, 20))
    _complete(app, first, fid)
    _run(app, bappeda, fid, "reopen", note="Belum tuntas")
    _complete(app, first, fid)
    _run(app, bappeda, fid, "verify")
    with app.app_context():
        rows = db.session.execute(select(Notification.kind, Notification.user_id)
                                  .where(Notification.kind.in_(("verified", "reopened")))).all()
        assert sorted(rows) == sorted([("reopened", first.id), ("reopened", second.id),
                                       ("verified", first.id), ("verified", second.id)])
