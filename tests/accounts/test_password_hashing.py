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
