"""An uploaded import file kept between its preview and its confirmation (never a password in it)."""
import secrets
from pathlib import Path

from flask import current_app

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _dir() -> Path:
    path = Path(current_app.config["STORAGE_ROOT"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(data: bytes) -> str:
    """Store the upload; returns the token the confirmation form sends back."""
    token = secrets.token_urlsafe(24)
    (_dir() / token).write_bytes(data)
    return token


def load(token: str) -> bytes | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _dir() / token
    return path.read_bytes() if path.is_file() else None


def discard(token: str) -> None:
    if token and token.replace("-", "").replace("_", "").isalnum():
        (_dir() / token).unlink(missing_ok=True)
