"""Logins that resist guessing: no timing tells whether a user exists, limits per account and per IP."""
import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.helpers import csrf
from webapp import audit, create_app
from webapp.accounts import services as account_services
from webapp.accounts.models import User
from webapp.config import TestingConfig
from webapp.extensions import db
from webapp.types import utcnow

WRONG = "bukan-sandinya-9"


def _post_login(client, username, password, **kwargs):
    page = client.get("/masuk", **kwargs)
    return client.post("/masuk", data={"username": username, "password": password, "csrf_token": csrf(page.text)},
                       **kwargs)


def _user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_every_answer_checks_exactly_one_password_hash(app, client, make_user, monkeypatch):
    user = make_user("monitor")
    calls = []
    from webapp.accounts import models

    real = models.check_password_hash  # every check, dummy or real, goes through verify_password

    def counting(hashed, password):
        calls.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    for username, password in (("tidak-ada-orangnya", WRONG), (user.username, WRONG), (user.username, PASSWORD)):
        calls.clear()
        _post_login(app.test_client(), username, password)
        assert len(calls) == 1, (username, password, len(calls))


@pytest.fixture
def production_hashing(app):
    """The production hash method (the suite's is fast on purpose), so the timing is the real one."""
    from webapp.config import Config

    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    yield
    app.config["PASSWORD_HASH_METHOD"] = TestingConfig.PASSWORD_HASH_METHOD


@pytest.mark.slow
def test_an_unknown_username_takes_as_long_as_a_wrong_password(app, production_hashing, make_user):
    user = make_user("monitor")
    timings = {"unknown": [], "known": []}
    with app.test_request_context():
        for _round in range(7):
            for kind, name in (("unknown", "tidak-ada-orangnya"), ("known", user.username)):
                started = time.perf_counter()
                assert account_services.authenticate(name, WRONG) is None
                timings[kind].append(time.perf_counter() - started)
                db.session.rollback()
    unknown, known = statistics.median(timings["unknown"]), statistics.median(timings["known"])
    print(f"login median: unknown user {unknown * 1000:.1f} ms, known user with a wrong password {known * 1000:.1f} ms")
    assert 0.6 < unknown / known < 1.6


def test_an_account_is_locked_after_five_wrong_passwords_and_the_lock_is_audited(app, make_user):
    user = make_user("monitor")
    client = app.test_client()
    for _ in range(5):
        _post_login(client, user.username, WRONG)
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 200 and "Nama pengguna atau kata sandi salah" in response.text
    stored = _user(app, user.username)
    assert stored.failed_logins == 5 and stored.locked_until > utcnow() + timedelta(seconds=50)
    with app.app_context():
        events = db.session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == "account.lock")).all()
        assert [e.object_id for e in events] == [str(user.id)]


def test_the_lock_grows_with_each_further_wrong_password(app):
    from webapp.accounts.lockout import lock_seconds

    config = {"LOGIN_LOCK_AFTER": 5, "LOGIN_LOCK_SECONDS": 60, "LOGIN_LOCK_MAX_SECONDS": 3600}
    assert [lock_seconds(n, config) for n in (4, 5, 6, 7, 8, 20, 10_000)] == [0, 60, 120, 240, 480, 3600, 3600]


def test_the_lock_ends_by_itself(app, make_user):
    user = make_user("monitor")
    client = app.test_client()
    for _ in range(5):
        _post_login(client, user.username, WRONG)
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _post_login(client, user.username, PASSWORD).status_code == 302
    assert _user(app, user.username).failed_logins == 0


def test_an_admin_lifts_the_lock_with_the_command(app, runner, make_user):
    user = make_user("monitor")
    client = app.test_client()
    for _ in range(6):
        _post_login(client, user.username, WRONG)
    assert _post_login(client, user.username, PASSWORD).status_code == 200
    result = runner.invoke(args=["unlock-user", "--username", user.username])
    assert result.exit_code == 0 and "dibuka" in result.output
    assert _post_login(client, user.username, PASSWORD).status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(audit.AuditEvent.action).order_by(audit.AuditEvent.id)).all()
        assert actions[-1] == "account.unlock"


def test_unlock_account_is_a_service_the_admin_console_can_call(app, make_user):
    from webapp.accounts.lockout import unlock_account

    admin, user = make_user("admin"), make_user("monitor")
    with app.app_context():
        stored = db.session.get(User, user.id)
        stored.failed_logins, stored.locked_until = 7, utcnow() + timedelta(hours=1)
        assert unlock_account(stored, db.session.get(User, admin.id)) is True
        db.session.commit()
        event = db.session.scalar(select(audit.AuditEvent).where(audit.AuditEvent.action == "account.unlock"))
        assert event.actor_id == admin.id and event.before["failed_logins"] == 7
        assert unlock_account(stored, None) is False


@pytest.fixture
def limited_app(tmp_path, database_url):
    def build(**settings):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = database_url
            STORAGE_ROOT = str(tmp_path)
            RATELIMIT_ENABLED = True
            LOGIN_RATE_LIMIT = "20 per 10 minutes"

        for key, value in settings.items():
            setattr(Config, key, value)
        built.append(create_app(Config))
        return built[-1]

    built = []
    yield build
    for application in built:
        with application.app_context():
            db.engine.dispose()


def test_wrong_passwords_for_one_user_do_not_block_another_users_login_from_the_same_ip(limited_app, make_user):
    app = limited_app()
    victim, colleague = make_user("monitor"), make_user("monitor")
    client = app.test_client()
    for _ in range(10):
        _post_login(client, victim.username, WRONG)
    assert _post_login(app.test_client(), colleague.username, PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_each_client_ip_has_its_own_limit(limited_app, make_user):
    app = limited_app(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="3 per minute")
    user = make_user("monitor")
    attacker = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "203.0.113.7"}}
    honest = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "headers": {"X-Forwarded-For": "198.51.100.20"}}
    client = app.test_client()
    codes = [_post_login(client, "tebakan", WRONG, **attacker).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _post_login(app.test_client(), user.username, PASSWORD, **honest).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [_post_login(client, "tebakan", WRONG, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(4)]
    assert codes == [200, 200, 200, 429]


def _api_login(client, username, password):
    token = client.get("/api/v1/session/token").json["csrf_token"]
    return client.post("/api/v1/session", json={"username": username, "password": password},
                       headers={"X-CSRFToken": token})


def test_the_field_apps_login_counts_toward_the_same_lock(app, make_user):
    user = make_user("monitor")
    client = app.test_client()
    codes = [_api_login(client, user.username, WRONG).status_code for _ in range(5)]
    assert codes == [401] * 5
    assert _api_login(client, user.username, PASSWORD).status_code == 401
    assert _user(app, user.username).is_locked
