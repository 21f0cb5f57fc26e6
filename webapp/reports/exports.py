"""Exports within the requesting user's scope: submissions of a form version (CSV, XLSX), sites
(GeoJSON) and the photos of a period (ZIP with a manifest).

Everything streams: rows come from the database `yield_per` at a time (a server-side cursor on
PostgreSQL) and go straight to the file, so memory stays flat however many rows there are.
Scoping is `webapp.scopes`: a camat's export holds their kecamatan only.
"""
import csv
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import func, select

from webapp import scopes, storage
from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.forms.models import Form, FormVersion
from webapp.forms.validator import form_fields
from webapp.monev.models import Kegiatan
from webapp.regions.models import Desa, Kecamatan
from webapp.reports.periods import Period, to_wib, wib_naive
from webapp.reports.xlsx import neutralise
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import stored_display_key
from webapp.vocabulary import AttachmentState, ReviewState, SiteKind, SyncState

#: Rows fetched from the database per round trip.
BATCH = 2000
Progress = Callable[[int], None]

META_COLUMNS = [
    "UUID kiriman", "Formulir", "Versi formulir", "Waktu rekam (WIB)", "Waktu diterima (WIB)", "Petugas",
    "Kecamatan", "Desa/Kelurahan", "Lokasi", "UUID lokasi", "Lintang", "Bujur", "Akurasi GPS (m)", "Skor",
    "Status sinkron", "Status tinjauan", "Catatan tinjauan", "Bukti ditandai",
]


class ExportError(Exception):
    """A reason the export cannot be made, shown to the user as is."""


@dataclass
class SubmissionFilter:
    form_version_id: int
    first: date | None = None
    last: date | None = None
    kecamatan_id: int | None = None
    approved_only: bool = False

    @classmethod
    def from_params(cls, params: dict) -> "SubmissionFilter":
        return cls(
            form_version_id=int(params["form_version_id"]),
            first=date.fromisoformat(params["start"]) if params.get("start") else None,
            last=date.fromisoformat(params["end"]) if params.get("end") else None,
            kecamatan_id=params.get("kecamatan_id"),
            approved_only=bool(params.get("approved_only")),
        )

    def apply(self, stmt):
        if self.first is not None:
            stmt = stmt.where(Submission.recorded_at >= Period(self.first, self.first).start_utc)
        if self.last is not None:
            stmt = stmt.where(Submission.recorded_at < Period(self.last, self.last).end_utc)
        if self.kecamatan_id is not None:
            stmt = stmt.where(Submission.kecamatan_id == self.kecamatan_id)
        if self.approved_only:
            stmt = stmt.where(Submission.review_state == ReviewState.APPROVED)
        return stmt


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _stream(stmt):
    return db.session.execute(stmt.execution_options(yield_per=BATCH))


class _Ticker:
    """Calls `progress` with a percentage every BATCH rows."""

    def __init__(self, total: int, progress: Progress | None, start: int = 5, end: int = 95):
        self.total, self.progress, self.start, self.end, self.done = total, progress, start, end, 0

    def tick(self) -> None:
        self.done += 1
        if self.progress and self.total and self.done % BATCH == 0:
            self.progress(self.start + (self.end - self.start) * self.done // self.total)


# --- answers as columns -------------------------------------------------------------------------

def _label(spec: dict) -> str:
    label = spec.get("label") or {}
    return label.get("id") or label.get("en") or spec.get("name", "")


def _option_labels(spec: dict) -> dict:
    return {o["value"]: _label(o) for o in spec.get("options", [])}


def _number_text(value) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


class AnswerColumns:
    """One column per question of a form version, values rendered with Indonesian labels."""

    def __init__(self, definition: dict, lookups: dict[str, dict[str, str]]):
        self.fields = form_fields(definition)
        self.lookups = lookups
        self.options = {name: _option_labels(spec) for name, spec in self.fields}

    @property
    def header(self) -> list[str]:
        return [_label(spec) for _name, spec in self.fields]

    def values(self, answers) -> list:
        answers = answers if isinstance(answers, dict) else {}
        return [self.render(spec, answers.get(name), self.options[name]) for name, spec in self.fields]

    def render(self, spec: dict, value, options: dict | None = None):
        """A cell value: numbers stay numbers, everything else becomes readable text."""
        if value is None or value == "" or value == []:
            return None
        kind = spec.get("type")
        options = options if options is not None else _option_labels(spec)
        if kind in ("integer", "decimal"):
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        if kind == "yes_no":
            return "Ya" if value is True else "Tidak" if value is False else str(value)
        if kind == "select_one":
            return self._choice(spec, value, options)
        if kind == "select_many" and isinstance(value, list):
            return "; ".join(self._choice(spec, v, options) for v in value)
        if kind == "photo" and isinstance(value, list):
            return " ".join(str(v) for v in value)
        if kind == "geopoint" and isinstance(value, dict):
            text = f"{_number_text(value.get('lat'))}, {_number_text(value.get('lon'))}"
            return text + (f" (±{_number_text(value['accuracy_m'])} m)" if value.get("accuracy_m") is not None else "")
        if kind == "repeat" and isinstance(value, list):
            return " | ".join(self._repeat_item(spec, item) for item in value if isinstance(item, dict))
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def _choice(self, spec: dict, value, options: dict) -> str:
        source = spec.get("options_from")
        if source:
            return self.lookups.get(source, {}).get(str(value), str(value))
        return options.get(value, str(value))

    def _repeat_item(self, spec: dict, item: dict) -> str:
        parts = []
        for sub in spec.get("fields", []):
            rendered = self.render(sub, item.get(sub["name"]))
            if rendered is not None:
                parts.append(f"{_label(sub)}: {_number_text(rendered) if not isinstance(rendered, str) else rendered}")
        return "; ".join(parts)


def option_lookups() -> dict[str, dict[str, str]]:
    """Labels of the options that come from the database (the visit form's kegiatan and OPD)."""
    return {
        "kegiatan": {code: f"{code} — {name}" for code, name in db.session.execute(select(Kegiatan.code, Kegiatan.name))},
        "opd": {code: name for code, name in db.session.execute(select(Opd.code, Opd.name))},
    }


# --- submissions --------------------------------------------------------------------------------

def _submission_stmt(user: User, flt: SubmissionFilter):
    stmt = (
        scopes.submissions_query(user)
        .with_only_columns(
            Submission.uuid, Submission.recorded_at, Submission.received_at, User.full_name, Kecamatan.name,
            Desa.name, Site.name, Site.uuid, Submission.lat, Submission.lon, Submission.accuracy_m,
            Submission.score, Submission.status, Submission.review_state, Submission.review_note,
            Submission.flagged, Submission.answers,
        )
        .select_from(Submission)
        .join(User, User.id == Submission.user_id)
        .outerjoin(Kecamatan, Kecamatan.id == Submission.kecamatan_id)
        .outerjoin(Site, Site.id == Submission.site_id)
        .outerjoin(Desa, Desa.id == Site.desa_id)
        .where(Submission.form_version_id == flt.form_version_id)
    )
    return flt.apply(stmt).order_by(Submission.recorded_at, Submission.id)


def _form_version(form_version_id: int) -> tuple[FormVersion, Form]:
    version = db.session.get(FormVersion, form_version_id)
    if version is None:
        raise ExportError("Versi formulir tidak ditemukan.")
    return version, version.form


def submission_records(user: User, flt: SubmissionFilter, progress: Progress | None = None) -> Iterator[list]:
    """The header, then one typed row per submission (datetimes naive WIB)."""
    version, form = _form_version(flt.form_version_id)
    columns = AnswerColumns(version.definition, option_lookups())
    yield META_COLUMNS + columns.header
    stmt = _submission_stmt(user, flt)
    ticker = _Ticker(_count(stmt), progress)
    for row in _stream(stmt):
        yield [
            str(row[0]), form.code, version.version, wib_naive(row[1]), wib_naive(row[2]), row[3], row[4], row[5],
            row[6], str(row[7]) if row[7] else None, row[8], row[9], row[10], row[11],
            SyncState.label_of(row[12]), ReviewState.label_of(row[13]), row[14],
            "Ya" if row[15] else "Tidak",
            *columns.values(row[16]),
        ]
        ticker.tick()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return _number_text(value)
    return neutralise(value)


def write_submissions_csv(path, user: User, params: dict, progress: Progress | None = None) -> int:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Indonesian text right."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        for record in submission_records(user, SubmissionFilter.from_params(params), progress):
            writer.writerow([_csv_value(v) for v in record])
            rows += 1
    return rows - 1


def write_submissions_xlsx(path, user: User, params: dict, progress: Progress | None = None) -> int:
    """openpyxl's write-only mode streams rows to disk as inline strings: nothing accumulates."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Kiriman")
    ws.freeze_panes = "B2"
    rows = 0
    for record in submission_records(user, SubmissionFilter.from_params(params), progress):
        ws.append([_xlsx_cell(ws, v) for v in record])
        rows += 1
    workbook.save(path)
    return rows - 1


def _xlsx_cell(ws, value):
    if isinstance(value, str):
        # Typed text, not a formula: a monitor's note must never run in the reader's spreadsheet,
        # not even after someone edits the cell or saves the sheet as CSV.
        cell = WriteOnlyCell(ws, neutralise(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    return value


# --- sites --------------------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return to_wib(moment).isoformat(timespec="seconds") if moment else None


def write_sites_geojson(path, user: User, params: dict, progress: Progress | None = None) -> int:
    """A FeatureCollection of the sites in scope, written one feature at a time."""
    stmt = (
        scopes.sites_query(user)
        .with_only_columns(
            Site.uuid, Site.name, Site.kind, Site.lat, Site.lon, Desa.code, Desa.name, Kecamatan.code,
            Kecamatan.name, SiteStatus.geber_score, SiteStatus.geber_at, SiteStatus.approved_score,
            SiteStatus.approved_at, SiteStatus.monev_status, SiteStatus.flagged,
        )
        .select_from(Site)
        .join(Desa, Desa.id == Site.desa_id)
        .join(Kecamatan, Kecamatan.id == Site.kecamatan_id)
        .outerjoin(SiteStatus, SiteStatus.site_id == Site.id)
        .order_by(Kecamatan.code, Desa.code, Site.name, Site.id)
    )
    if params.get("kecamatan_id") is not None:
        stmt = stmt.where(Site.kecamatan_id == params["kecamatan_id"])
    ticker = _Ticker(_count(stmt), progress)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('{"type":"FeatureCollection","features":[\n')
        for row in _stream(stmt):
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row[4], row[3]]},
                "properties": {
                    "uuid": str(row[0]), "nama": row[1], "jenis": row[2], "jenis_label": SiteKind.label_of(row[2]),
                    "desa_kode": row[5], "desa": row[6], "kecamatan_kode": row[7], "kecamatan": row[8],
                    "skor_terakhir": row[9], "cek_terakhir": _iso(row[10]),
                    "skor_disetujui": row[11], "cek_disetujui": _iso(row[12]),
                    "status_monev": row[13], "ditandai": bool(row[14]),
                },
            }
            handle.write(("," if count else "") + json.dumps(feature, ensure_ascii=False) + "\n")
            count += 1
            ticker.tick()
        handle.write("]}\n")
    return count


# --- photos -------------------------------------------------------------------------------------

MANIFEST_COLUMNS = [
    "Berkas", "Keterangan", "UUID foto", "UUID kiriman", "Formulir", "Versi formulir", "Pertanyaan",
    "Waktu rekam (WIB)", "Petugas", "Kecamatan", "Desa/Kelurahan", "Lokasi", "Lintang", "Bujur", "Skor",
    "Status tinjauan", "SHA-256 berkas", "Ukuran berkas (byte)",
]


def _photo_stmt(user: User, params: dict):
    period = Period(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))
    stmt = (
        scopes.submissions_query(user)
        .with_only_columns(
            Attachment.uuid, Attachment.field, Attachment.state, Submission.uuid, Form.code, FormVersion.version,
            FormVersion.id, Submission.recorded_at, User.full_name, Kecamatan.name, Desa.name, Site.name,
            Submission.lat, Submission.lon, Submission.score, Submission.review_state, Attachment.content_type,
        )
        .select_from(Submission)
        .join(Attachment, Attachment.submission_id == Submission.id)
        .join(FormVersion, FormVersion.id == Submission.form_version_id)
        .join(Form, Form.id == FormVersion.form_id)
        .join(User, User.id == Submission.user_id)
        .outerjoin(Kecamatan, Kecamatan.id == Submission.kecamatan_id)
        .outerjoin(Site, Site.id == Submission.site_id)
        .outerjoin(Desa, Desa.id == Site.desa_id)
        .where(Submission.recorded_at >= period.start_utc, Submission.recorded_at < period.end_utc)
        .order_by(Submission.recorded_at, Submission.id, Attachment.id)
    )
    if params.get("form"):
        stmt = stmt.where(Submission.form_code == params["form"])
    if params.get("kecamatan_id") is not None:
        stmt = stmt.where(Submission.kecamatan_id == params["kecamatan_id"])
    if params.get("approved_only"):
        stmt = stmt.where(Submission.review_state == ReviewState.APPROVED)
    return stmt


def _copy_into(archive: zipfile.ZipFile, source, name: str) -> tuple[str, int]:
    """Copy a file into the archive in chunks; its sha256 and size."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src, archive.open(name, "w", force_zip64=True) as dst:
        while chunk := src.read(1 << 16):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_photos_zip(path, user: User, params: dict, progress: Progress | None = None) -> int:
    """The display copies (without metadata) of the photos of a period, and manifest.csv.

    Photos not processed yet, or whose file is missing, are listed in the manifest with the reason
    and no file, so nothing is left out silently.
    """
    stmt = _photo_stmt(user, params)
    ticker = _Ticker(_count(stmt), progress)
    questions: dict[int, dict[str, str]] = {}
    seen: dict[tuple, int] = {}
    files = 0
    fd, manifest_path = tempfile.mkstemp(suffix=".csv", dir=os.path.dirname(path))
    try:
        # JPEG and WebP photos do not compress: storing them saves time and keeps the archive streamable.
        with os.fdopen(fd, "w", newline="", encoding="utf-8-sig") as manifest, \
                zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            writer = csv.writer(manifest)
            writer.writerow(MANIFEST_COLUMNS)
            for row in _stream(stmt):
                (att_uuid, field, state, sub_uuid, form_code, version, version_id, recorded_at, monitor, kec,
                 desa, site, lat, lon, score, review_state, content_type) = row
                if version_id not in questions:
                    definition = db.session.get(FormVersion, version_id).definition
                    questions[version_id] = {name: _label(spec) for name, spec in form_fields(definition)}
                number = seen[(sub_uuid, field)] = seen.get((sub_uuid, field), 0) + 1
                local = wib_naive(recorded_at)
                name, note, sha, size = "", "", "", ""
                key = stored_display_key(att_uuid, content_type)
                if state != AttachmentState.PROCESSED:
                    note = "Foto belum diproses server; tidak disertakan."
                elif key is None:
                    note = "Berkas foto tidak ditemukan di penyimpanan."
                else:
                    name = f"foto/{local:%Y-%m-%d}/{sub_uuid}_{field}_{number}{Path(key).suffix}"
                    sha, size = _copy_into(archive, storage.path_for(key), name)
                    files += 1
                writer.writerow([_csv_value(v) for v in (
                    name, note, str(att_uuid), str(sub_uuid), form_code, version,
                    questions[version_id].get(field, field), local, monitor, kec, desa, site, lat, lon, score,
                    ReviewState.label_of(review_state), sha, size,
                )])
                ticker.tick()
            manifest.flush()
            archive.write(manifest_path, "manifest.csv", compress_type=zipfile.ZIP_DEFLATED)
    finally:
        os.unlink(manifest_path)
    return files
