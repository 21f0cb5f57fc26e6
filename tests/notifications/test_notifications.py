"""Notifications: under the bell and by email through a real SMTP server in this process (aiosmtpd);
one per event and person, email off by the user's choice, a failing SMTP server never blocking."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.factories import image_bytes
from tests.helpers import csrf
from tests.smtp import SmtpServer, free_port
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan
from webapp.notifications import services as notifications
from webapp.notifications.models import Notification
from webapp.followups import notices as followup_notices
from webapp.opd_reports import notices as report_notices
from webapp.reminders import scheduled_daily_reminders, scheduled_weekly_digest


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        for name, value in server.config().items():
            monkeypatch.setitem(app.config, name, value)
        yield server


def _with_email(app, user, address=None, on=True) -> User:
    with app.app_context():
        row = db.session.get(User, user.id)
        row.email, row.email_notifications = address or f"{row.username}@bengkulu-selatan.test", on
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def _assign(app, bappeda, owner, title="Keruk saluran Pasar Bawah", due=None) -> int:
    with app.app_context():
        followup = followups.create_followup(db.session.get(User, bappeda.id), {
            "title": title, "assignee_opd_id": factories.opd("DLH").id, "owner_id": owner.id,
            "due_date": due or date.today() + timedelta(days=14)})
        db.session.commit()
        return followup.id


def _dlh_id(app) -> int:
    with app.app_context():
        return factories.opd("DLH").id


def _notes(app, user=None) -> list[Notification]:
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        if user is not None:
            stmt = stmt.where(Notification.user_id == user.id)
        rows = db.session.scalars(stmt).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_owner_gets_one_email_per_event_read_from_the_smtp_server(app, make_user, smtp):
    bappeda = make_user("bappeda")
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    fid = _assign(app, bappeda, owner)
    with app.app_context():
        assert notifications.send_pending() == 1
        assert notifications.send_pending() == 0
        # The same event told again makes no second row and no second email.
        followup = db.session.get(FollowUp, fid)
        followup_notices.assigned(followup)
        db.session.commit()
        assert notifications.send_pending() == 0
    (received,) = smtp.wait_for(1)
    assert received["to"] == [owner.email]
    message = received["message"]
    assert message["Subject"] == "[Pantau] Tindak lanjut untuk Anda: Keruk saluran Pasar Bawah"
    assert message["X-Pantau-Event"] == f"followup:{fid}:assigned:{owner.id}"
    assert f"/tindak-lanjut/{fid}" in message.get_content()
    (note,) = _notes(app, owner)
    assert (note.email_state, note.email_attempts) == ("sent", 1) and note.email_sent_at is not None


def test_the_database_keeps_one_notification_per_event_and_person(app, make_user):
    user = make_user("opd", opd_code="DLH")
    with app.app_context():
        db.session.add(Notification(user_id=user.id, kind="assigned", key="followup:1:assigned:1", title="a",
                                    email_state="off"))
        db.session.commit()
        db.session.add(Notification(user_id=user.id, kind="assigned", key="followup:1:assigned:1", title="b",
                                    email_state="off"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_user_who_turned_email_off_is_told_in_the_app_only(app, make_user, smtp, login_as):
    bappeda = make_user("bappeda")
    client = login_as("opd", opd_code="DLH")
    owner = _with_email(app, client.user)
    page = client.get("/akun")
    assert "Kirim notifikasi juga lewat email" in page.text
    response = client.client.post("/akun/notifikasi", data={"csrf_token": csrf(page.text), "email": "0"})
    assert response.status_code == 302
    fid = _assign(app, bappeda, owner)
    with app.app_context():
        assert db.session.get(User, owner.id).email_notifications is False
        assert notifications.send_pending() == 0
    (note,) = _notes(app, owner)
    assert note.email_state == "off" and note.key == f"followup:{fid}:assigned:{owner.id}"
    assert smtp.messages == []
    assert 'class="bell-count" data-unread="1"' in client.get("/opd").text


def test_turning_email_off_stops_what_is_still_waiting(app, make_user, smtp):
    bappeda = make_user("bappeda")
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    _assign(app, bappeda, owner)
    with app.app_context():
        notifications.set_email(db.session.get(User, owner.id), False)
        db.session.commit()
        assert notifications.send_pending() == 0
    assert smtp.messages == [] and _notes(app, owner)[0].email_state == "off"


def test_without_an_smtp_server_configured_nothing_is_emailed(app, make_user):
    assert not app.config.get("MAIL_SERVER")
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    _assign(app, make_user("bappeda"), owner)
    assert [n.email_state for n in _notes(app, owner)] == ["off"]


def _mail_env(monkeypatch, config: dict) -> None:
    """The same SMTP settings for an rq worker process (it reads them from its environment)."""
    for name, value in config.items():
        monkeypatch.setenv(name, str(int(value) if isinstance(value, bool) else value))


def test_a_failing_smtp_server_never_blocks_the_action(app, make_user, login_as, monkeypatch, redis_url, run_jobs):
    # Nothing listens on this port: every send fails at connect.
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 5}
    for name, value in config.items():
        monkeypatch.setitem(app.config, name, value)
    _mail_env(monkeypatch, config)
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    bappeda = login_as("bappeda")
    page = bappeda.get("/tindak-lanjut")
    response = bappeda.client.post("/tindak-lanjut/baru", data={
        "csrf_token": csrf(page.text), "title": "Angkut sampah TPS liar", "assignee": f"opd:{_dlh_id(app)}",
        "owner": str(owner.id), "due_date": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 302, response.text
    with app.app_context():
        followup = db.session.scalar(select(FollowUp))
        assert (followup.title, followup.owner_id) == ("Angkut sampah TPS liar", owner.id)
    # Sent after the response without Redis; by the rq worker (which retries later) with it.
    run_jobs()
    (note,) = _notes(app, owner)
    assert note.email_state == "failed" and note.email_attempts == 1
    assert "ConnectionRefusedError" in note.email_error
    with app.app_context():
        # The job raises, so rq's Retry tries again; the attempts are counted on the row.
        with pytest.raises(OSError):
            notifications.deliver(note.id)
        assert db.session.get(Notification, note.id).email_attempts == 2


def test_the_email_job_goes_through_rq_with_retries(app, make_user, smtp, monkeypatch, redis_url, run_jobs):
    if not redis_url:
        pytest.skip("the rq path runs when TEST_REDIS_URL is set")
    from redis import Redis
    from rq import Queue

    _mail_env(monkeypatch, smtp.config())
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    fid = _assign(app, make_user("bappeda"), owner)
    (note,) = _notes(app, owner)
    job = Queue("default", connection=Redis.from_url(redis_url)).fetch_job(f"pantau-surel-{note.id}")
    assert job is not None and job.retries_left == notifications.MAX_ATTEMPTS - 1
    run_jobs()
    (received,) = smtp.wait_for(1)
    assert received["message"]["X-Pantau-Event"] == f"followup:{fid}:assigned:{owner.id}"
    assert _notes(app, owner)[0].email_state == "sent"


def test_a_failed_email_is_retried_and_sent_once_the_server_answers(app, make_user, smtp, monkeypatch):
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    port = smtp.port
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    _assign(app, make_user("bappeda"), owner)
    with app.app_context():
        assert notifications.send_pending() == 0
    assert _notes(app, owner)[0].email_state == "failed"
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    with app.app_context():
        assert notifications.send_pending() == 1
    assert len(smtp.wait_for(1)) == 1 and _notes(app, owner)[0].email_state == "sent"


def _task(app, task, occurrence: str) -> dict:
    with app.app_context():
        return task(occurrence)


def _at_wib(day: date, hour: int = 7) -> str:
    return (datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc) - timedelta(hours=7)).isoformat()


def test_due_soon_and_overdue_are_told_once_per_due_date(app, make_user, add_followup, smtp):
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    today = date(2026, 7, 20)
    soon = add_followup(opd_code="DLH", due=today + timedelta(days=3), title="Pasang papan larangan buang sampah")
    late = add_followup(opd_code="DLH", due=today - timedelta(days=1), status="in_progress", title="Bersihkan TPS")
    far = add_followup(opd_code="DLH", due=today + timedelta(days=4))
    done = add_followup(opd_code="DLH", due=today - timedelta(days=1), status="done")
    with app.app_context():
        for fid in (soon, late, far, done):
            db.session.get(FollowUp, fid).owner_id = owner.id
        db.session.commit()
    first = _task(app, scheduled_daily_reminders, _at_wib(today))
    second = _task(app, scheduled_daily_reminders, _at_wib(today, 9))
    assert first["followups"] == 2 and second["followups"] == 0
    kinds = {(n.kind, n.url) for n in _notes(app, owner)}
    assert kinds == {("due_soon", f"/tindak-lanjut/{soon}"), ("overdue", f"/tindak-lanjut/{late}")}
    subjects = sorted(m["message"]["Subject"] for m in smtp.wait_for(2))
    assert subjects == ["[Pantau] Lewat tenggat: Bersihkan TPS",
                        "[Pantau] Tenggat dalam 3 hari: Pasang papan larangan buang sampah"]
    # The next day the third comes within three days; a new due date is a new event.
    with app.app_context():
        db.session.get(FollowUp, soon).due_date = today + timedelta(days=5)
        db.session.commit()
    assert _task(app, scheduled_daily_reminders, _at_wib(today + timedelta(days=1)))["followups"] == 1
    with app.app_context():
        db.session.get(FollowUp, soon).due_date = today + timedelta(days=2)
        db.session.commit()
    assert _task(app, scheduled_daily_reminders, _at_wib(today + timedelta(days=1)))["followups"] == 1
    assert [n.url for n in _notes(app, owner)][-2:] == [f"/tindak-lanjut/{far}", f"/tindak-lanjut/{soon}"]


def test_a_followup_without_an_owner_reminds_every_user_of_its_unit(app, make_user, add_followup):
    a, b = make_user("opd", opd_code="DLH"), make_user("opd", opd_code="DLH")
    make_user("opd", opd_code="PUPR")
    add_followup(opd_code="DLH", due=date(2026, 7, 19))
    with app.app_context():
        assert followup_notices.reminders(date(2026, 7, 20)) == 2
        db.session.commit()
    assert {n.user_id for n in _notes(app)} == {a.id, b.id}


def test_a_returned_submission_is_told_to_its_monitor(app, make_user, add_site, add_submission, login_as):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(monitor, add_site())
    bappeda = login_as("bappeda")
    response = bappeda.post(f"/api/v1/submissions/{sub.uuid}/review",
                            json={"action": "return", "note": "Foto kurang jelas, ulangi"})
    assert response.status_code == 200, response.text
    (note,) = _notes(app, monitor)
    assert note.kind == "returned" and "Foto kurang jelas, ulangi" in note.body


def test_a_returned_opd_report_is_told_to_who_sent_it(app, make_user, make_kegiatan):
    from webapp.opd_reports import services as opd_reports

    author = make_user("opd", opd_code="DLH")
    bappeda = make_user("bappeda")
    kegiatan = make_kegiatan(opd_code="DLH")
    with app.app_context():
        report = opd_reports.save_report(db.session.get(User, author.id), db.session.get(Kegiatan, kegiatan.id),
                                         2026, 3, {"realisation_rp": 1_000_000, "physical_pct": 10}, submit=True,
                                         today=date(2026, 4, 5))
        db.session.commit()
        opd_reports.return_report(db.session.get(User, bappeda.id), report, "Realisasi tidak sesuai SP2D")
        db.session.commit()
    (note,) = [n for n in _notes(app, author) if n.kind == "returned"]
    assert "Realisasi tidak sesuai SP2D" in note.body and note.url.startswith(f"/opd/laporan/{kegiatan.code}/")


def test_the_report_deadline_near_is_told_to_opds_with_reports_missing(app, make_user, make_kegiatan, monkeypatch):
    monkeypatch.setitem(app.config, "OPD_REPORT_DEADLINE_DAY", 10)
    dlh_user = make_user("opd", opd_code="DLH")
    pupr_user = make_user("opd", opd_code="PUPR")
    make_kegiatan(opd_code="DLH", year=2026)
    # The July report is due on 10 August: the 7th is three days before.
    day = date(2026, 8, 7)
    with app.app_context():
        assert report_notices.deadline_reminders(day - timedelta(days=1)) == 0
        assert report_notices.deadline_reminders(day) == 1
        assert report_notices.deadline_reminders(day + timedelta(days=1)) == 0
        db.session.commit()
    (note,) = _notes(app)
    assert note.user_id == dlh_user.id and note.kind == "deadline_near" and pupr_user.id != note.user_id


def test_the_weekly_digest_goes_to_every_opd_account_and_camat_once_a_week(app, make_user, add_followup, smtp):
    opd_user = _with_email(app, make_user("opd", opd_code="DLH"))
    camat = _with_email(app, make_user("camat", kecamatan_code=factories.KOTA_MANNA))
    make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    monday = date(2026, 7, 20)
    add_followup(opd_code="DLH", due=monday - timedelta(days=2))
    add_followup(opd_code="DLH", due=monday + timedelta(days=5))
    assert _task(app, scheduled_weekly_digest, _at_wib(monday, 7))["digest"] == 2
    assert _task(app, scheduled_weekly_digest, _at_wib(monday, 9))["digest"] == 0
    by_user = {n.user_id: n for n in _notes(app)}
    assert set(by_user) == {opd_user.id, camat.id}
    assert "Belum selesai: 2. Lewat tenggat: 1. Tenggat dalam 7 hari: 1." in by_user[opd_user.id].body
    assert "Belum selesai: 0." in by_user[camat.id].body
    assert sorted(m["to"][0] for m in smtp.wait_for(2)) == sorted([opd_user.email, camat.email])


def test_the_bell_counts_unread_on_every_desk_and_marking_read_lowers_it(app, make_user, login_as):
    client = login_as("opd", opd_code="DLH")
    fid = _assign(app, make_user("bappeda"), client.user)
    _assign(app, make_user("bappeda"), client.user, title="Kedua")
    for page in ("/opd", "/tindak-lanjut", "/beranda", "/akun"):
        assert 'data-unread="2"' in client.get(page).text, page
    listing = client.get("/notifikasi")
    assert "Keruk saluran Pasar Bawah" in listing.text
    first = _notes(app, client.user)[0]
    response = client.client.post(f"/notifikasi/{first.id}/baca", data={"csrf_token": csrf(listing.text)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tindak-lanjut/{fid}")
    assert 'data-unread="1"' in client.get("/opd").text
    client.client.post("/notifikasi/baca-semua", data={"csrf_token": csrf(listing.text)})
    assert "bell-count" not in client.get("/opd").text


def test_nobody_reads_someone_elses_notification(app, make_user, login_as):
    owner = make_user("opd", opd_code="DLH")
    _assign(app, make_user("bappeda"), owner)
    (note,) = _notes(app, owner)
    other = login_as("opd", opd_code="DLH")
    page = other.get("/notifikasi")
    assert "Keruk saluran" not in page.text
    assert other.client.post(f"/notifikasi/{note.id}/baca", data={"csrf_token": csrf(page.text)}).status_code == 404
    assert _notes(app, owner)[0].read_at is None


def test_done_work_is_told_to_the_creator_to_verify(app, make_user):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    fid = _assign(app, bappeda, owner)
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        followups.transition(db.session.get(User, owner.id), followup, "start")
        followups.transition(db.session.get(User, owner.id), followup, "complete", "Beres", image_bytes())
        db.session.commit()
    (note,) = _notes(app, bappeda)
    assert note.kind == "done" and note.url == f"/tindak-lanjut/{fid}"


def test_with_redis_down_the_action_succeeds_and_the_email_waits_for_the_sweep(app, make_user, login_as, smtp,
                                                                             monkeypatch):
    # Nothing listens there: queueing the email job fails at connect.
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    owner = _with_email(app, make_user("opd", opd_code="DLH"))
    bappeda = login_as("bappeda")
    page = bappeda.get("/tindak-lanjut")
    response = bappeda.client.post("/tindak-lanjut/baru", data={
        "csrf_token": csrf(page.text), "title": "Pasang papan larangan", "assignee": f"opd:{_dlh_id(app)}",
        "owner": str(owner.id), "due_date": (date.today() + timedelta(days=7)).isoformat()})
    assert response.status_code == 302
    (note,) = _notes(app, owner)
    assert note.email_state == "pending" and smtp.messages == []
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    with app.app_context():
        assert notifications.send_pending() == 1
    assert len(smtp.wait_for(1)) == 1
