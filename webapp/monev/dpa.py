"""Importing the DPA: Program → Kegiatan → Sub Kegiatan with their monthly plans, from CSV or XLSX.

`preview_dpa` reads the whole file and says, row by row, what importing it would do (new,
changed, unchanged, or an error with its reasons) and writes nothing. `import_dpa` applies the
same rules and writes every row or none: it refuses a file with any bad row. A sub kegiatan is
matched by fiscal year, OPD and code, so importing the same file again changes nothing, and a
revised DPA (DPA Perubahan) updates the rows it changes, keeping the previous plan as a dated
revision.
"""
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from webapp import audit, cells
from webapp.accounts.models import Opd
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.monev.models import MONTHS, Kegiatan, KegiatanGroup, KegiatanPlan, Program, kegiatan_site
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site
from webapp.tabular import MAX_ROWS, Cell, TableError, read_table
from webapp.types import utcnow

MONTH_KEYS = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des")
PHYSICAL_COLUMNS = tuple(f"fisik_{m}" for m in MONTH_KEYS)
CASH_COLUMNS = tuple(f"kas_{m}" for m in MONTH_KEYS)
REQUIRED_COLUMNS = (
    "tahun", "kode_opd", "kode_program", "nama_program", "kode_kegiatan", "nama_kegiatan",
    "kode_sub_kegiatan", "nama_sub_kegiatan", "pagu", "indikator", "target", "satuan",
    "tanggal_mulai", "tanggal_selesai",
) + PHYSICAL_COLUMNS + CASH_COLUMNS
OPTIONAL_COLUMNS = ("keluaran", "kode_kecamatan", "kode_desa", "kode_lokasi")
COLUMNS = REQUIRED_COLUMNS[:12] + OPTIONAL_COLUMNS + REQUIRED_COLUMNS[12:]

#: Permendagri 90/2019: program 1.03.03, kegiatan 1.03.03.2.01, sub kegiatan 1.03.03.2.01.0001
#: (X for the urusan of programmes shared by every OPD, e.g. X.XX.01).
PROGRAM_CODE = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}$")
GROUP_CODE = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}$")
SUB_CODE = re.compile(r"^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}\.\d{4}$")
#: A plan ends at 100 % and at the pagu "within rounding": the last month may miss by this much.
PHYSICAL_TOLERANCE = 0.5
CASH_TOLERANCE = 1_000

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class DpaRow:
    """One valid row, with codes resolved to ids."""

    line: int
    fiscal_year: int
    opd_id: int
    program_code: str
    program_name: str
    group_code: str
    group_name: str
    code: str
    name: str
    pagu: int
    target_indicator: str
    target_value: float
    target_unit: str
    planned_output: str | None
    kecamatan_id: int | None
    desa_id: int | None
    site_ids: tuple[int, ...]
    start_date: date
    end_date: date
    physical: tuple[float, ...] | None
    cash: tuple[int, ...] | None

    @property
    def key(self) -> tuple[int, int, str]:
        return self.fiscal_year, self.opd_id, self.code


@dataclass
class RowResult:
    line: int
    code: str
    name: str
    status: str
    #: Why the row is an error (empty otherwise).
    reasons: list[str] = field(default_factory=list)
    #: Which fields a changed row changes.
    changes: list[str] = field(default_factory=list)


@dataclass
class DpaPreview:
    filename: str
    results: list[RowResult]
    rows: list[DpaRow]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.results if r.status == ERROR]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.errors


class DpaInvalid(Invalid):
    """The file has bad rows (or none at all): nothing was written; `preview` has every row's verdict."""

    def __init__(self, preview: DpaPreview):
        super().__init__(_("%(n)d baris bermasalah; tidak ada yang diimpor.", n=len(preview.errors)))
        self.preview = preview


# --- reading ------------------------------------------------------------------------------------

class _Lookups:
    """Every code a row may name, loaded once per file."""

    def __init__(self):
        self.opd = {o.code.upper(): o.id for o in db.session.scalars(select(Opd))}
        self.kecamatan = {k.code: k.id for k in db.session.scalars(select(Kecamatan))}
        self.desa = {d.code: (d.id, d.kecamatan_id) for d in db.session.scalars(select(Desa))}
        self._sites: dict[uuidlib.UUID, int] | None = None

    def site(self, value: uuidlib.UUID) -> int | None:
        if self._sites is None:
            self._sites = {uuid: site_id for uuid, site_id in db.session.execute(select(Site.uuid, Site.id))}
        return self._sites.get(value)


def _parse_row(line: int, values: dict[str, Cell], lookups: _Lookups) -> tuple[DpaRow | None, list[str], str, str]:
    reasons: list[str] = []

    def read(column, reader):
        try:
            return reader(values.get(column))
        except cells.CellError as exc:
            reasons.append(f"{column}: {exc}")
            return None

    def required_text(column, limit):
        value = read(column, cells.text)
        if value == "":
            reasons.append(_("%(column)s: wajib diisi", column=column))
        elif value is not None and len(value) > limit:
            reasons.append(_("%(column)s: paling panjang %(limit)d karakter", column=column, limit=limit))
        return value

    code = read("kode_sub_kegiatan", cells.text) or ""
    name = read("nama_sub_kegiatan", cells.text) or ""
    year = read("tahun", cells.number)
    if year is not None and (year != int(year) or not 2000 <= year <= 2100):
        reasons.append(_("tahun: '%(value)s' bukan tahun anggaran", value=values["tahun"].value))
        year = None
    year = int(year) if year is not None else None
    opd_code = (read("kode_opd", cells.text) or "").upper()
    opd_id = lookups.opd.get(opd_code)
    if opd_code and opd_id is None:
        reasons.append(_("kode_opd: OPD '%(code)s' tidak dikenal", code=opd_code))
    elif not opd_code:
        reasons.append(_("%(column)s: wajib diisi", column="kode_opd"))

    program_code = required_text("kode_program", 40)
    group_code = required_text("kode_kegiatan", 40)
    if not code:
        reasons.append(_("%(column)s: wajib diisi", column="kode_sub_kegiatan"))
    if program_code and not PROGRAM_CODE.match(program_code):
        reasons.append(_("kode_program: '%(code)s' tidak sesuai pola Permendagri 90/2019 (contoh 1.03.03)",
                         code=program_code))
    if group_code and not GROUP_CODE.match(group_code):
        reasons.append(_("kode_kegiatan: '%(code)s' tidak sesuai pola Permendagri 90/2019 (contoh 1.03.03.2.01)",
                         code=group_code))
    elif group_code and program_code and not group_code.startswith(program_code + "."):
        reasons.append(_("kode_kegiatan: '%(code)s' bukan bagian dari program %(program)s",
                         code=group_code, program=program_code))
    if code and not SUB_CODE.match(code):
        reasons.append(_("kode_sub_kegiatan: '%(code)s' tidak sesuai pola Permendagri 90/2019 "
                         "(contoh 1.03.03.2.01.0001)", code=code))
    elif code and group_code and not code.startswith(group_code + "."):
        reasons.append(_("kode_sub_kegiatan: '%(code)s' bukan bagian dari kegiatan %(group)s",
                         code=code, group=group_code))
    program_name = required_text("nama_program", 300)
    group_name = required_text("nama_kegiatan", 300)
    required_text("nama_sub_kegiatan", 300)

    pagu = read("pagu", cells.rupiah)
    if pagu is not None and pagu <= 0:
        reasons.append(_("pagu: harus lebih dari 0 (tertulis %(value)s)", value=values["pagu"].value))
        pagu = None
    indicator = required_text("indikator", 300)
    unit = required_text("satuan", 40)
    target = read("target", cells.number)
    if target is not None and target < 0:
        reasons.append(_("target: tidak boleh negatif"))
    output = read("keluaran", cells.text) or None

    kecamatan_id = desa_id = None
    kec_code = read("kode_kecamatan", cells.text)
    if kec_code:
        kecamatan_id = lookups.kecamatan.get(kec_code)
        if kecamatan_id is None:
            reasons.append(_("kode_kecamatan: '%(code)s' tidak ada di kabupaten ini", code=kec_code))
    desa_code = read("kode_desa", cells.text)
    if desa_code:
        found = lookups.desa.get(desa_code)
        if found is None:
            reasons.append(_("kode_desa: '%(code)s' tidak ada di kabupaten ini", code=desa_code))
        elif kec_code and kecamatan_id is not None and found[1] != kecamatan_id:
            reasons.append(_("kode_desa: desa %(desa)s tidak berada di kecamatan %(kec)s", desa=desa_code, kec=kec_code))
        else:
            desa_id, kecamatan_id = found
    site_ids = []
    for raw in re.split(r"[;,\s]+", read("kode_lokasi", cells.text) or ""):
        if not raw:
            continue
        try:
            site_id = lookups.site(uuidlib.UUID(raw))
        except ValueError:
            site_id = None
        if site_id is None:
            reasons.append(_("kode_lokasi: lokasi '%(code)s' tidak dikenal", code=raw))
        else:
            site_ids.append(site_id)

    start, end = read("tanggal_mulai", cells.day), read("tanggal_selesai", cells.day)
    if start and end and end < start:
        reasons.append(_("tanggal_selesai: sebelum tanggal_mulai"))
    if year is not None:
        for column, value in (("tanggal_mulai", start), ("tanggal_selesai", end)):
            if value is not None and value.year != year:
                reasons.append(_("%(column)s: %(date)s di luar tahun anggaran %(year)d",
                                 column=column, date=value.isoformat(), year=year))

    physical = cash = None
    plan_cells = [values.get(c) for c in PHYSICAL_COLUMNS + CASH_COLUMNS]
    if not all(cells.is_blank(c) for c in plan_cells):
        physical = [read(c, cells.percent) for c in PHYSICAL_COLUMNS]
        cash = [read(c, cells.rupiah) for c in CASH_COLUMNS]
        reasons.extend(_plan_problems(physical, cash, pagu))

    if reasons:
        return None, reasons, code, name
    return DpaRow(
        line=line, fiscal_year=year, opd_id=opd_id, program_code=program_code, program_name=program_name,
        group_code=group_code, group_name=group_name, code=code, name=name, pagu=pagu,
        target_indicator=indicator, target_value=float(target), target_unit=unit, planned_output=output,
        kecamatan_id=kecamatan_id, desa_id=desa_id, site_ids=tuple(sorted(set(site_ids))),
        start_date=start, end_date=end,
        physical=tuple(physical) if physical else None, cash=tuple(cash) if cash else None,
    ), [], code, name


def _thousands(value: int) -> str:
    """1.500.000, as rupiah are written in Indonesia."""
    return f"{value:,}".replace(",", ".")


def _plan_problems(physical: list, cash: list, pagu: int | None) -> list[str]:
    problems = []
    for series, columns in ((physical, PHYSICAL_COLUMNS), (cash, CASH_COLUMNS)):
        for index in range(1, MONTHS):
            before, now = series[index - 1], series[index]
            if before is not None and now is not None and now < before:
                problems.append(_("%(column)s: rencana kumulatif turun (%(now)s setelah %(before)s); "
                                  "isi angka kumulatif yang tidak menurun", column=columns[index], now=now, before=before))
    for column, value in zip(PHYSICAL_COLUMNS, physical):
        if value is not None and not 0 <= value <= 100:
            problems.append(_("%(column)s: persentase harus 0–100 (tertulis %(value)s)", column=column, value=value))
    for column, value in zip(CASH_COLUMNS, cash):
        if value is not None and value < 0:
            problems.append(_("%(column)s: tidak boleh negatif", column=column))
    if physical[-1] is not None and abs(physical[-1] - 100) > PHYSICAL_TOLERANCE:
        problems.append(_("fisik_des: rencana fisik harus berakhir di 100%% (tertulis %(value)s)", value=physical[-1]))
    if cash[-1] is not None and pagu is not None and abs(cash[-1] - pagu) > CASH_TOLERANCE:
        problems.append(_("kas_des: rencana kas harus berakhir sama dengan pagu %(pagu)s (tertulis %(value)s)",
                          pagu=_thousands(pagu), value=_thousands(cash[-1])))
    return problems


def _read_rows(data: bytes, filename: str) -> tuple[list[DpaRow], list[RowResult]]:
    table = read_table(data, filename)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise TableError(_("Kolom wajib tidak ada: %(columns)s. Unduh templat untuk melihat susunan kolomnya.",
                           columns=", ".join(missing)))
    index = {name: i for i, name in reversed(list(enumerate(table.header))) if name}
    wanted = [c for c in COLUMNS if c in index]
    lookups = _Lookups()
    rows, results = [], []
    seen: dict[tuple, int] = {}
    names: dict[tuple, tuple[str, int]] = {}
    count = 0
    for line, record in table.rows:
        count += 1
        if count > MAX_ROWS:
            raise TableError(_("Berkas berisi lebih dari %(max)s baris data; bagi menjadi beberapa berkas (misalnya per OPD).",
                               max=_thousands(MAX_ROWS)))
        values = {c: record[index[c]] if index[c] < len(record) else None for c in wanted}
        row, reasons, code, name = _parse_row(line, values, lookups)
        # Duplicates are found on the codes as written, so a bad first row still reveals a second one.
        raw_key = tuple(str(getattr(values.get(c), "value", "") or "").strip().upper()
                        for c in ("tahun", "kode_opd", "kode_sub_kegiatan"))
        first = seen.setdefault(raw_key, line) if code else line
        if first != line:
            reasons.append(_("kode_sub_kegiatan: %(code)s sudah ada di baris %(line)d", code=code, line=first))
            row = None
        if row is not None:
            for level, level_code, level_name in (("program", row.program_code, row.program_name),
                                                  ("kegiatan", row.group_code, row.group_name)):
                earlier = names.setdefault((level, row.fiscal_year, row.opd_id, level_code), (level_name, line))
                if earlier[0] != level_name:
                    reasons.append(_("nama_%(level)s: berbeda dengan baris %(line)d untuk kode %(code)s",
                                     level=level, line=earlier[1], code=level_code))
        if reasons:
            results.append(RowResult(line, code, name, ERROR, reasons=reasons))
            continue
        rows.append(row)
        results.append(RowResult(line, row.code, row.name, NEW))
    return rows, results


# --- comparing with the database -----------------------------------------------------------------

def _existing(rows: list[DpaRow]) -> dict[tuple, Kegiatan]:
    years = {r.fiscal_year for r in rows}
    if not years:
        return {}
    found = db.session.scalars(
        select(Kegiatan).where(Kegiatan.fiscal_year.in_(years))
        .options(selectinload(Kegiatan.plan), selectinload(Kegiatan.sites), selectinload(Kegiatan.program),
                 selectinload(Kegiatan.group))
    )
    return {(k.fiscal_year, k.opd_id, k.code): k for k in found}


def _snapshot(k: Kegiatan) -> dict:
    plan = k.plan
    return {
        "name": k.name, "program": k.program.name if k.program else None, "kegiatan": k.group.name if k.group else None,
        "pagu": k.pagu, "indikator": k.target_indicator, "target": k.target_value, "satuan": k.target_unit,
        "keluaran": k.planned_output, "kecamatan_id": k.kecamatan_id, "desa_id": k.desa_id,
        "lokasi": sorted(s.id for s in k.sites),
        "tanggal_mulai": k.start_date.isoformat() if k.start_date else None,
        "tanggal_selesai": k.end_date.isoformat() if k.end_date else None,
        "rencana_fisik": list(plan.physical_pct) if plan else None, "rencana_kas": list(plan.cash) if plan else None,
    }


def _row_snapshot(r: DpaRow) -> dict:
    return {
        "name": r.name, "program": r.program_name, "kegiatan": r.group_name, "pagu": r.pagu,
        "indikator": r.target_indicator, "target": r.target_value, "satuan": r.target_unit,
        "keluaran": r.planned_output, "kecamatan_id": r.kecamatan_id, "desa_id": r.desa_id,
        # An empty kode_lokasi keeps the sites already linked in Pantau (the DPA rarely knows them).
        "lokasi": list(r.site_ids) or None, "tanggal_mulai": r.start_date.isoformat(),
        "tanggal_selesai": r.end_date.isoformat(),
        "rencana_fisik": list(r.physical) if r.physical else None, "rencana_kas": list(r.cash) if r.cash else None,
    }


def _changes(before: dict, after: dict) -> list[str]:
    return [key for key in after if before.get(key) != after[key] and not (key == "lokasi" and after[key] is None)]


def preview_dpa(data: bytes, filename: str = "") -> DpaPreview:
    """What importing the file would do, row by row; writes nothing. A file that is not a table
    raises TableError."""
    rows, results = _read_rows(data, filename)
    existing = _existing(rows)
    by_line = {r.line: r for r in results}
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            continue
        changes = _changes(_snapshot(current), _row_snapshot(row))
        result = by_line[row.line]
        result.status = CHANGED if changes else UNCHANGED
        result.changes = changes
    return DpaPreview(filename, results, rows)


# --- writing ----------------------------------------------------------------------------------

def import_dpa(data: bytes, filename: str = "", user=None) -> DpaPreview:
    """Write every row of a valid file in the caller's transaction (flushes; the caller commits)."""
    preview = preview_dpa(data, filename)
    if not preview.ok:
        raise DpaInvalid(preview)
    existing = _existing(preview.rows)
    status = {r.line: r for r in preview.results}
    programs = {(p.fiscal_year, p.opd_id, p.code): p for p in db.session.scalars(
        select(Program).where(Program.fiscal_year.in_({r.fiscal_year for r in preview.rows})))}
    groups = {(g.fiscal_year, g.opd_id, g.code): g for g in db.session.scalars(
        select(KegiatanGroup).where(KegiatanGroup.fiscal_year.in_({r.fiscal_year for r in preview.rows})))}
    sites = {}
    wanted_sites = {i for r in preview.rows for i in r.site_ids}
    if wanted_sites:
        sites = {s.id: s for s in db.session.scalars(select(Site).where(Site.id.in_(wanted_sites)))}
    now = utcnow()
    source = (filename or "")[:200] or None
    fresh: list[tuple[DpaRow, Program, KegiatanGroup]] = []
    for row in preview.rows:
        result = status[row.line]
        if result.status == UNCHANGED:
            continue
        program = programs.get((row.fiscal_year, row.opd_id, row.program_code))
        if program is None:
            program = Program(code=row.program_code, name=row.program_name, opd_id=row.opd_id, fiscal_year=row.fiscal_year)
            programs[(row.fiscal_year, row.opd_id, row.program_code)] = program
            db.session.add(program)
        program.name = row.program_name
        group = groups.get((row.fiscal_year, row.opd_id, row.group_code))
        if group is None:
            group = KegiatanGroup(code=row.group_code, name=row.group_name, program=program, opd_id=row.opd_id,
                                  fiscal_year=row.fiscal_year)
            groups[(row.fiscal_year, row.opd_id, row.group_code)] = group
            db.session.add(group)
        group.name = row.group_name
        kegiatan = existing.get(row.key)
        if kegiatan is None:
            fresh.append((row, program, group))
            continue
        before = _snapshot(kegiatan)
        kegiatan.program = program
        kegiatan.group = group
        for name, value in _columns(row).items():
            setattr(kegiatan, name, value)
        if row.site_ids and "lokasi" in result.changes:
            kegiatan.sites = [sites[i] for i in row.site_ids]
        if {"rencana_fisik", "rencana_kas", "pagu"} & set(result.changes) and row.physical is not None:
            _new_plan_revision(kegiatan, row, False, source, user, now)
        elif row.physical is None and before["rencana_fisik"] is not None:
            for plan in kegiatan.plan_revisions:
                if plan.superseded_at is None:
                    plan.superseded_at = now
        audit.record(user, "kegiatan.update", "kegiatan", kegiatan.code,
                     {k: before[k] for k in result.changes}, {k: _row_snapshot(row)[k] for k in result.changes})
    if fresh:
        _insert_new(fresh, source, user, now)
    if preview.count(NEW) or preview.count(CHANGED):
        db.session.flush()
        audit.record(user, "kegiatan.import", "dpa_file", source or "-", None, {
            "new": preview.count(NEW), "changed": preview.count(CHANGED), "unchanged": preview.count(UNCHANGED),
        })
    return preview


def _columns(row: DpaRow) -> dict:
    return {"name": row.name, "pagu": row.pagu, "target_indicator": row.target_indicator,
            "target_value": row.target_value, "target_unit": row.target_unit, "planned_output": row.planned_output,
            "kecamatan_id": row.kecamatan_id, "desa_id": row.desa_id, "start_date": row.start_date,
            "end_date": row.end_date}


def _insert_new(fresh: list, source, user, now) -> None:
    """New sub kegiatan in batched INSERTs (a whole DPA is thousands of rows), with their first plan."""
    db.session.flush()  # programmes and kegiatan groups get their ids
    ids = db.session.scalars(
        insert(Kegiatan).returning(Kegiatan.id, sort_by_parameter_order=True),
        [{"code": row.code, "opd_id": row.opd_id, "fiscal_year": row.fiscal_year, "program_id": program.id,
          "group_id": group.id, **_columns(row)} for row, program, group in fresh],
    ).all()
    plans = [{"kegiatan_id": kegiatan_id, "revision": 1, "physical_pct": list(row.physical), "cash": list(row.cash),
              "pagu": row.pagu, "source": source, "created_at": now, "created_by_id": getattr(user, "id", None)}
             for kegiatan_id, (row, _p, _g) in zip(ids, fresh) if row.physical is not None]
    if plans:
        db.session.execute(insert(KegiatanPlan), plans)
    links = [{"kegiatan_id": kegiatan_id, "site_id": site_id}
             for kegiatan_id, (row, _p, _g) in zip(ids, fresh) for site_id in row.site_ids]
    if links:
        db.session.execute(insert(kegiatan_site), links)


def _new_plan_revision(kegiatan: Kegiatan, row: DpaRow, is_new: bool, source, user, now) -> None:
    revision = 1
    if not is_new:
        for plan in kegiatan.plan_revisions:
            revision = max(revision, plan.revision + 1)
            if plan.superseded_at is None:
                plan.superseded_at = now
    kegiatan.plan_revisions.append(KegiatanPlan(
        revision=revision, physical_pct=list(row.physical), cash=list(row.cash), pagu=row.pagu, source=source,
        created_at=now, created_by_id=getattr(user, "id", None),
    ))
