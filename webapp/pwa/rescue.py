"""Rescue: import an outbox a phone exported ("Ekspor antrean") through the sync API's own rules.

A phone that can never reach the server (broken, lost signal for good, a browser that will not
sync) hands its outbox over as a JSON file with the photos in base64. This command sends every
item through `ingest_batch` and every photo through `store_attachment`, exactly the services
behind POST /api/v1/submissions/batch and PUT /api/v1/attachments/<uuid>: the same validation,
the same idempotency (importing a file twice changes nothing), nothing half-written.
"""
import base64
import binascii
import json
import uuid as uuidlib
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from webapp import scopes
from webapp.accounts.models import User
from webapp.domain_errors import DomainError, Forbidden
from webapp.errors import status_of
from webapp.extensions import db
from webapp.submissions.intake import accept_batch, accept_photo
from webapp.vocabulary import ItemOutcome

#: The format marker rescue.js writes.
FORMAT = "pantau-outbox"
BATCH_SIZE = 100


class RescueFileError(ValueError):
    """The file is not an outbox export this version can read."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    duplicate: list[str] = field(default_factory=list)
    rejected: dict[str, dict] = field(default_factory=dict)
    photos_stored: list[str] = field(default_factory=list)
    photos_failed: dict[str, str] = field(default_factory=dict)
    #: Photos the server still lacks and the file does not hold.
    photos_absent: list[str] = field(default_factory=list)


def parse_export(data: bytes) -> dict:
    """The export document, checked for shape (not content: the services check that)."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RescueFileError(f"Berkas bukan JSON yang valid: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RescueFileError("Berkas ini bukan ekspor antrean Pantau (format 'pantau-outbox').")
    if document.get("version") != 1:
        raise RescueFileError(f"Versi ekspor {document.get('version')!r} tidak dikenal.")
    items = document.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("submission"), dict)
                                              for i in items):
        raise RescueFileError("Daftar 'items' tidak ada atau rusak.")
    return document


def _photo_bytes(items: list[dict]) -> dict[str, str]:
    """Photo UUID (lower case) -> base64 text, from every item of the file."""
    photos: dict[str, str] = {}
    for item in items:
        for photo in item.get("photos") or []:
            if isinstance(photo, dict) and isinstance(photo.get("uuid"), str) and isinstance(photo.get("data"), str):
                photos[photo["uuid"].lower()] = photo["data"]
    return photos


def _store_photo(user, photo_uuid: str, encoded: str, report: ImportReport) -> None:
    try:
        data = base64.b64decode(encoded, validate=True)
        accept_photo(user, uuidlib.UUID(photo_uuid), data)
    except (binascii.Error, ValueError) as exc:
        db.session.rollback()
        report.photos_failed[photo_uuid] = f"Data foto rusak: {exc}"
        return
    except DomainError as exc:
        db.session.rollback()
        report.photos_failed[photo_uuid] = str(exc.message or status_of(exc))
        return
    report.photos_stored.append(photo_uuid)


def import_outbox(user: User, document: dict) -> ImportReport:
    """Ingest every item of an export as `user`, then its photos; commits batch by batch."""
    if not scopes.can_submit(user):
        raise Forbidden("Pengguna ini tidak boleh mengirim isian.")
    items = document["items"]
    photos = _photo_bytes(items)
    report = ImportReport()
    for start in range(0, len(items), BATCH_SIZE):
        chunk = [item["submission"] for item in items[start:start + BATCH_SIZE]]
        outcome = accept_batch(user, chunk)
        for result in outcome.results:
            if result.status == ItemOutcome.REJECTED:
                report.rejected[str(result.uuid)] = result.errors
                continue
            (report.created if result.status == ItemOutcome.CREATED else report.duplicate).append(str(result.uuid))
            for photo_uuid in result.missing_attachments:
                encoded = photos.get(photo_uuid.lower())
                if encoded is None:
                    report.photos_absent.append(photo_uuid)
                else:
                    _store_photo(user, photo_uuid, encoded, report)
    return report


@click.command("import-outbox")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", required=True, help="The monitor whose outbox this is.")
@click.option("--force", is_flag=True, help="Import even though the file names another user.")
@with_appcontext
def import_outbox_command(path, username, force):
    """Import a phone's exported outbox (Ekspor antrean) through the sync API's validation."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"Pengguna {username!r} tidak ada.")
    with open(path, "rb") as handle:
        try:
            document = parse_export(handle.read())
        except RescueFileError as exc:
            raise click.ClickException(str(exc)) from exc
    exported_by = (document.get("user") or {}).get("username")
    if exported_by and exported_by != user.username and not force:
        raise click.ClickException(
            f"Berkas ini diekspor oleh {exported_by!r}, bukan {user.username!r}. "
            "Periksa lagi, atau pakai --force bila memang benar."
        )
    try:
        report = import_outbox(user, document)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message or status_of(exc))) from exc
    click.echo(f"Kiriman baru: {len(report.created)}; sudah ada: {len(report.duplicate)}; "
               f"ditolak: {len(report.rejected)}.")
    click.echo(f"Foto tersimpan: {len(report.photos_stored)}; gagal: {len(report.photos_failed)}; "
               f"tidak ada di berkas: {len(report.photos_absent)}.")
    for submission_uuid, errors in report.rejected.items():
        detail = "; ".join(f"{key}: {' '.join(map(str, msgs))}" for key, msgs in errors.items())
        click.echo(f"  ditolak {submission_uuid}: {detail}")
    for photo_uuid, message in report.photos_failed.items():
        click.echo(f"  foto gagal {photo_uuid}: {message}")
    if report.rejected or report.photos_failed or report.photos_absent:
        raise SystemExit(1)
