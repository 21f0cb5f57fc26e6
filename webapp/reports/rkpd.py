"""Evaluasi terhadap Hasil RKPD (Permendagri 86/2017): per triwulan I–IV and per year.

For each programme, kegiatan and sub kegiatan of the fiscal year, in one OPD or the regency: the
indicator (the sub kegiatan's output indicator and unit); the target (K) and pagu (Rp); the
realisation in each triwulan I–IV (K and Rp); the cumulative realisation; the tingkat capaian
(%) for K (cumulative output / target) and for Rp (cumulative realisation / pagu); the predikat
of each; the responsible OPD. Under the table, per OPD: the faktor pendorong and penghambat the
OPD reported in the period, the follow-up for the next triwulan (the planned action of each sub
kegiatan's latest report) and for the next RKPD (the sub kegiatan whose capaian K stays below the
Tinggi band, with that planned action) — or, where Bappeda or the OPD has reviewed and edited
them (webapp/reports/narratives.py), the edited text.

The OPD's monthly reports are cumulative, so a triwulan's realisation is the cumulative figure of
the latest submitted report at or before the triwulan's last month, less that at the end of the
triwulan before (0 before the first report). A subtotal's Rp figures are sums; its capaian K is
the mean of the capaian K of the sub kegiatan under it that have a target, its capaian Rp the
cumulative Rp over the pagu.

Predikat (Permendagri 86/2017): Sangat Tinggi 91–100 (and above), Tinggi 76–90, Sedang 66–75,
Rendah 51–65, Sangat Rendah ≤ 50; a fraction above a band's top belongs to the band above (90.5
is Sangat Tinggi).
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import func, select

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.accounts.opds import heads_fingerprint
from webapp.extensions import db
from webapp.monev.models import Kegiatan, KegiatanGroup, Program
from webapp.opd_reports.models import OpdReport
from webapp.regions.services import regency_name
from webapp.reports import narratives, printed, printed_pdf, xlsx
# The triwulan live with the other periods, so pages and schemas read them without this module's openpyxl.
from webapp.reports.periods import ROMAN, Quarter, format_wib, parse_quarter, quarter_ended_before, wib_date  # noqa: F401
from webapp.types import utcnow
from webapp.vocabulary import OpdReportState

Progress = Callable[[int], None]
#: Bumped when the layout or a rule of the report changes, so files built before are not reused.
FORMAT_VERSION = 2
#: (lowest capaian, exclusive, of the band; its name), highest band first.
BANDS = ((90, "Sangat Tinggi"), (75, "Tinggi"), (65, "Sedang"), (50, "Rendah"))
LOWEST_BAND = "Sangat Rendah"
K = '#,##0.00'


def predikat(pct: float | None) -> str:
    """The Permendagri 86/2017 band of a tingkat capaian (%)."""
    if pct is None:
        return ""
    return next((name for floor, name in BANDS if pct > floor), LOWEST_BAND)


@dataclass
class Line:
    """One row: a sub kegiatan, or a subtotal (opd, program, kegiatan, total)."""

    level: str
    code: str
    name: str
    opd_name: str
    pagu: int
    indicator: str = ""
    target: float | None = None
    #: Per triwulan I..IV: realisation K and Rp in that triwulan (None after the evaluated one).
    k: list = field(default_factory=lambda: [None] * 4)
    rp: list = field(default_factory=lambda: [None] * 4)
    cum_k: float | None = None
    cum_rp: int | None = None
    capaian_k: float | None = None

    @property
    def capaian_rp(self) -> float | None:
        return round(self.cum_rp / self.pagu * 100, 2) if self.cum_rp is not None and self.pagu else None

    @property
    def predikat_k(self) -> str:
        return predikat(self.capaian_k)

    @property
    def predikat_rp(self) -> str:
        return predikat(self.capaian_rp)


@dataclass
class Notes:
    """What goes under the table for one OPD."""

    opd: Opd
    driving: list[str] = field(default_factory=list)
    inhibiting: list[str] = field(default_factory=list)
    next_quarter: list[str] = field(default_factory=list)
    next_rkpd: list[str] = field(default_factory=list)


class _Sum:
    def __init__(self, level: str, code: str, name: str, opd_name: str, quarters: int):
        self.line = Line(level, code, name, opd_name, 0)
        self.quarters = quarters
        self.rp = [0] * quarters
        self.cum_rp = 0
        self.capaian = []

    def add(self, sub: Line) -> None:
        self.line.pagu += sub.pagu
        for q in range(self.quarters):
            self.rp[q] += sub.rp[q]
        self.cum_rp += sub.cum_rp
        if sub.capaian_k is not None:
            self.capaian.append(sub.capaian_k)

    def done(self) -> Line:
        line = self.line
        line.rp = [*self.rp, *[None] * (4 - self.quarters)]
        line.cum_rp = self.cum_rp
        line.capaian_k = round(sum(self.capaian) / len(self.capaian), 2) if self.capaian else None
        return line


@dataclass
class RkpdReport:
    quarter: Quarter
    opd: Opd | None
    lines: list[Line] = field(default_factory=list)
    total: Line | None = None
    notes: list[Notes] = field(default_factory=list)
    generated_at: datetime | None = None

    @property
    def scope_name(self) -> str:
        if self.opd is not None:
            return self.opd.name
        return f"Pemerintah {regency_name(current_app.config.get('REGION_CODE', '17.01')) or ''}".strip()


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _sub_line(k: Kegiatan, opd: Opd, reports: list, quarters: int) -> tuple[Line, tuple]:
    """A sub kegiatan's row from its submitted reports of the year (sorted by month)."""
    line = Line("sub", k.code, k.name, opd.name, k.pagu,
                indicator=f"{k.target_indicator} ({k.target_unit})", target=k.target_value)
    previous_k, previous_rp = 0.0, 0
    index, last_k, last_rp = 0, 0.0, 0
    for q in range(quarters):
        end = (q + 1) * 3
        while index < len(reports) and reports[index][0] <= end:
            _month, _pct, rp, output = reports[index][:4]
            last_rp = rp
            if output is not None:
                last_k = output
            index += 1
        line.k[q] = round(last_k - previous_k, 4)
        line.rp[q] = last_rp - previous_rp
        previous_k, previous_rp = last_k, last_rp
    line.cum_k, line.cum_rp = round(last_k, 4), last_rp
    line.capaian_k = round(last_k / k.target_value * 100, 2) if k.target_value else None
    latest = reports[index - 1] if index else None
    return line, latest


def _notes(opd: Opd, rows: list[tuple[Kegiatan, Line, tuple | None, list]], first_month: int) -> Notes:
    notes = Notes(opd)
    for k, line, latest, reports in rows:
        seen_driving, seen_problems = [], []
        for month, _pct, _rp, _output, driving, problems, _action in reports:
            if month < first_month:
                continue
            for text, seen in ((_text(driving), seen_driving), (_text(problems), seen_problems)):
                if text and text not in seen:
                    seen.append(text)
        notes.driving += [f"{k.code} {k.name}: {t}" for t in seen_driving]
        notes.inhibiting += [f"{k.code} {k.name}: {t}" for t in seen_problems]
        action = _text(latest[6]) if latest else ""
        if action:
            notes.next_quarter.append(f"{k.code} {k.name}: {action}")
        if line.capaian_k is not None and line.capaian_k <= 75:
            text = (f"{k.code} {k.name}: capaian kinerja {printed.dec(line.capaian_k)} % ({line.predikat_k})"
                    + (f"; {action}" if action else ""))
            notes.next_rkpd.append(text)
    return notes


def _program_key(programs, groups):
    def key(k: Kegiatan):
        program, group = programs.get(k.program_id), groups.get(k.group_id)
        return (printed.code_key(program.code if program else ""), printed.code_key(group.code if group else ""),
                printed.code_key(k.code), k.id)
    return key


def _opd_block(opd, kegiatan, by_kegiatan, programs, groups, quarter) -> tuple[list[Line], Line | None, Notes]:
    lines: list[Line] = []
    opd_sum = _Sum("opd", opd.code, opd.name, opd.name, quarter.quarters)
    sums, rows = [opd_sum], []
    program_sum = group_sum = None
    program_id = group_id = object()
    for k in sorted(kegiatan, key=_program_key(programs, groups)):
        if k.program_id != program_id:
            program = programs.get(k.program_id)
            program_id, group_id = k.program_id, object()
            program_sum = _Sum("program", program.code if program else "", program.name if program else "",
                               opd.name, quarter.quarters)
            sums.append(program_sum)
            lines.append(program_sum.line)
        if k.group_id != group_id:
            group_id, group = k.group_id, groups.get(k.group_id)
            group_sum = _Sum("kegiatan", group.code, group.name, opd.name, quarter.quarters) if group else None
            if group_sum is not None:
                sums.append(group_sum)
                lines.append(group_sum.line)
        reports = by_kegiatan.get(k.id, [])
        sub, latest = _sub_line(k, opd, reports, quarter.quarters)
        lines.append(sub)
        rows.append((k, sub, latest, reports))
        for total in (opd_sum, program_sum, group_sum):
            if total is not None:
                total.add(sub)
    for total in sums:
        total.done()
    first_month = quarter.last_month - 2 if quarter.number else 1
    return lines, (opd_sum.line if kegiatan else None), _notes(opd, rows, first_month)


def _edited_notes(notes: Notes, record) -> Notes:
    """The OPD's notes as Bappeda or the OPD edited them, when they did."""
    if record is None:
        return notes
    return Notes(notes.opd, *(narratives.lines(getattr(record, name)) for name in narratives.SECTIONS))


def collect(quarter: Quarter, opd_id: int | None = None, progress: Progress | None = None,
            edited: bool = True) -> RkpdReport:
    """The evaluation of `quarter` (a triwulan or the year) for one OPD, or the regency when None;
    the notes under the table as edited where they were (unless `edited` is False: as the OPDs
    reported them)."""
    progress = progress or (lambda pct: None)
    reader = scopes.report_reader(opd_id)
    base = scopes.kegiatan_query(reader).where(Kegiatan.fiscal_year == quarter.year)
    opd_ids = base.with_only_columns(Kegiatan.opd_id).distinct().scalar_subquery()
    opds = list(db.session.scalars(select(Opd).where(Opd.id.in_(opd_ids)).order_by(Opd.name, Opd.id)))
    programs = {p.id: p for p in db.session.scalars(
        select(Program).where(Program.id.in_(base.with_only_columns(Kegiatan.program_id).scalar_subquery())))}
    groups = {g.id: g for g in db.session.scalars(
        select(KegiatanGroup).where(KegiatanGroup.id.in_(base.with_only_columns(Kegiatan.group_id).scalar_subquery())))}
    report = RkpdReport(quarter=quarter, opd=db.session.get(Opd, opd_id) if opd_id else None, generated_at=utcnow())
    grand = _Sum("total", "", "JUMLAH" if opd_id is not None else "JUMLAH KABUPATEN", "", quarter.quarters)
    records = narratives.edited(quarter, [opd.id for opd in opds]) if edited else {}
    progress(5)
    for index, opd in enumerate(opds):
        stmt = base.where(Kegiatan.opd_id == opd.id)
        kegiatan = list(db.session.scalars(stmt))
        ids = stmt.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
        by_kegiatan: dict[int, list] = {}
        for row in db.session.execute(scopes.opd_reports_query(reader).where(
            OpdReport.year == quarter.year, OpdReport.month <= quarter.last_month, OpdReport.kegiatan_id.in_(ids),
            OpdReport.state == OpdReportState.SUBMITTED,
        ).order_by(OpdReport.kegiatan_id, OpdReport.month).with_only_columns(
            OpdReport.kegiatan_id, OpdReport.month, OpdReport.physical_pct, OpdReport.realisation_rp,
            OpdReport.output_value, OpdReport.driving_factors, OpdReport.problems, OpdReport.planned_action,
        )):
            by_kegiatan.setdefault(row[0], []).append(tuple(row[1:]))
        lines, opd_total, notes = _opd_block(opd, kegiatan, by_kegiatan, programs, groups, quarter)
        if opd_id is None and opd_total is not None:
            report.lines.append(opd_total)
        report.lines.extend(lines)
        report.notes.append(_edited_notes(notes, records.get(opd.id)))
        for line in lines:
            if line.level == "sub":
                grand.add(line)
        progress(5 + (index + 1) * 85 // max(len(opds), 1))
    report.total = grand.done()
    return report


def data_version(quarter: Quarter, opd_id: int | None) -> str:
    """A digest of every input of the evaluation of `quarter` and scope: the DPA rows (codes,
    names, pagu, indicators, targets), the OPD reports of the year up to the quarter's end, the
    edited narratives, and the signer. A few queries whatever the size."""
    reader = scopes.report_reader(opd_id)
    base = scopes.kegiatan_query(reader).where(Kegiatan.fiscal_year == quarter.year)
    ids = base.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
    dpa = printed.rows_digest(db.session.execute(base.order_by(Kegiatan.id).with_only_columns(
        Kegiatan.id, Kegiatan.code, Kegiatan.name, Kegiatan.pagu, Kegiatan.program_id, Kegiatan.group_id,
        Kegiatan.target_indicator, Kegiatan.target_unit, Kegiatan.target_value, Kegiatan.opd_id)))
    names = printed.rows_digest(db.session.execute(
        select(Program.id, Program.code, Program.name)
        .where(Program.id.in_(base.with_only_columns(Kegiatan.program_id).scalar_subquery())).order_by(Program.id)
    ), db.session.execute(
        select(KegiatanGroup.id, KegiatanGroup.code, KegiatanGroup.name)
        .where(KegiatanGroup.id.in_(base.with_only_columns(Kegiatan.group_id).scalar_subquery()))
        .order_by(KegiatanGroup.id)
    ), db.session.execute(
        select(Opd.id, Opd.code, Opd.name, Opd.head_name, Opd.head_nip, Opd.head_title).order_by(Opd.id)
        .where(Opd.id.in_(base.with_only_columns(Kegiatan.opd_id).scalar_subquery()))
    ))
    reports = db.session.execute(scopes.opd_reports_query(reader).where(
        OpdReport.year == quarter.year, OpdReport.month <= quarter.last_month, OpdReport.kegiatan_id.in_(ids))
        .order_by(None).with_only_columns(func.count(), func.max(OpdReport.updated_at), func.max(OpdReport.id))).one()
    edited = printed.rows_digest(narratives.fingerprint_rows(
        quarter, base.with_only_columns(Kegiatan.opd_id).scalar_subquery()))
    return printed.digest("rkpd", FORMAT_VERSION, quarter.key, opd_id, dpa, names, tuple(reports), edited,
                          printed.signer(None), printed.paper_is_f4(),
                          heads_fingerprint(base.with_only_columns(Kegiatan.opd_id).scalar_subquery()))


# --- the spreadsheet ---------------------------------------------------------------------------------

def columns(quarter: Quarter) -> list[tuple[str, str | None, float]]:
    cols = [("Kode", None, 17), ("Program / Kegiatan / Sub Kegiatan", None, 40), ("Indikator kinerja", None, 28),
            ("Target RKPD", "K", 9), ("Target RKPD", "Rp", 17)]
    for q in range(4):
        title = f"Realisasi triwulan {ROMAN[q]}"
        cols += [(title, "K", 8), (title, "Rp", 16)]
    cols += [("Realisasi kumulatif", "K", 9), ("Realisasi kumulatif", "Rp", 17),
             ("Tingkat capaian (%)", "K", 9), ("Tingkat capaian (%)", "Rp", 9),
             ("Predikat", "K", 12), ("Predikat", "Rp", 12), ("OPD penanggung jawab", None, 24)]
    return cols


FORMATS = {4: K, 5: xlsx.RUPIAH, 6: K, 7: xlsx.RUPIAH, 8: K, 9: xlsx.RUPIAH, 10: K, 11: xlsx.RUPIAH, 12: K,
           13: xlsx.RUPIAH, 14: K, 15: xlsx.RUPIAH, 16: printed.PCT, 17: printed.PCT}
LEVEL_STYLE = {
    "opd": (xlsx.GROUP_FILL, xlsx.BOLD), "program": (xlsx.GROUP_FILL, xlsx.BOLD), "kegiatan": (None, xlsx.BOLD),
    "sub": (None, None), "total": (xlsx.TOTAL_FILL, xlsx.BOLD),
}
INDENT = {"opd": 0, "program": 0, "kegiatan": 1, "sub": 2, "total": 0}
NOTE_TITLES = (
    ("driving", "Faktor pendorong keberhasilan pencapaian"),
    ("inhibiting", "Faktor penghambat pencapaian"),
    ("next_quarter", "Tindak lanjut yang diperlukan dalam triwulan berikutnya"),
    ("next_rkpd", "Tindak lanjut yang diperlukan dalam RKPD berikutnya (sub kegiatan dengan capaian kinerja di bawah "
                  "predikat Tinggi)"),
)


def _values(line: Line) -> list:
    values = [line.code, line.name, line.indicator, line.target, line.pagu]
    for q in range(4):
        values += [line.k[q], line.rp[q]]
    values += [line.cum_k, line.cum_rp, line.capaian_k, line.capaian_rp, line.predikat_k, line.predikat_rp,
               line.opd_name]
    return values


def heading_lines(report: RkpdReport) -> list[str]:
    period = report.quarter
    span = f"s.d. {period.label()}" if period.number else period.label()
    return [
        report.scope_name,
        f"Periode pelaksanaan: {span} · Tahun Anggaran {period.year}",
        f"Dibuat {format_wib(report.generated_at)}. Realisasi dari laporan bulanan OPD yang sudah dikirim (kumulatif); "
        "capaian K = realisasi kumulatif / target, capaian Rp = realisasi kumulatif / pagu; subtotal capaian K = "
        "rata-rata sub kegiatan.",
        "Predikat: Sangat Tinggi 91–100 · Tinggi 76–90 · Sedang 66–75 · Rendah 51–65 · Sangat Rendah ≤ 50.",
    ]


def note_blocks(report: RkpdReport) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(title, [(OPD name, lines)]) for each section under the table; "–" where an OPD has nothing."""
    return [(title, [(n.opd.name, getattr(n, attr) or ["–"]) for n in report.notes]) for attr, title in NOTE_TITLES]


def write_xlsx(report: RkpdReport, path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Evaluasi RKPD"
    title = "EVALUASI TERHADAP HASIL RKPD"
    cols = columns(report.quarter)
    first = xlsx.heading(ws, title, heading_lines(report))
    last = printed.header(ws, first, cols)
    row = last + 1
    for line in [*report.lines, report.total]:
        fill, font = LEVEL_STYLE[line.level]
        xlsx.write_row(ws, row, _values(line), FORMATS, fill=fill, font=font)
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top", indent=INDENT[line.level])
        row += 1
    row += 1
    for heading, per_opd in note_blocks(report):
        ws.cell(row=row, column=1, value=heading).font = xlsx.BOLD
        row += 1
        for opd_name, texts in per_opd:
            if report.opd is None:
                ws.cell(row=row, column=1, value=opd_name).font = Font(italic=True)
                row += 1
            for text in texts:
                ws.cell(row=row, column=2, value=xlsx.neutralise(text))
                row += 1
        row += 1
    printed.signature(ws, row + 1, 16, printed.signer(report.opd), wib_date(report.generated_at))
    printed.print_setup(ws, first, last, f"C{last + 1}", f"{title} {report.quarter.label()}")
    wb.save(path)


# --- the PDF -------------------------------------------------------------------------------------------

def pdf_rows(report: RkpdReport) -> list[printed_pdf.Row]:
    rows = []
    for line in [*report.lines, report.total]:
        cells = [line.code, line.name, line.indicator, printed.dec(line.target), printed.idr(line.pagu)]
        for q in range(4):
            cells += [printed.dec(line.k[q]), printed.idr(line.rp[q])]
        cells += [printed.dec(line.cum_k), printed.idr(line.cum_rp), printed.dec(line.capaian_k),
                  printed.dec(line.capaian_rp), line.predikat_k, line.predikat_rp, line.opd_name]
        rows.append(printed_pdf.Row(line.level, cells, INDENT[line.level]))
    return rows


def write_pdf(report: RkpdReport, path) -> None:
    # An OPD's own report names no OPD above its notes.
    notes = [(title, [(None if report.opd else name, texts) for name, texts in per_opd])
             for title, per_opd in note_blocks(report)]
    figures = set(range(3, 17))
    printed_pdf.write(printed_pdf.Document(
        title="EVALUASI TERHADAP HASIL RKPD", lead=heading_lines(report),
        footer=f"Evaluasi RKPD {report.quarter.label()} · {report.scope_name}", columns=columns(report.quarter),
        fitted={0, *figures}, right=figures, name_column=1, rows=pdf_rows(report), notes=notes,
        signer=printed.signer(report.opd), place_date=printed.place_and_date(wib_date(report.generated_at)),
        f4=printed.paper_is_f4(), size=5.5, fitted_share=0.68), path)


def build(path, quarter: Quarter, opd_id: int | None, fmt: str, progress: Progress | None = None) -> None:
    progress = progress or (lambda pct: None)
    report = collect(quarter, opd_id, progress)
    (write_pdf if fmt == "pdf" else write_xlsx)(report, path)
    progress(99)
