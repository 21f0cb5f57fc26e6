"""The admin console's users pages: access, list, create, edit, deactivate, reset password."""
import re

from sqlalchemy import select

from tests.helpers import AuthActions, csrf
from webapp.accounts.models import User
from webapp.audit import AuditEvent
from webapp.extensions import db


def _temporary_password(html: str) -> str:
    return re.search(r'<code id="temporary-password">([^<]+)</code>', html).group(1)


def _events(app, action):
    with app.app_context():
        return [(e.actor_id, e.before, e.after) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_only_admins_open_the_console(app, client, login_as):
    assert client.get("/admin/pengguna").status_code == 302  # to the login page
    for role in ("bappeda", "camat", "opd", "monitor"):
        assert login_as(role).get("/admin/pengguna").status_code == 403
    assert login_as("admin").get("/admin/").status_code == 200


def test_the_menu_links_to_the_console(admin):
    assert 'href="/admin/"' in admin.get("/beranda").text


def test_users_are_listed_with_search_and_filters(admin, make_user):
    make_user("camat", username="camat.kotamanna")
    make_user("monitor", username="petugas.pino", kecamatan_code="17.01.03")
    make_user("opd", username="operator.dlh", opd_code="DLH", active=False)
    page = admin.get("/admin/pengguna?q=pino").text
    assert "petugas.pino" in page and "camat.kotamanna" not in page
    page = admin.get("/admin/pengguna?peran=camat").text
    assert "camat.kotamanna" in page and "petugas.pino" not in page
    page = admin.get("/admin/pengguna?aktif=0").text
    assert "operator.dlh" in page and "petugas.pino" not in page


def test_a_new_user_gets_a_temporary_password_once_and_must_change_it(app, admin):
    response = admin.post("/admin/pengguna/baru", {"username": "Petugas.Baru", "full_name": "Petugas Baru",
                                                   "role": "monitor", "kecamatan": "17.01.05"})
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
    password = _temporary_password(response.text)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "petugas.baru"))
        assert user.must_change_password and password not in user.password_hash
    assert _events(app, "user.create")[0][2]["kecamatan"] == "17.01.05"
    browser = app.test_client()
    auth = AuthActions(browser)
    assert auth.login("petugas.baru", password).headers["Location"].endswith("/akun/kata-sandi")
    assert browser.get("/beranda").headers["Location"].endswith("/akun/kata-sandi")
    page = browser.get("/akun/kata-sandi").text
    short = browser.post("/akun/kata-sandi", data={"csrf_token": csrf(page), "current": password, "new": "pendek"})
    assert "minimal 10 karakter" in short.text
    done = browser.post("/akun/kata-sandi", data={"csrf_token": csrf(page), "current": password,
                                                  "new": "kata-sandi-baru-saya"})
    assert done.status_code == 302
    assert browser.get("/beranda").status_code == 200


def test_creating_a_user_explains_what_is_wrong(admin):
    response = admin.post("/admin/pengguna/baru", {"username": "camat.x", "full_name": "X", "role": "camat"})
    assert response.status_code == 200
    assert "Camat harus punya kecamatan." in response.text


def test_editing_role_and_scope_is_audited_with_before_and_after(app, admin, make_user):
    user = make_user("monitor", username="petugas.pindah", kecamatan_code="17.01.05")
    response = admin.post(f"/admin/pengguna/{user.id}", {"full_name": "Camat Pino", "role": "camat",
                                                         "kecamatan": "17.01.03"})
    assert response.status_code == 302
    actor, before, after = _events(app, "user.update")[-1]
    assert actor == admin.user.id
    assert (before["role"], before["kecamatan"]) == ("monitor", "17.01.05")
    assert (after["role"], after["kecamatan"]) == ("camat", "17.01.03")


def test_a_deactivated_users_next_api_call_is_a_401_and_reactivation_lets_them_back(app, admin, login_as):
    phone = login_as("monitor")
    assert phone.get("/api/v1/bootstrap").status_code == 200
    response = admin.post(f"/admin/pengguna/{phone.user.id}/aktif", {"active": "0"})
    assert response.status_code == 302
    answer = phone.get("/api/v1/bootstrap")
    assert answer.status_code == 401 and answer.is_json
    assert _events(app, "user.deactivate")[-1][2] == {"active": False}
    assert AuthActions(app.test_client()).login(phone.user.username).status_code == 200  # refused: the form again
    admin.post(f"/admin/pengguna/{phone.user.id}/aktif", {"active": "1"})
    again = app.test_client()
    assert AuthActions(again).login(phone.user.username).status_code == 302


def test_an_admin_cannot_deactivate_themselves(admin):
    admin.post(f"/admin/pengguna/{admin.user.id}/aktif", {"active": "0"})
    assert admin.get("/admin/").status_code == 200


def test_reset_password_ends_sessions_and_gives_a_one_time_password(app, admin, login_as):
    phone = login_as("monitor")
    response = admin.post(f"/admin/pengguna/{phone.user.id}/atur-ulang-sandi")
    password = _temporary_password(response.text)
    assert phone.get("/api/v1/bootstrap").status_code == 401
    browser = app.test_client()
    assert AuthActions(browser).login(phone.user.username).status_code == 200  # the old password no longer works
    assert AuthActions(browser).login(phone.user.username, password).headers["Location"].endswith("/akun/kata-sandi")
    events = _events(app, "user.reset_password")
    assert events and password not in str(events)


def test_console_forms_refuse_a_post_without_csrf(admin, make_user):
    user = make_user("monitor")
    response = admin.client.post(f"/admin/pengguna/{user.id}/aktif", data={"active": "0"})
    assert response.status_code == 400


def test_the_console_speaks_english_on_request(admin):
    page = admin.get("/admin/pengguna?lang=en").text
    assert "Add user" in page and "Last sync" in page


def test_a_locked_account_is_shown_and_unlocked_from_its_page(app, admin, make_user):
    from datetime import timedelta

    from webapp.types import utcnow

    user = make_user("monitor", username="petugas.terkunci")
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.failed_logins, stored.locked_until = 7, utcnow() + timedelta(minutes=30)
        db.session.commit()
    assert "7 kata sandi salah berturut-turut" in admin.get(f"/admin/pengguna/{user.id}").text
    admin.post(f"/admin/pengguna/{user.id}/buka-kunci")
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored.failed_logins == 0 and stored.locked_until is None
    assert _events(app, "account.unlock")[-1][0] == admin.user.id


def test_a_common_password_is_refused_when_changing_it(app, admin):
    response = admin.post("/admin/pengguna/baru", {"username": "petugas.umum", "full_name": "P", "role": "monitor",
                                                   "kecamatan": "17.01.05"})
    password = _temporary_password(response.text)
    browser = app.test_client()
    AuthActions(browser).login("petugas.umum", password)
    page = browser.get("/akun/kata-sandi").text
    refused = browser.post("/akun/kata-sandi", data={"csrf_token": csrf(page), "current": password, "new": "password123"})
    assert "paling sering dipakai" in refused.text
