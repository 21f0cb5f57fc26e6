"""The head of an OPD is one of its users, marked by the admin: they sign its RFK (their name and
NIP) and get its weekly digest; without a head the OPD's recorded name signs and every account
gets the digest, and the admin page says so."""
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.reports import printed_dataset
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.followups import notices
from webapp.notifications.models import Notification
from webapp.reports import periods, rfk

NIP = "198005052005011002"
OCTOBER = periods.month(2026, 10)


def _mark(admin, user, nip=NIP, is_head="1", **extra):
    body = {"full_name": user.full_name, "role": "opd", "opd": "PUPR", "nip": nip, **extra}
    if is_head:
        body["is_head"] = is_head
    return admin.post(f"/admin/pengguna/{user.id}", body, page=f"/admin/pengguna/{user.id}")


def _head_flags(app, *users):
    with app.app_context():
        return [db.session.get(User, u.id).is_head for u in users]


def test_the_admin_marks_one_head_per_opd_and_every_change_is_audited(app, admin, make_user):
    first = make_user("opd", opd_code="PUPR")
    second = make_user("opd", opd_code="PUPR")
    assert _mark(admin, first).status_code == 302
    assert _head_flags(app, first, second) == [True, False]
    assert _mark(admin, second, nip="").status_code == 302
    assert _head_flags(app, first, second) == [False, True]
    with app.app_context():
        events = [(e.object_id, e.before["is_head"], e.after["is_head"], e.after["nip"]) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.update").order_by(AuditEvent.id))]
    assert events == [(str(first.id), False, True, NIP), (str(first.id), True, False, NIP),
                      (str(second.id), False, True, None)]


def test_only_an_opd_user_can_head_and_a_nip_has_18_digits(app, admin, make_user):
    user = make_user("opd", opd_code="PUPR")
    page = _mark(admin, user, nip="12345")
    assert page.status_code == 200 and "NIP terdiri dari 18 angka." in page.text
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    page = admin.post(f"/admin/pengguna/{monitor.id}", {"full_name": "x", "role": "monitor",
                                                        "kecamatan": factories.KOTA_MANNA, "is_head": "1"})
    assert "Hanya pengguna OPD yang dapat ditandai sebagai kepala OPD-nya." in page.text
    assert _head_flags(app, user, monitor) == [False, False]


def test_the_user_page_says_who_heads_the_opd_or_what_happens_without_one(app, admin, make_user):
    user = make_user("opd", opd_code="PUPR")
    page = admin.get(f"/admin/pengguna/{user.id}").text
    assert "belum punya kepala: ringkasan mingguan dikirim ke semua akun OPD ini" in page
    _mark(admin, user, full_name="Ir. Rahmat Hidayat")
    page = admin.get(f"/admin/pengguna/{user.id}").text
    assert "Kepala Dinas PUPR saat ini: Ir. Rahmat Hidayat." in page and 'name="is_head" value="1" checked' in page


def _digest_readers(app, monday):
    with app.app_context():
        notices.weekly_digest(monday)
        db.session.commit()
        return {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "digest"))}


def test_the_digest_goes_to_the_head_and_to_every_account_of_an_opd_without_one(app, admin, make_user):
    head = make_user("opd", opd_code="PUPR")
    staff = make_user("opd", opd_code="PUPR")
    dlh_a, dlh_b = make_user("opd", opd_code="DLH"), make_user("opd", opd_code="DLH")
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    _mark(admin, head)
    assert _digest_readers(app, date(2026, 7, 20)) == {head.id, dlh_a.id, dlh_b.id, camat.id}
    assert staff.id not in _digest_readers(app, date(2026, 7, 27))


def test_an_inactive_head_leaves_the_digest_to_every_account(app, admin, make_user):
    head = make_user("opd", opd_code="PUPR")
    staff = make_user("opd", opd_code="PUPR")
    _mark(admin, head)
    with app.app_context():
        db.session.get(User, head.id).active = False
        db.session.commit()
    assert _digest_readers(app, date(2026, 7, 20)) == {staff.id}


def _signature(app, tmp_path, opd_id):
    path = tmp_path / "rfk.xlsx"
    with app.test_request_context():
        rfk.build(path, OCTOBER, opd_id, "xlsx")
    ws = load_workbook(path).active
    return [ws.cell(row=r, column=12).value for r in range(1, ws.max_row + 1)]


def test_the_head_user_signs_the_rfk_and_the_opd_record_is_the_fallback(app, admin, make_user, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    data = printed_dataset.build(app)
    try:
        values = _signature(app, tmp_path, data.pupr)
        assert "Ir. Budi Santoso" in values and "NIP. 197001011995031001" in values
        with app.app_context():
            before = rfk.data_version(OCTOBER, data.pupr)
        head = make_user("opd", opd_code="PUPR")
        _mark(admin, head, full_name="Ir. Rahmat Hidayat, M.T.")
        values = _signature(app, tmp_path, data.pupr)
        assert "Kepala Dinas Pekerjaan Umum dan Penataan Ruang" in values
        assert "Ir. Rahmat Hidayat, M.T." in values and f"NIP. {NIP}" in values
        assert "Ir. Budi Santoso" not in values
        with app.app_context():
            assert rfk.data_version(OCTOBER, data.pupr) != before
    finally:
        printed_dataset.clear_heads(app)
