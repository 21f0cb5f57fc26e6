"""Temporary passwords and the change a user must make after one."""
import secrets

from flask_babel import gettext as _

from webapp import audit
from webapp.accounts.models import User
from webapp.accounts.passwords import validate_new_password
from webapp.domain_errors import Invalid

#: Letters and digits that cannot be confused when read aloud or off a printed slip.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 12


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def new_password_problems(password: str, username: str | None = None) -> list[str]:
    """The rules a new password must meet (accounts.passwords: length, common passwords, patterns)."""
    return validate_new_password(password, username)


def set_own_password(user: User, current: str, new: str) -> None:
    """The user's own new password (required after an admin set or reset it)."""
    errors = {}
    if not user.check_password(current):
        errors["current"] = [_("Kata sandi sekarang salah.")]
    problems = new_password_problems(new, user.username)
    if problems:
        errors["new"] = problems
    elif new == current:
        errors["new"] = [_("Kata sandi baru harus berbeda dari yang sekarang.")]
    if errors:
        raise Invalid.fields(errors)
    user.set_password(new)
    user.must_change_password = False
    audit.record(user, "user.change_password", "user", user.id, None, None)
