import pytest

from webapp import create_app
from webapp.accounts.models import User
from webapp.config import DevelopmentConfig, ProductionConfig, TestingConfig


@pytest.mark.parametrize("base", [DevelopmentConfig, ProductionConfig])
def test_production_and_development_hash_passwords_with_scrypt(base, tmp_path):
    class Config(base):
        SECRET_KEY = "x" * 48
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite'}"
        STORAGE_ROOT = str(tmp_path / "storage")

    app = create_app(Config)
    with app.app_context():
        user = User(username="u", full_name="U", role="monitor")
        user.set_password("rahasia-123")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("rahasia-123")


def test_only_the_testing_configuration_uses_the_cheap_hash(app):
    with app.app_context():
        user = User(username="u", full_name="U", role="monitor")
        user.set_password("rahasia-123")
    assert TestingConfig.PASSWORD_HASH_METHOD == "pbkdf2:sha256:1"
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert user.check_password("rahasia-123") and not user.check_password("rahasia-124")


def test_a_scrypt_hash_made_elsewhere_still_verifies_under_the_testing_configuration(app):
    from werkzeug.security import generate_password_hash

    user = User(username="u", full_name="U", role="monitor", password_hash=generate_password_hash("x" * 10, "scrypt"))
    assert user.check_password("x" * 10)


def test_a_process_checks_one_password_at_a_time_so_its_memory_holds_one_scrypt_buffer(app, monkeypatch):
    """scrypt takes 32 MB on purpose; two threads of one web worker hashing at once would double it."""
    import threading
    import time

    from webapp.accounts import models

    running, overlap = [], []

    def slow_check(password_hash, password):
        running.append(1)
        overlap.append(len(running))
        time.sleep(0.05)
        running.pop()
        return True

    monkeypatch.setattr(models, "check_password_hash", slow_check)
    user = User(username="u", full_name="U", role="monitor", password_hash="scrypt:…")
    threads = [threading.Thread(target=user.check_password, args=("x" * 10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlap) == 4 and max(overlap) == 1
