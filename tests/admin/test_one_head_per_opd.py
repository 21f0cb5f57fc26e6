"""One head per OPD is a database rule (a partial unique index on user(opd_id) where is_head, on
SQLite and PostgreSQL), and the console's user form and the users bulk import explain it in
Indonesian instead of letting the database refuse."""
import csv
import io
import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import User
from webapp.admin import users as admin_users
from webapp.audit import AuditEvent
from webapp.extensions import db

HEADER = ["username", "nama", "peran", "kode_kecamatan", "kode_opd", "telepon", "email", "kepala"]
PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"


def _flags(app, *users):
    with app.app_context():
        return [db.session.get(User, u.id).is_head for u in users]


def _mark(admin, user, full_name=None):
    return admin.post(f"/admin/pengguna/{user.id}", {"full_name": full_name or user.full_name, "role": "opd", "opd": "PUPR",
                                                      "is_head": "1"}, page=f"/admin/pengguna/{user.id}")


def _import(admin, rows, confirm=False):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    url = "/admin/pengguna/impor"
    response = admin.post(url, {"file": (io.BytesIO(out.getvalue().encode()), "pengguna.csv")}, page=url,
                          content_type="multipart/form-data")
    if confirm and response.status_code == 200:
        token = re.search(r'name="token" value="([^"]+)"', response.text).group(1)
        response = admin.post(url, {"token": token, "filename": "pengguna.csv", "confirm": "1"}, page=url)
    return response


def test_the_database_refuses_a_second_head_of_an_opd(app, make_user):
    first, second = make_user("opd", opd_code="PUPR"), make_user("opd", opd_code="PUPR")
    other = make_user("opd", opd_code="DLH")
    with app.app_context():
        db.session.execute(update(User).where(User.id.in_([first.id, other.id])).values(is_head=True))
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(update(User).where(User.id == second.id).values(is_head=True))
            db.session.flush()
        db.session.rollback()
    # Users who head nothing are as many as you like, and a head of another OPD is no conflict.
    assert _flags(app, first, second, other) == [True, False, True]


def test_marking_a_user_with_a_lower_id_moves_the_head_without_tripping_the_index(app, admin, make_user):
    first, second = make_user("opd", opd_code="PUPR"), make_user("opd", opd_code="PUPR")
    assert _mark(admin, second).status_code == 302
    # The unit of work writes updates in id order: the old head must be unmarked before.
    assert _mark(admin, first).status_code == 302
    assert _flags(app, first, second) == [True, False]


def test_a_head_marked_meanwhile_is_a_clear_error_on_the_form(app, admin, make_user, monkeypatch):
    first = make_user("opd", opd_code="PUPR")
    second = make_user("opd", opd_code="PUPR")
    _mark(admin, first, "Ir. Rahmat Hidayat")
    # As if another admin marked `first` between this form's reading and its writing.
    monkeypatch.setattr(admin_users, "_unmark_other_heads", lambda *args: None)
    page = _mark(admin, second)
    assert page.status_code in (200, 422)
    assert (f"{PUPR} sudah punya kepala: Ir. Rahmat Hidayat ({first.username}). Satu OPD hanya boleh punya satu "
            "kepala; lepaskan dulu tanda kepala pengguna itu.") in page.text
    assert _flags(app, first, second) == [True, False]


def test_the_bulk_import_refuses_two_heads_of_one_opd(app, admin, make_user):
    head = make_user("opd", opd_code="PUPR")
    _mark(admin, head, "Ir. Rahmat Hidayat")
    page = _import(admin, [["pupr.a", "A", "opd", "", "PUPR", "", "", "ya"],
                           ["pupr.b", "B", "opd", "", "PUPR", "", "", "ya"],
                           ["camat.x", "X", "camat", "17.01.05", "", "", "", "ya"]])
    assert page.status_code == 422
    text = page.text.replace("&#39;", "'")
    assert (f"kepala: {PUPR} sudah punya kepala: Ir. Rahmat Hidayat ({head.username}). Satu OPD hanya boleh punya "
            "satu kepala; lepaskan dulu tanda kepala pengguna itu. Atau tandai dia 'tidak' di berkas ini.") in text
    assert "kepala: hanya pengguna OPD yang dapat ditandai sebagai kepala OPD-nya" in text
    page = _import(admin, [["pupr.a", "A", "opd", "", "PUPR", "", "", "ya"],
                           ["pupr.b", "B", "opd", "", "PUPR", "", "", "ya"],
                           [head.username, "Ir. Rahmat Hidayat", "opd", "", "PUPR", "", "", "tidak"]])
    assert page.status_code == 422
    assert "kepala: OPD PUPR sudah diberi kepala di baris 2; satu OPD hanya boleh punya satu kepala" in page.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "pupr.a")) is None


def test_the_bulk_import_hands_the_head_over_and_a_moved_head_stops_heading(app, admin, make_user):
    newcomer = make_user("opd", opd_code="PUPR")
    head = make_user("opd", opd_code="PUPR")
    dlh_head = make_user("opd", opd_code="DLH")
    _mark(admin, head)
    with app.app_context():
        db.session.get(User, dlh_head.id).is_head = True
        db.session.commit()
    # The newcomer's id is lower than the old head's: the old one is unmarked first.
    response = _import(admin, [[newcomer.username, newcomer.full_name, "opd", "", "PUPR", "", "", "ya"],
                               [head.username, head.full_name, "opd", "", "PUPR", "", "", "tidak"],
                               [dlh_head.username, dlh_head.full_name, "opd", "", "PUPR", "", "", ""]],
                       confirm=True)
    assert response.status_code == 200, response.text
    assert _flags(app, newcomer, head, dlh_head) == [True, False, False]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.update", AuditEvent.object_id.in_([str(newcomer.id), str(dlh_head.id)]))
            .order_by(AuditEvent.id)).all()
        changes = [(e.object_id, e.before["is_head"], e.after["is_head"]) for e in events]
    assert changes == [(str(newcomer.id), False, True), (str(dlh_head.id), True, False)]


def test_the_migration_keeps_one_head_of_an_opd_that_had_two(app, make_user):
    """Before the index an OPD could have two heads: the active one stays, the other stops heading it."""
    from flask_migrate import downgrade, upgrade

    inactive, active = make_user("opd", opd_code="PUPR"), make_user("opd", opd_code="PUPR")
    with app.app_context():
        db.session.remove()
        downgrade(revision="b9e2d4c6a8f1")
        db.session.execute(update(User).where(User.id.in_([inactive.id, active.id])).values(is_head=True))
        db.session.execute(update(User).where(User.id == inactive.id).values(active=False))
        db.session.commit()
        db.session.remove()
        upgrade()
    assert _flags(app, inactive, active) == [False, True]
    with app.app_context(), pytest.raises(IntegrityError):
        db.session.execute(update(User).where(User.id == inactive.id).values(is_head=True))
