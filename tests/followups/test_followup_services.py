"""The follow-up state machine, creation rules, overdue marking and evidence photos."""
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from tests import factories
from tests.factories import image_bytes
from webapp import storage
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.domain_errors import DomainError
from webapp.errors import status_of
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.vocabulary import FollowUpState

LEGAL = {("open", "start"): "in_progress", ("in_progress", "complete"): "done",
         ("open", "cancel"): "cancelled", ("in_progress", "cancel"): "cancelled",
         ("done", "verify"): "verified", ("done", "reopen"): "reopened", ("verified", "reopen"): "reopened",
         ("reopened", "complete"): "done", ("reopened", "cancel"): "cancelled"}
ILLEGAL = [(state, action) for state in FollowUpState for action in services.ACTIONS if (state, action) not in LEGAL]


def _user(user) -> User:
    return db.session.get(User, user.id)


def _load(followup_id) -> FollowUp:
    return db.session.get(FollowUp, followup_id)


def _args(action):
    if action == "complete":
        return {"note": "Saluran sudah dibersihkan", "photo": image_bytes()}
    if action == "cancel":
        return {"note": "Sudah ditangani program lain"}
    if action == "reopen":
        return {"note": "Foto bukti tidak menunjukkan saluran yang dimaksud"}
    return {}


@pytest.mark.parametrize(("start", "action"), list(LEGAL))
def test_a_followup_moves_along_its_legal_transitions(app, make_user, start, action, add_followup):
    bappeda = make_user("bappeda")
    fid = add_followup(opd_code="DLH", status=start)
    with app.app_context():
        followup = services.transition(_user(bappeda), _load(fid), action, **_args(action))
        db.session.commit()
        assert followup.status == LEGAL[(start, action)]


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_every_other_transition_is_refused_as_a_conflict(app, make_user, start, action, add_followup):
    bappeda = make_user("bappeda")
    fid = add_followup(opd_code="DLH", status=start)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(bappeda), _load(fid), action, **_args(action))
        assert status_of(error.value) == 409
        db.session.rollback()
        assert _load(fid).status == start
        assert db.session.scalar(select(AuditEvent.id)) is None


def test_done_needs_a_resolution_note_and_an_evidence_photo(app, make_user, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(opd_user), _load(fid), "complete", note="", photo=None)
        assert status_of(error.value) == 422
        assert set(error.value.errors) == {"note", "photo"}
        assert _load(fid).status == "in_progress"


def test_cancelling_needs_a_reason(app, make_user, add_followup):
    bappeda = make_user("bappeda")
    fid = add_followup(opd_code="DLH")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(bappeda), _load(fid), "cancel", note=" ")
        assert status_of(error.value) == 422 and "note" in error.value.errors


def test_the_evidence_photo_is_re_encoded_and_stored_under_a_server_name(app, make_user, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress")
    upload = image_bytes("PNG", size=(2400, 1200), exif=True)
    with app.app_context():
        followup = services.transition(_user(opd_user), _load(fid), "complete", note="Selesai", photo=upload)
        db.session.commit()
        key = followup.evidence_key
        assert key.startswith("followups/") and key.endswith(".jpg")
        stored = storage.path_for(key).read_bytes()
        assert stored != upload
        with Image.open(storage.path_for(key)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == services.EVIDENCE_MAX_SIDE
            assert b"KameraRahasia" not in stored
        assert followup.resolution == "Selesai"


@pytest.mark.parametrize("payload", [b"not an image at all", b"GIF89a" + b"\x00" * 50, b""])
def test_a_file_that_is_not_a_photo_is_refused_and_nothing_changes(app, make_user, payload, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(opd_user), _load(fid), "complete", note="Selesai", photo=payload)
        assert status_of(error.value) == 422 and "photo" in error.value.errors
        db.session.rollback()
        assert _load(fid).status == "in_progress"


def test_a_decompression_bomb_is_refused(app, make_user, monkeypatch, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(opd_user), _load(fid), "complete", note="x", photo=image_bytes(size=(100, 100)))
        assert status_of(error.value) == 422
        assert "terlalu besar" in error.value.errors["photo"][0]


def test_an_oversized_upload_is_refused(app, make_user, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH", status="in_progress")
    with app.app_context():
        too_big = b"\xff" * (app.config["MAX_PHOTO_BYTES"] + 1)
        with pytest.raises(DomainError) as error:
            services.transition(_user(opd_user), _load(fid), "complete", note="x", photo=too_big)
        assert status_of(error.value) == 413


def test_each_transition_is_audited_with_before_and_after(app, make_user, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH")
    with app.app_context():
        user = _user(opd_user)
        services.transition(user, _load(fid), "start")
        services.transition(user, _load(fid), "complete", note="Beres", photo=image_bytes())
        db.session.commit()
        events = services.history(_load(fid))
        assert [(e.before["status"], e.after["status"]) for e in events] == [("open", "in_progress"), ("in_progress", "done")]
        assert all(e.actor_id == opd_user.id and e.action == "followup.transition" for e in events)
        assert events[1].before["resolution"] is None and events[1].after["resolution"] == "Beres"
        assert events[1].after["evidence_key"] == _load(fid).evidence_key


def test_the_assignee_works_on_a_followup_but_cannot_cancel_it(app, make_user, add_followup):
    opd_user = make_user("opd", opd_code="DLH")
    fid = add_followup(opd_code="DLH")
    with app.app_context():
        assert services.allowed_actions(_user(opd_user), _load(fid)) == ["start"]
        with pytest.raises(DomainError) as error:
            services.transition(_user(opd_user), _load(fid), "cancel", note="malas")
        assert status_of(error.value) == 403


def test_the_creator_may_cancel(app, make_user, add_followup):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    fid = add_followup(opd_code="DLH", created_by=camat)
    with app.app_context():
        services.transition(_user(camat), _load(fid), "cancel", note="Salah sasaran")
        assert _load(fid).status == "cancelled"


@pytest.mark.parametrize(("role", "kwargs"), [("opd", {"opd_code": "PUPR"}), ("camat", {"kecamatan_code": factories.PINO}),
                                              ("monitor", {})])
def test_someone_else_cannot_move_a_followup(app, make_user, role, kwargs, add_followup):
    user = make_user(role, **kwargs)
    fid = add_followup(opd_code="DLH")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.transition(_user(user), _load(fid), "start")
        assert status_of(error.value) == 403


def test_a_camat_moves_a_followup_assigned_to_their_kecamatan(app, make_user, add_followup):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    fid = add_followup(kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        services.transition(_user(camat), _load(fid), "start")
        assert _load(fid).status == "in_progress"


# --- creation ---------------------------------------------------------------------------------------

def _data(**overrides):
    data = {"title": "Angkut sampah TPS", "description": None, "due_date": date(2027, 1, 31)}
    data.update(overrides)
    return data


@pytest.mark.parametrize("assignees", [{}, {"assignee_opd_id": "DLH", "assignee_kecamatan_id": factories.KOTA_MANNA}])
def test_a_followup_has_exactly_one_assignee(app, make_user, assignees):
    bappeda = make_user("bappeda")
    with app.app_context():
        data = _data()
        if assignees:
            data["assignee_opd_id"] = factories.opd("DLH").id
            data["assignee_kecamatan_id"] = factories.kecamatan(factories.KOTA_MANNA).id
        with pytest.raises(DomainError) as error:
            services.create_followup(_user(bappeda), data)
        assert status_of(error.value) == 422 and "assignee" in error.value.errors


def test_a_followup_needs_a_title_and_a_due_date(app, make_user):
    bappeda = make_user("bappeda")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.create_followup(_user(bappeda), _data(title=" ", due_date=None, assignee_opd_id=factories.opd("DLH").id))
        assert set(error.value.errors) == {"title", "due_date"}


def test_bappeda_creates_a_followup_and_it_is_audited(app, make_user):
    bappeda = make_user("bappeda")
    with app.app_context():
        followup = services.create_followup(_user(bappeda), _data(assignee_opd_id=factories.opd("DLH").id))
        db.session.commit()
        assert followup.status == "open" and followup.created_by_id == bappeda.id
        event = db.session.scalar(select(AuditEvent))
        assert event.action == "followup.create" and event.before is None and event.after["status"] == "open"


def test_a_camat_creates_followups_only_from_a_check_they_review(app, make_user, add_site, add_submission):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    own = add_submission(monitor, add_site(factories.KOTA_MANNA), score=40.0)
    other = add_submission(monitor, add_site(factories.PINO), score=40.0)
    from webapp.submissions.models import Submission

    with app.app_context():
        user = _user(camat)
        kota_manna = factories.kecamatan(factories.KOTA_MANNA).id
        pino = factories.kecamatan(factories.PINO).id
        with pytest.raises(DomainError):
            services.create_followup(user, _data(assignee_kecamatan_id=kota_manna))  # no source
        with pytest.raises(DomainError):
            services.create_followup(user, _data(assignee_kecamatan_id=kota_manna), source=db.session.get(Submission, other.id))
        with pytest.raises(DomainError):
            services.create_followup(user, _data(assignee_kecamatan_id=pino), source=db.session.get(Submission, own.id))
        made = services.create_followup(user, _data(assignee_opd_id=factories.opd("DLH").id), source=db.session.get(Submission, own.id))
        assert made.site_id == own.site_id and made.source_submission_id == own.id


# --- overdue ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "due_offset", "overdue"), [
    ("open", -1, True), ("in_progress", -30, True), ("open", 0, False), ("open", 5, False),
    ("done", -10, False), ("cancelled", -10, False),
])
def test_overdue_means_still_open_after_the_due_date(app, status, due_offset, overdue, add_followup):
    today = services.today_wib()
    fid = add_followup(opd_code="DLH", status=status, due=today + timedelta(days=due_offset))
    with app.app_context():
        assert services.is_overdue(_load(fid), today) is overdue
        in_sql = db.session.scalar(select(FollowUp.id).where(services.overdue_clause(today)))
        assert (in_sql == fid) is overdue


def test_today_is_the_calendar_day_in_jakarta():
    # 20:00 UTC on 10 March is 03:00 WIB on 11 March: a follow-up due on 10 March is late by then.
    assert services.today_wib(datetime(2026, 3, 10, 20, 0, tzinfo=timezone.utc)) == date(2026, 3, 11)
    assert services.today_wib(datetime(2026, 3, 10, 16, 59, tzinfo=timezone.utc)) == date(2026, 3, 10)


def test_followups_are_counted_by_status_with_overdue_apart(app, make_user, add_followup):
    bappeda = make_user("bappeda")
    today = date(2026, 7, 20)
    for status, offset in (("open", -1), ("open", 3), ("in_progress", -5), ("done", -10), ("cancelled", 0)):
        add_followup(opd_code="DLH", status=status, due=today + timedelta(days=offset))
    with app.app_context():
        counts = services.counts_by_status(db.session.get(User, bappeda.id), today)
        assert counts == {"by_status": {"open": 2, "in_progress": 1, "done": 1, "verified": 0, "reopened": 0,
                                        "cancelled": 1}, "overdue": 2}
