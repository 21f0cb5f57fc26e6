"""Temporary locks of an account after wrong passwords, growing with each further failure.

After LOGIN_LOCK_AFTER wrong passwords in a row the account takes no login for
LOGIN_LOCK_SECONDS; every wrong password after that doubles the lock, up to
LOGIN_LOCK_MAX_SECONDS. A lock ends by itself or when an admin lifts it; locks and unlocks are
audited. Attempts while locked are not counted (they are refused without looking).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from webapp import audit
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.types import utcnow


def lock_seconds(failures: int, config) -> float:
    """How long an account is locked after this many wrong passwords in a row (0: not locked)."""
    threshold = config["LOGIN_LOCK_AFTER"]
    if failures < threshold:
        return 0
    return min(config["LOGIN_LOCK_SECONDS"] * 2 ** min(failures - threshold, 30), config["LOGIN_LOCK_MAX_SECONDS"])


def record_failure(user: User, ip: str | None) -> None:
    """Count a wrong password (atomically: parallel guesses are all counted) and lock when due."""
    failures = db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    user.failed_logins = failures
    seconds = lock_seconds(failures, current_app.config)
    if seconds:
        user.locked_until = utcnow() + timedelta(seconds=seconds)
        audit.record(None, "account.lock", "user", user.id, {"failed_logins": failures - 1},
                     {"failed_logins": failures, "locked_until": user.locked_until.isoformat(), "ip": ip})


def record_success(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def unlock_account(user: User, by: User | None) -> bool:
    """Lift a lock and forget the wrong passwords (an admin's action, audited); False when there was nothing to lift."""
    if not user.failed_logins and user.locked_until is None:
        return False
    before = {"failed_logins": user.failed_logins,
              "locked_until": user.locked_until.isoformat() if user.locked_until else None}
    user.failed_logins = 0
    user.locked_until = None
    audit.record(by, "account.unlock", "user", user.id, before, {"failed_logins": 0, "locked_until": None})
    return True
