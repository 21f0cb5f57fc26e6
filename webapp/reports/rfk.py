"""Laporan Realisasi Fisik dan Keuangan (RFK): one month, for one OPD or for the regency.

Rows run Program → Kegiatan → Sub Kegiatan with their Permendagri 90/2019 codes; a programme or
kegiatan row (and, for the regency, an OPD row) carries the subtotal of the sub kegiatan under
it, the last row the total. For each row: the pagu; the plan to the end of the month (physical
%, cumulative Rp) from the monthly plan (a sub kegiatan without one falls back to the straight
line and is marked *); the realisation the OPD reported for the month (physical %, cumulative
Rp, Rp as % of the pagu); the deviations (realisation − plan, in points); the budget left
(pagu − realised Rp); the problems and follow-up (the OPD's planned action and the follow-ups
linked to the sub kegiatan); and the field verification (the monitor's observation against the
reported progress, flagged beyond VERIFICATION_POINTS).

Subtotals: Rp figures are sums; a physical % is the pagu-weighted mean of the sub kegiatan under
the row (for the plan, over those with a plan); a sub kegiatan without a submitted report for
the month counts as 0 % and Rp 0 in the realisation subtotals, so a missing report lowers them.

The figures come from the monthly evaluation (`webapp.evaluation.monthly.evaluate`), one OPD at
a time (the job's progress moves per OPD), in a fixed number of queries per OPD whatever the
number of kegiatan.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Alignment
from sqlalchemy import func, select

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.accounts.opds import heads_fingerprint
from webapp.evaluation.monthly import MonthFlag, evaluate, thresholds
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.monev.models import Kegiatan, KegiatanGroup, KegiatanPlan, Program
from webapp.monev.plan import PlanSource
from webapp.opd_reports.models import OpdReport
from webapp.regions.services import regency_name
from webapp.reports import printed, printed_pdf, xlsx
from webapp.reports.periods import Period, format_wib, wib_date
from webapp.submissions.models import Submission
from webapp.types import utcnow
from webapp.vocabulary import FollowUpState, FormCode, OpdReportState, label

Progress = Callable[[int], None]
#: Bumped when the layout or a rule of the report changes, so files built before are not reused.
FORMAT_VERSION = 2
NO_REPORT = "Belum ada laporan OPD bulan ini"
NOT_VISITED = "Belum dikunjungi"

COLUMNS = [
    ("Kode", None, 17), ("Program / Kegiatan / Sub Kegiatan", None, 46), ("Pagu (Rp)", None, 17),
    ("Rencana s.d. bulan ini", "Fisik (%)", 9), ("Rencana s.d. bulan ini", "Keuangan (Rp)", 17),
    ("Realisasi s.d. bulan ini", "Fisik (%)", 9), ("Realisasi s.d. bulan ini", "Keuangan (Rp)", 17),
    ("Realisasi s.d. bulan ini", "Keuangan (%)", 9),
    ("Deviasi (realisasi − rencana)", "Fisik (poin)", 9), ("Deviasi (realisasi − rencana)", "Keuangan (poin)", 9),
    ("Sisa anggaran (Rp)", None, 17), ("Permasalahan", None, 30), ("Tindak lanjut", None, 30),
    ("Verifikasi lapangan", None, 24),
]
FORMATS = {3: xlsx.RUPIAH, 4: printed.PCT, 5: xlsx.RUPIAH, 6: printed.PCT, 7: xlsx.RUPIAH, 8: printed.PCT,
           9: printed.POINTS, 10: printed.POINTS, 11: xlsx.RUPIAH}


@dataclass
class Line:
    """One row of the table: a sub kegiatan, or a subtotal (opd, program, kegiatan, total)."""

    level: str
    code: str
    name: str
    pagu: int
    plan_physical: float | None = None
    plan_cash: int | None = None
    real_physical: float | None = None
    real_cash: int | None = None
    problems: str = ""
    followup: str = ""
    verification: str = ""
    verification_flag: bool = False
    linear_plan: bool = False

    @property
    def real_cash_pct(self) -> float | None:
        return round(self.real_cash / self.pagu * 100, 2) if self.real_cash is not None and self.pagu else None

    @property
    def plan_cash_pct(self) -> float | None:
        return self.plan_cash / self.pagu * 100 if self.plan_cash is not None and self.pagu else None

    @property
    def dev_physical(self) -> float | None:
        if self.real_physical is None or self.plan_physical is None:
            return None
        return round(self.real_physical - self.plan_physical, 2)

    @property
    def dev_cash(self) -> float | None:
        if self.real_cash is None or self.plan_cash_pct is None or not self.pagu:
            return None
        return round(self.real_cash / self.pagu * 100 - self.plan_cash_pct, 2)

    @property
    def remaining(self) -> int:
        return self.pagu - (self.real_cash or 0)


class _Sum:
    """Adds sub kegiatan lines into a subtotal line (see the module docstring for the rules)."""

    def __init__(self, level: str, code: str, name: str):
        self.line = Line(level, code, name, 0)
        self.plan_w = 0.0
        self.plan_pagu = 0
        self.plan_cash = None
        self.real_w = 0.0
        self.real_cash = 0
        self.flagged = 0

    def add(self, sub: Line) -> None:
        self.line.pagu += sub.pagu
        if sub.plan_physical is not None:
            self.plan_w += sub.plan_physical * sub.pagu
            self.plan_pagu += sub.pagu
        if sub.plan_cash is not None:
            self.plan_cash = (self.plan_cash or 0) + sub.plan_cash
        self.real_w += (sub.real_physical or 0) * sub.pagu
        self.real_cash += sub.real_cash or 0
        self.flagged += sub.verification_flag

    def done(self) -> Line:
        line = self.line
        line.plan_physical = round(self.plan_w / self.plan_pagu, 2) if self.plan_pagu else None
        line.plan_cash = self.plan_cash
        line.real_physical = round(self.real_w / line.pagu, 2) if line.pagu else None
        line.real_cash = self.real_cash
        line.verification = f"{self.flagged} berbeda" if self.flagged else ""
        line.verification_flag = bool(self.flagged)
        return line


@dataclass
class RfkReport:
    period: Period
    opd: Opd | None
    lines: list[Line] = field(default_factory=list)
    total: Line | None = None
    generated_at: datetime | None = None
    verification_points: float = 10.0
    has_linear: bool = False

    @property
    def scope_name(self) -> str:
        if self.opd is not None:
            return self.opd.name
        regency = regency_name(_region_code()) or ""
        return f"Pemerintah {regency}".strip()


def _region_code() -> str:
    return current_app.config.get("REGION_CODE", "17.01")


def _num(value: float) -> str:
    """45.0 → "45", -15.5 → "-15,5": a figure inside a sentence."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if isinstance(value, float) else str(value)


def _verification(cell, flagged: bool) -> str:
    if cell.observed_physical is None:
        return NOT_VISITED if not cell.visits else ""
    seen = _num(round(cell.observed_physical, 2))
    if cell.reported_physical is None:
        return f"Lapangan {seen} %; belum ada laporan"
    gap = cell.verification_gap
    sign = "+" if gap > 0 else ""
    if flagged:
        return f"BERBEDA {sign}{_num(gap)} poin (lapangan {seen} %)"
    return f"Sesuai (lapangan {seen} %)"


def _followup_text(planned: str | None, items: list) -> str:
    parts = [planned.strip()] if planned and planned.strip() else []
    for f in items:
        if f.status == FollowUpState.CANCELLED:
            continue
        parts.append(f"TL: {f.title} ({label(f.status)}, tenggat {f.due_date:%d-%m-%Y})")
    return "\n".join(parts)


def _texts(reader, year: int, month: int, ids) -> dict[int, tuple]:
    """(problems, planned action) of the month's submitted OPD reports, by kegiatan id."""
    stmt = scopes.opd_reports_query(reader).where(
        OpdReport.year == year, OpdReport.month == month, OpdReport.kegiatan_id.in_(ids),
        OpdReport.state == OpdReportState.SUBMITTED,
    ).with_only_columns(OpdReport.kegiatan_id, OpdReport.problems, OpdReport.planned_action)
    return {row[0]: (row[1], row[2]) for row in db.session.execute(stmt)}


def _sub_line(row, month: int, texts: dict, items: dict) -> Line:
    k, cell = row.kegiatan, row.cell(month)
    problems, planned = texts.get(k.id, (None, None))
    submitted = cell.report_state == OpdReportState.SUBMITTED
    flagged = MonthFlag.VERIFICATION in cell.flags
    return Line(
        level="sub", code=k.code, name=k.name, pagu=k.pagu,
        plan_physical=cell.plan_physical, plan_cash=cell.plan_cash,
        real_physical=cell.reported_physical if submitted else None,
        real_cash=cell.reported_cash if submitted else None,
        problems=(problems or "").strip() if submitted else NO_REPORT,
        followup=_followup_text(planned, items.get(k.id, [])),
        verification=_verification(cell, flagged), verification_flag=flagged,
        linear_plan=row.plan.source == PlanSource.LINEAR,
    )


def _opd_lines(rows, month: int, texts, items, programs, groups) -> tuple[list[Line], Line]:
    """The programme, kegiatan and sub kegiatan rows of one OPD, and its subtotal."""
    def program_key(row):
        program = programs.get(row.kegiatan.program_id)
        group = groups.get(row.kegiatan.group_id)
        return (printed.code_key(program.code if program else ""), printed.code_key(group.code if group else ""),
                printed.code_key(row.kegiatan.code), row.kegiatan.id)

    lines: list[Line] = []
    opd_sum = None
    program_sum = group_sum = None
    program_id = group_id = object()
    pending: list[_Sum] = []
    for row in sorted(rows, key=program_key):
        k = row.kegiatan
        if opd_sum is None:
            opd_sum = _Sum("opd", row.opd.code, row.opd.name)
        if k.program_id != program_id:
            program = programs.get(k.program_id)
            program_id, group_id = k.program_id, object()
            program_sum = _Sum("program", program.code if program else "", program.name if program else "")
            pending.append(program_sum)
            lines.append(program_sum.line)
        if k.group_id != group_id:
            group_id = k.group_id
            group = groups.get(k.group_id)
            group_sum = None
            if group is not None:
                group_sum = _Sum("kegiatan", group.code, group.name)
                pending.append(group_sum)
                lines.append(group_sum.line)
        sub = _sub_line(row, month, texts, items)
        lines.append(sub)
        for total in (opd_sum, program_sum, group_sum):
            if total is not None:
                total.add(sub)
    for total in pending:
        total.done()
    return lines, opd_sum.done() if opd_sum is not None else None


def collect(period: Period, opd_id: int | None = None, progress: Progress | None = None) -> RfkReport:
    """The RFK of `period` (a month) for one OPD, or the regency when `opd_id` is None."""
    progress = progress or (lambda pct: None)
    reader = scopes.report_reader(opd_id)
    year, month = period.first.year, period.first.month
    base = scopes.kegiatan_query(reader).where(Kegiatan.fiscal_year == year)
    opd_ids = base.with_only_columns(Kegiatan.opd_id).distinct().scalar_subquery()
    opds = list(db.session.scalars(select(Opd).where(Opd.id.in_(opd_ids)).order_by(Opd.name, Opd.id)))
    programs = {p.id: p for p in db.session.scalars(
        select(Program).where(Program.id.in_(base.with_only_columns(Kegiatan.program_id).scalar_subquery())))}
    groups = {g.id: g for g in db.session.scalars(
        select(KegiatanGroup).where(KegiatanGroup.id.in_(base.with_only_columns(Kegiatan.group_id).scalar_subquery())))}
    report = RfkReport(period=period, opd=db.session.get(Opd, opd_id) if opd_id else None,
                       generated_at=utcnow(), verification_points=thresholds()[1])
    grand = _Sum("total", "", "JUMLAH" if opd_id is not None else "JUMLAH KABUPATEN")
    progress(5)
    for index, opd in enumerate(opds):
        stmt = base.where(Kegiatan.opd_id == opd.id)
        ids = stmt.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
        rows = evaluate(reader, year, kegiatan_stmt=stmt, months=[month])
        texts = _texts(reader, year, month, ids)
        items = followups.for_kegiatan(reader, ids)
        lines, opd_total = _opd_lines(rows, month, texts, items, programs, groups)
        if opd_id is None and opd_total is not None:
            report.lines.append(opd_total)
        report.lines.extend(lines)
        for line in lines:
            if line.level == "sub":
                grand.add(line)
                report.has_linear = report.has_linear or line.linear_plan
        progress(5 + (index + 1) * 85 // max(len(opds), 1))
    report.total = grand.done()
    return report


def data_version(period: Period, opd_id: int | None) -> str:
    """A digest of every input of the RFK of `period` and scope: the DPA rows (codes, names,
    pagu, plans), the OPD reports, the field visits, the follow-ups, the signer and the
    thresholds. Equal digests mean the same file; a few aggregate queries, whatever the size."""
    reader = scopes.report_reader(opd_id)
    year, month = period.first.year, period.first.month
    base = scopes.kegiatan_query(reader).where(Kegiatan.fiscal_year == year)
    ids = base.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
    dpa = printed.rows_digest(db.session.execute(base.order_by(Kegiatan.id).with_only_columns(
        Kegiatan.id, Kegiatan.code, Kegiatan.name, Kegiatan.pagu, Kegiatan.program_id, Kegiatan.group_id,
        Kegiatan.start_date, Kegiatan.end_date)))
    names = printed.rows_digest(db.session.execute(
        select(Program.id, Program.code, Program.name)
        .where(Program.id.in_(base.with_only_columns(Kegiatan.program_id).scalar_subquery())).order_by(Program.id)
    ), db.session.execute(
        select(KegiatanGroup.id, KegiatanGroup.code, KegiatanGroup.name)
        .where(KegiatanGroup.id.in_(base.with_only_columns(Kegiatan.group_id).scalar_subquery()))
        .order_by(KegiatanGroup.id)
    ))
    plans = db.session.execute(select(func.count(), func.max(KegiatanPlan.id), func.max(KegiatanPlan.superseded_at))
                               .where(KegiatanPlan.kegiatan_id.in_(ids))).one()
    reports = db.session.execute(scopes.opd_reports_query(reader).where(
        OpdReport.year == year, OpdReport.month == month, OpdReport.kegiatan_id.in_(ids)).order_by(None)
        .with_only_columns(func.count(), func.max(OpdReport.updated_at), func.max(OpdReport.id))).one()
    first_of_quarter = (month - 1) // 3 * 3 + 1
    start = Period(period.first.replace(month=first_of_quarter), period.last).start_utc
    visits = db.session.execute(scopes.submissions_query(reader).where(
        Submission.form_code == FormCode.MONEV_VISIT, Submission.kegiatan_id.in_(ids),
        Submission.recorded_at >= start, Submission.recorded_at < period.end_utc).order_by(None)
        .with_only_columns(func.count(), func.max(Submission.id), func.max(Submission.reviewed_at),
                           func.count(Submission.reviewed_at))).one()
    opds = db.session.execute(select(Opd.id, Opd.name, Opd.head_name, Opd.head_nip, Opd.head_title).order_by(Opd.id)
                              .where(Opd.id.in_(base.with_only_columns(Kegiatan.opd_id).scalar_subquery()))).all()
    today_in = wib_date(utcnow()) <= period.last
    return printed.digest(
        "rfk", FORMAT_VERSION, period.key, opd_id, dpa, names, tuple(plans), tuple(reports),
        tuple(visits), followups.fingerprint(reader, ids), tuple(map(tuple, opds)), printed.signer(None),
        heads_fingerprint(base.with_only_columns(Kegiatan.opd_id).scalar_subquery()),
        thresholds(), printed.paper_is_f4(), today_in and wib_date(utcnow()),
    )


# --- the spreadsheet ---------------------------------------------------------------------------------

def _values(line: Line) -> list:
    name = line.name + (" *" if line.linear_plan else "")
    return [line.code, name, line.pagu, line.plan_physical, line.plan_cash, line.real_physical, line.real_cash,
            line.real_cash_pct, line.dev_physical, line.dev_cash, line.remaining, line.problems, line.followup,
            line.verification]


def heading_lines(report: RfkReport) -> list[str]:
    lines = [
        report.scope_name,
        f"Bulan {report.period.label()} · Tahun Anggaran {report.period.first.year}",
        f"Dibuat {format_wib(report.generated_at)}. Realisasi dari laporan bulanan OPD yang sudah dikirim; "
        "subtotal fisik dirata-rata menurut pagu; sub kegiatan tanpa laporan dihitung 0.",
        f"Verifikasi lapangan: progres fisik hasil kunjungan dibanding laporan OPD; BERBEDA bila selisih lebih dari "
        f"{_num(report.verification_points)} poin.",
    ]
    if report.has_linear:
        lines.append("* Rencana garis lurus dari tanggal mulai ke selesai (belum ada rencana bulanan DPA).")
    return lines


LEVEL_STYLE = {
    "opd": (xlsx.GROUP_FILL, xlsx.BOLD), "program": (xlsx.GROUP_FILL, xlsx.BOLD), "kegiatan": (None, xlsx.BOLD),
    "sub": (None, None), "total": (xlsx.TOTAL_FILL, xlsx.BOLD),
}
INDENT = {"opd": 0, "program": 0, "kegiatan": 1, "sub": 2, "total": 0}


def write_xlsx(report: RfkReport, path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "RFK"
    title = "LAPORAN REALISASI FISIK DAN KEUANGAN"
    first = xlsx.heading(ws, title, heading_lines(report))
    last = printed.header(ws, first, COLUMNS)
    row = last + 1
    for line in [*report.lines, report.total]:
        fill, font = LEVEL_STYLE[line.level]
        xlsx.write_row(ws, row, _values(line), FORMATS, fill=fill, font=font)
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top", indent=INDENT[line.level])
        if line.verification_flag:
            ws.cell(row=row, column=14).font = xlsx.FLAG_FONT
        row += 1
    printed.signature(ws, row + 2, 12, printed.signer(report.opd), wib_date(report.generated_at))
    printed.print_setup(ws, first, last, f"C{last + 1}", f"{title} {report.period.label()}")
    wb.save(path)


# --- the PDF -------------------------------------------------------------------------------------------

def pdf_rows(report: RfkReport) -> list[printed_pdf.Row]:
    """Each line's cells as the PDF prints them (Indonesian number text)."""
    rows = []
    for line in [*report.lines, report.total]:
        rows.append(printed_pdf.Row(
            line.level,
            [line.code, line.name + (" *" if line.linear_plan else ""), printed.idr(line.pagu),
             printed.dec(line.plan_physical), printed.idr(line.plan_cash), printed.dec(line.real_physical),
             printed.idr(line.real_cash), printed.dec(line.real_cash_pct), printed.signed_dec(line.dev_physical),
             printed.signed_dec(line.dev_cash), printed.idr(line.remaining), line.problems, line.followup,
             line.verification],
            INDENT[line.level], 13 if line.verification_flag else None))
    return rows


def write_pdf(report: RfkReport, path) -> None:
    printed_pdf.write(printed_pdf.Document(
        title="LAPORAN REALISASI FISIK DAN KEUANGAN", lead=heading_lines(report),
        footer=f"RFK {report.period.label()} · {report.scope_name}", columns=COLUMNS,
        fitted={0, *range(2, 11)}, right=set(range(2, 11)), name_column=1, rows=pdf_rows(report),
        signer=printed.signer(report.opd), place_date=printed.place_and_date(wib_date(report.generated_at)),
        f4=printed.paper_is_f4()), path)


def build(path, period: Period, opd_id: int | None, fmt: str, progress: Progress | None = None) -> None:
    progress = progress or (lambda pct: None)
    report = collect(period, opd_id, progress)
    (write_pdf if fmt == "pdf" else write_xlsx)(report, path)
    progress(99)
