"""New passwords: at least 10 characters, not a common one, not a pattern — wherever a password is set."""
import pytest

from webapp.accounts.passwords import common_passwords, validate_new_password
from webapp.demo import DEFAULT_DEMO_PASSWORD

WEAK = ["12345678", " " * 8, " " * 12, "weak2weak2", "password123", "Password123", "qwertyuiop", "1234567890",
        "aaaaaaaaaaaa", "abcabcabcabc", "iloveyou12"]


def test_the_shipped_list_holds_the_common_passwords():
    assert len(common_passwords()) > 19_000
    assert {"123456", "password", "qwerty123", "iloveyou"} <= common_passwords()


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(app, password):
    with app.test_request_context():
        assert validate_new_password(password), password


@pytest.mark.parametrize("password", [DEFAULT_DEMO_PASSWORD, "rahasia-123", "sandi-kuat-1", "Kopi Manna pagi 7"])
def test_ordinary_good_passwords_pass(app, password):
    with app.test_request_context():
        assert validate_new_password(password) == []


def test_a_password_holding_the_username_is_refused(app):
    with app.test_request_context():
        assert validate_new_password("budi.santoso-2026", username="budi.santoso")


@pytest.mark.parametrize("password", ["12345678", "        ", "weak2weak2", "password123"])
def test_create_user_refuses_a_weak_password_for_an_admin(runner, password):
    result = runner.invoke(args=["create-user", "--username", "admin2", "--password", password, "--role", "admin"])
    assert result.exit_code == 1
    assert "password:" in result.output


def test_create_user_explains_the_problem_in_english_too(app):
    with app.test_request_context("/?lang=en"):
        from flask_babel import refresh

        refresh()
        assert "common" in validate_new_password("password123")[0]
