"""Users in bulk from a CSV or XLSX file: a dry-run preview, then every row or none.

Columns: username, nama, peran, kode_kecamatan, kode_opd, telepon, email (the last two optional).
A username already in Pantau updates that user (name, role, scope, contact); a new one is created
with a generated initial password, which is returned once — to be handed over as a printed slip —
and stored only hashed. The user must choose a new password at first login.
"""
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import audit, cells
from webapp.accounts.models import Opd, User
from webapp.accounts.password_change import temporary_password
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.regions.models import Kecamatan
from webapp.tabular import MAX_ROWS, TableError, read_table
from webapp.vocabulary import Role

REQUIRED_COLUMNS = ("username", "nama", "peran", "kode_kecamatan", "kode_opd")
OPTIONAL_COLUMNS = ("telepon", "email")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class UserRowResult:
    line: int
    code: str  # the username, named "code" so previews share one template
    status: str
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


@dataclass
class UserPreview:
    results: list[UserRowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def errors(self) -> list[UserRowResult]:
        return [r for r in self.results if r.status == ERROR]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.errors


class UsersInvalid(Invalid):
    """The file has bad rows: nothing was written; `preview` has every row's verdict."""

    def __init__(self, preview: UserPreview):
        super().__init__(_("%(n)d baris bermasalah; tidak ada yang diimpor.", n=len(preview.errors)))
        self.preview = preview


def _text(record: dict, column: str, reasons: list[str]) -> str:
    try:
        return cells.text(record.get(column))
    except cells.CellError as exc:
        reasons.append(f"{column}: {exc}")
        return ""


def preview_users(data: bytes, filename: str = "") -> UserPreview:
    """What importing the file would do, row by row; writes nothing."""
    table = read_table(data, filename)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise TableError(_("Kolom wajib tidak ada: %(columns)s. Unduh templat untuk melihat susunan kolomnya.",
                           columns=", ".join(missing)))
    index = {name: i for i, name in reversed(list(enumerate(table.header))) if name}
    kecamatan = {k.code: k.id for k in db.session.scalars(select(Kecamatan))}
    opds = {o.code.upper(): o.id for o in db.session.scalars(select(Opd))}
    existing = {u.username: u for u in db.session.scalars(select(User))}
    results, seen = [], {}
    for count, (line, record) in enumerate(table.rows, start=1):
        if count > MAX_ROWS:
            raise TableError(_("Berkas berisi lebih dari %(max)s baris data; bagi menjadi beberapa berkas (misalnya per OPD).",
                               max="10.000"))
        values = {c: record[index[c]] if index[c] < len(record) else None for c in COLUMNS if c in index}
        reasons: list[str] = []
        username = _text(values, "username", reasons).lower()
        full_name = _text(values, "nama", reasons)
        role = _text(values, "peran", reasons).lower()
        kec_code = _text(values, "kode_kecamatan", reasons)
        opd_code = _text(values, "kode_opd", reasons).upper()
        phone = _text(values, "telepon", reasons) or None
        email = _text(values, "email", reasons) or None
        if not USERNAME.match(username):
            reasons.append(_("username: '%(value)s' harus 2–64 huruf kecil, angka, titik, garis bawah atau tanda hubung",
                             value=username))
        elif username in seen:
            reasons.append(_("username: %(value)s sudah ada di baris %(line)d", value=username, line=seen[username]))
        else:
            seen[username] = line
        if not full_name or len(full_name) > 120:
            reasons.append(_("nama: wajib diisi (paling panjang 120 karakter)"))
        if role not in Role.values():
            reasons.append(_("peran: '%(value)s' tidak dikenal; pilih %(roles)s", value=role, roles=", ".join(Role.values())))
        kecamatan_id = opd_id = None
        if kec_code:
            kecamatan_id = kecamatan.get(kec_code)
            if kecamatan_id is None:
                reasons.append(_("kode_kecamatan: '%(code)s' tidak ada di kabupaten ini", code=kec_code))
        elif role == "camat":
            reasons.append(_("kode_kecamatan: wajib untuk camat"))
        if opd_code:
            opd_id = opds.get(opd_code)
            if opd_id is None:
                reasons.append(_("kode_opd: OPD '%(code)s' tidak dikenal", code=opd_code))
        elif role == "opd":
            reasons.append(_("kode_opd: wajib untuk pengguna OPD"))
        if email and (len(email) > 120 or not EMAIL.match(email)):
            reasons.append(_("email: '%(value)s' bukan alamat email", value=email))
        if phone and (len(phone) > 32 or not re.fullmatch(r"[0-9+() -]{6,32}", phone)):
            reasons.append(_("telepon: '%(value)s' bukan nomor telepon", value=phone))
        if reasons:
            results.append(UserRowResult(line, username, ERROR, reasons=reasons))
            continue
        wanted = {"full_name": full_name, "role": role, "kecamatan_id": kecamatan_id, "opd_id": opd_id,
                  "phone": phone, "email": email}
        user = existing.get(username)
        if user is None:
            results.append(UserRowResult(line, username, NEW, values=wanted))
            continue
        changes = [k for k, v in wanted.items() if getattr(user, k) != v]
        results.append(UserRowResult(line, username, CHANGED if changes else UNCHANGED, changes=changes, values=wanted))
    return UserPreview(results)


def import_users(data: bytes, filename: str, actor) -> tuple[UserPreview, list[tuple[str, str, str]]]:
    """Write every row of a valid file (flushes; the caller commits). Returns the preview and the
    (username, full name, initial password) of each new user — the only time those passwords exist in clear."""
    preview = preview_users(data, filename)
    if not preview.ok:
        raise UsersInvalid(preview)
    existing = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_([r.code for r in preview.results if r.status == CHANGED])))}
    slips = []
    for result in preview.results:
        if result.status == NEW:
            password = temporary_password()
            user = User(username=result.code, must_change_password=True, **result.values)
            user.set_password(password)
            db.session.add(user)
            slips.append((result.code, result.values["full_name"], password))
        elif result.status == CHANGED:
            user = existing[result.code]
            before = {k: getattr(user, k) for k in result.changes}
            for key in result.changes:
                setattr(user, key, result.values[key])
            audit.record(actor, "user.update", "user", user.id, before, {k: result.values[k] for k in result.changes})
    db.session.flush()
    if slips or preview.count(CHANGED):
        audit.record(actor, "user.import", "user_file", (filename or "-")[:64], None,
                     {"new": [s[0] for s in slips], "changed": preview.count(CHANGED)})
    return preview, slips


def slips_xlsx(slips: list[tuple[str, str, str]]) -> bytes:
    """The initial passwords as a workbook to print and cut into slips."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kata sandi awal"
    sheet.append(["username", "nama", "kata_sandi_awal"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for slip in slips:
        sheet.append(list(slip))
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pengguna"
    sheet.append(list(COLUMNS))
    sheet.append(["petugas.kotamanna1", "Petugas Lapangan Kota Manna 1", "monitor", "17.01.05", "", "081234567890", ""])
    sheet.append(["camat.pino", "Camat Pino", "camat", "17.01.03", "", "", "camat.pino@example.go.id"])
    sheet.append(["operator.dlh", "Operator DLH", "opd", "", "DLH", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
