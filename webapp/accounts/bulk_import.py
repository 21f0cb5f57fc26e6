"""Users in bulk from a CSV or XLSX file: a dry-run preview, then every row or none.

Columns: username, nama, peran, kode_kecamatan, kode_opd, telepon, email, kepala (the last three
optional). A username already in Pantau updates that user (name, role, scope, contact); a new one
is created with a generated initial password, which is returned once — to be handed over as a
printed slip — and stored only hashed. The user must choose a new password at first login.

`kepala` ("ya" or "tidak") marks or unmarks the head of the user's OPD; left empty, an existing
head stays one while they stay in their OPD. An OPD has one head: a file that would give one two
(two rows, or a row and a head the file leaves in place) is refused with the row that does it.
"""
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import audit, cells
from webapp.accounts.models import Opd, User
from webapp.accounts.opds import head_taken_message
from webapp.accounts.password_change import temporary_password
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.regions.models import Kecamatan
from webapp.tabular import MAX_ROWS, TableError, read_table
from webapp.vocabulary import Role

REQUIRED_COLUMNS = ("username", "nama", "peran", "kode_kecamatan", "kode_opd")
OPTIONAL_COLUMNS = ("telepon", "email", "kepala")
YES, NO = ("ya", "y", "1", "true"), ("tidak", "t", "0", "false")
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
        head_text = _text(values, "kepala", reasons).lower()
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
        user = existing.get(username)
        is_head = _head(head_text, user, role, opd_id, reasons)
        if reasons:
            results.append(UserRowResult(line, username, ERROR, reasons=reasons))
            continue
        wanted = {"full_name": full_name, "role": role, "kecamatan_id": kecamatan_id, "opd_id": opd_id,
                  "phone": phone, "email": email, "is_head": is_head}
        if user is None:
            results.append(UserRowResult(line, username, NEW, values=wanted))
            continue
        changes = [k for k, v in wanted.items() if getattr(user, k) != v]
        results.append(UserRowResult(line, username, CHANGED if changes else UNCHANGED, changes=changes, values=wanted))
    _one_head_per_opd(results, existing, opds)
    return UserPreview(results)


def _head(text: str, user: User | None, role: str, opd_id: int | None, reasons: list[str]) -> bool:
    """Whether the row's user heads their OPD after the import."""
    if text in YES:
        if role != Role.OPD or opd_id is None:
            reasons.append(_("kepala: hanya pengguna OPD yang dapat ditandai sebagai kepala OPD-nya"))
        return True
    if text and text not in NO:
        reasons.append(_("kepala: '%(value)s' tidak dikenal; isi ya atau tidak", value=text))
    # Left empty: a head moved to another OPD or role no longer heads the old one.
    return bool(not text and user is not None and user.is_head and role == Role.OPD and user.opd_id == opd_id)


def _one_head_per_opd(results: list[UserRowResult], existing: dict[str, User], opds: dict[str, int]) -> None:
    """Turn into errors the rows that would give an OPD a second head: another row of the file
    heads it, or a user the file leaves as they are heads it."""
    in_file = {r.code for r in results}
    heads_left = {u.opd_id: u for u in existing.values() if u.is_head and u.opd_id and u.username not in in_file}
    codes = {opd_id: code for code, opd_id in opds.items()}
    heading: dict[int, int] = {}
    for result in results:
        if result.status == ERROR or not result.values.get("is_head"):
            continue
        opd_id = result.values["opd_id"]
        if opd_id in heading:
            result.reasons.append(_("kepala: OPD %(code)s sudah diberi kepala di baris %(line)d; satu OPD hanya "
                                    "boleh punya satu kepala", code=codes.get(opd_id, ""), line=heading[opd_id]))
        elif opd_id in heads_left:
            result.reasons.append(_("kepala: %(message)s Atau tandai dia 'tidak' di berkas ini.",
                                    message=head_taken_message(opd_id)))
        else:
            heading[opd_id] = result.line
            continue
        result.status, result.changes = ERROR, []


def import_users(data: bytes, filename: str, actor) -> tuple[UserPreview, list[tuple[str, str, str]]]:
    """Write every row of a valid file (flushes; the caller commits). Returns the preview and the
    (username, full name, initial password) of each new user — the only time those passwords exist in clear."""
    preview = preview_users(data, filename)
    if not preview.ok:
        raise UsersInvalid(preview)
    existing = {u.username: u for u in db.session.scalars(
        select(User).where(User.username.in_([r.code for r in preview.results if r.status == CHANGED])))}
    # Heads that stop being one are written first: the unit of work orders updates by id, and the
    # OPD's new head may come before the old one.
    for result in preview.results:
        if result.status == CHANGED and "is_head" in result.changes and not result.values["is_head"]:
            existing[result.code].is_head = False
    db.session.flush()
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
            if "is_head" in before:
                before["is_head"] = not result.values["is_head"]
            for key in result.changes:
                setattr(user, key, result.values[key])
            audit.record(actor, "user.update", "user", user.id, before, {k: result.values[k] for k in result.changes})
    try:
        db.session.flush()
    except IntegrityError:
        # Someone marked a head in the console while the file was being imported.
        db.session.rollback()
        raise Invalid(_("Sebuah OPD akan punya dua kepala (ada yang baru saja ditandai di konsol); tidak ada yang "
                        "diimpor. Unggah berkas itu lagi untuk melihat baris mana.")) from None
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
    sheet.append(["petugas.kotamanna1", "Petugas Lapangan Kota Manna 1", "monitor", "17.01.05", "", "081234567890", "",
                  ""])
    sheet.append(["camat.pino", "Camat Pino", "camat", "17.01.03", "", "", "camat.pino@example.go.id", ""])
    sheet.append(["operator.dlh", "Operator DLH", "opd", "", "DLH", "", "", "tidak"])
    sheet.append(["kepala.dlh", "Kepala Dinas Lingkungan Hidup", "opd", "", "DLH", "", "", "ya"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
