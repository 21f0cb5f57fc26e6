"""An import file between its preview and its confirmation, and the upload → preview → confirm
step that the DPA and the users-in-bulk imports share (never a password in a kept file).

A preview keeps the uploaded bytes under STORAGE_ROOT/imports by a random token; the confirmation
sends the token back and the file is read again, so nothing is written before the admin confirms
and a confirmed file is the previewed one. A file left behind (a preview never confirmed) is
removed by the nightly sweep after a day (webapp/jobs_sweep.py).
"""
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, flash
from flask_babel import gettext as _

from webapp.domain_errors import Invalid
from webapp.extensions import db

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _dir() -> Path:
    path = Path(current_app.config["STORAGE_ROOT"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _valid(token: str) -> bool:
    return bool(token) and token.replace("-", "").replace("_", "").isalnum()


def keep(data: bytes) -> str:
    """Store the upload; returns the token the confirmation form sends back."""
    token = secrets.token_urlsafe(24)
    (_dir() / token).write_bytes(data)
    return token


def load(token: str) -> bytes | None:
    if not _valid(token):
        return None
    path = _dir() / token
    return path.read_bytes() if path.is_file() else None


def discard(token: str) -> None:
    if _valid(token):
        (_dir() / token).unlink(missing_ok=True)


@dataclass
class Staged:
    """Where an import POST got to: a preview to show (with the token to confirm it), a file that
    could not be read, a confirmed import's result, or a preview file that is gone."""

    preview: object | None = None
    token: str | None = None
    filename: str = ""
    file_error: str | None = None
    result: object | None = None
    expired: bool = False
    status: int = 200

    @property
    def page(self) -> dict:
        """What the import page's template reads."""
        return {"preview": self.preview, "token": self.token, "filename": self.filename,
                "file_error": self.file_error}


def stage(form, files, preview: Callable[[bytes, str], object], commit: Callable[[bytes, str], object]) -> Staged:
    """Upload → preview (nothing written) → confirm (everything or nothing).

    `preview(data, filename)` returns the rows with their verdicts; `commit(data, filename)` writes
    them all. Either raises Invalid: with a `preview` (bad rows), shown as the preview; without (the
    file is not a table), shown as the file's error. A confirmation commits the session."""
    token = form.get("token", "")
    filename = form.get("filename", "")[:200]
    if token:
        data = load(token)
        if data is None:
            flash(_("Berkas pratinjau sudah tidak ada; unggah lagi."), "error")
            return Staged(expired=True)
    else:
        upload = files.get("file")
        data, filename = b"", ""
        if upload:
            with upload.stream:  # a large upload is spooled to a temporary file: closed once read
                data, filename = upload.read(MAX_UPLOAD_BYTES + 1), (upload.filename or "")[:200]
        if len(data) > MAX_UPLOAD_BYTES:
            return Staged(file_error=_("Berkas lebih dari 10 MB."), status=413)
    try:
        if token and form.get("confirm") == "1":
            result = commit(data, filename)
            db.session.commit()
            discard(token)
            return Staged(result=result, filename=filename)
        shown = preview(data, filename)
    except Invalid as exc:
        db.session.rollback()
        shown = getattr(exc, "preview", None)
        if shown is None:
            return Staged(file_error=str(exc), status=422)
    if not token:
        token = keep(data) if shown.ok else None
    return Staged(preview=shown, token=token, filename=filename, status=200 if shown.ok else 422)
