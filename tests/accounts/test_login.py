import pytest

from tests.factories import PASSWORD
from tests.helpers import csrf
from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db


def test_login_page_is_indonesian_and_csrf_protected(client):
    page = client.get("/masuk")
    assert page.status_code == 200
    assert "Masuk ke Pantau" in page.text and 'lang="id"' in page.text
    assert 'name="csrf_token"' in page.text


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("monitor")
    response = client.post("/masuk", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.text


def test_login_and_logout(client, auth, make_user):
    user = make_user("bappeda")
    response = auth.login(user.username)
    assert response.status_code == 302 and response.location == "/beranda"
    home = client.get("/beranda")
    assert user.full_name in home.text
    auth.logout()
    assert client.get("/beranda").status_code == 302


def test_wrong_password_says_so(client, auth, make_user):
    user = make_user("monitor")
    response = auth.login(user.username, "salah-sandi")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah" in response.text


def test_session_changes_at_login(client, auth, make_user):
    user = make_user("monitor")
    client.get("/masuk")
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    auth.login(user.username)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_copied_cookie_stops_working_after_logout(app, client, auth, make_user):
    user = make_user("monitor")
    auth.login(user.username)
    stolen = {c.key: c.value for c in client._cookies.values()}
    auth.logout()
    thief = app.test_client()
    for key, value in stolen.items():
        thief.set_cookie(key, value)
    assert thief.get("/api/v1/session").status_code == 401


def test_deactivated_user_loses_access_at_once(app, client, auth, make_user):
    from webapp.accounts.services import set_active
    from webapp.extensions import db

    user = make_user("monitor")
    auth.login(user.username)
    assert client.get("/api/v1/session").status_code == 200
    with app.app_context():
        set_active(db.session.get(type(user), user.id), False)
        db.session.commit()
    assert client.get("/api/v1/session").status_code == 401


def test_remember_me_sets_a_long_lived_httponly_cookie(client, auth, make_user):
    user = make_user("monitor")
    response = auth.login(user.username, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember


def test_login_redirects_only_to_local_paths(client, auth, make_user):
    user = make_user("monitor")
    page = client.get("/masuk")
    token = csrf(page.text)
    response = client.post("/masuk?next=https://evil.example/", data={
        "username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.location == "/beranda"


def test_login_is_rate_limited(tmp_path, database_url):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE_ROOT = str(tmp_path)
        RATELIMIT_ENABLED = True
        LOGIN_RATE_LIMIT = "3 per minute"

    app = create_app(Config)
    client = app.test_client()
    responses = []
    for _ in range(5):
        page = client.get("/masuk")
        responses.append(client.post("/masuk", data={"username": "x", "password": "y", "csrf_token": csrf(page.text)}))
    with app.app_context():
        db.engine.dispose()
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert "Terlalu banyak percobaan" in responses[-1].text


def test_api_without_session_gets_json_401_not_a_redirect(client):
    response = client.get("/api/v1/session")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"
    assert "masuk" in response.json["message"].lower()


def test_html_page_without_session_redirects_to_login(client):
    response = client.get("/beranda")
    assert response.status_code == 302 and response.location.startswith("/masuk")


@pytest.mark.parametrize(("lang", "text"), [("id", "Masuk ke Pantau"), ("en", "Sign in to Pantau")])
def test_interface_language_can_be_chosen(client, lang, text):
    assert text in client.get(f"/masuk?lang={lang}").text
    assert text in client.get("/masuk").text  # remembered in the session


def test_security_headers(client):
    headers = client.get("/masuk").headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "'unsafe-inline'" not in directives["script-src"]
    # Pinned to the exact CDN files (with their SRI hashes in the page), never a whole host.
    assert "https://unpkg.com/leaflet@1.9.4/dist/leaflet.js" in directives["script-src"]
    for name in ("script-src", "style-src", "style-src-elem", "img-src"):
        for source in directives[name]:
            if source.startswith("https://unpkg.com"):
                assert source.endswith((".js", ".css", "/images/")), (name, source)
                assert "@" in source, (name, source)  # a pinned version
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers


def test_production_sends_hsts(tmp_path):
    from webapp.config import ProductionConfig

    class Config(ProductionConfig):
        SECRET_KEY = "k" * 40
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'h.sqlite'}"
        STORAGE_ROOT = str(tmp_path)

    response = create_app(Config).test_client().get("/api/v1/ping")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
