"""The monthly evaluation report (XLSX): per OPD and kegiatan, follow-ups, and GEBER per kecamatan and desa.

Only approved submissions count. A kegiatan's figures are those of its latest approved visit
recorded before the end of the month (budget realisation and physical progress are cumulative);
risks are those named in the visits recorded during the month. The deviation rule is the
Bappeda desk's (`webapp.monev.progress.deviation_flags`), so the report and the desk agree; so
are the per-OPD sums (`webapp.monev.rollup`) and the monthly evaluation's flags (behind plan, money
ahead, no OPD report, field verification: `webapp.evaluation.monthly`, the desk's own evaluation,
which reads submitted OPD reports and the field visits that were not rejected).
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from openpyxl import Workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.evaluation import monthly as evaluation
from webapp.evaluation.monthly import MonthCell, MonthFlag
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import is_late
from webapp.forms.models import FormVersion
from webapp.monev import planning
from webapp.monev.models import Kegiatan
from webapp.monev.progress import deviation_flags
from webapp.monev.rollup import OpdRollup, number, percent, visit_figures
from webapp.regions.models import Kecamatan
from webapp.regions.services import regency_name
from webapp.reports import geber, xlsx
from webapp.reports.periods import Period, format_wib, wib_date, wib_naive
from webapp.sites.models import Site
from webapp.submissions.latest import latest_per
from webapp.submissions.models import Submission
from webapp.types import utcnow
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, FormCode, MonevStatus, ReviewState, label

NOT_VISITED = "Belum dikunjungi"
FLAG_TEXT = {
    "budget_ahead": "Realisasi anggaran mendahului progres fisik {points} poin",
    "behind_schedule": "Progres fisik tertinggal {points} poin dari rencana",
}

#: The monthly evaluation's flags as the report words them (in Indonesian, whatever the reader's
#: language, like its other labels); {gap}: the points behind the flag.
EVALUATION_FLAG_TEXT = {
    MonthFlag.BEHIND_PLAN: "Fisik tertinggal {gap} poin dari rencana",
    MonthFlag.BUDGET_AHEAD: "Keuangan mendahului fisik {gap} poin",
    MonthFlag.NO_REPORT: "Belum ada laporan OPD bulan ini",
    MonthFlag.VERIFICATION: "Pengamatan lapangan berbeda {gap} poin dari laporan OPD",
}

Progress = Callable[[int], None]


def _points(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


class Labels:
    """Option labels (Indonesian) of each form version a submission was made with."""

    def __init__(self):
        self._versions: dict[int, dict] = {}

    def option(self, form_version_id: int, path: tuple[str, ...], value) -> str:
        definition = self._versions.get(form_version_id)
        if definition is None:
            definition = db.session.get(FormVersion, form_version_id).definition
            self._versions[form_version_id] = definition
        fields = definition.get("fields", [])
        spec = None
        for name in path:
            spec = next((f for f in fields if f.get("name") == name), None)
            fields = (spec or {}).get("fields", [])
        for option in (spec or {}).get("options", []):
            if option.get("value") == value:
                return option["label"].get("id") or str(value)
        return str(value)


@dataclass
class FollowUpLine:
    title: str
    kegiatan: str | None
    site: str | None
    owner: str
    due_date: date
    status: str
    status_label: str
    overdue: bool
    created: datetime
    resolution: str | None
    kegiatan_id: int | None = None

    def text(self) -> str:
        line = f"{self.title} — PJ: {self.owner}; tenggat {self.due_date:%d-%m-%Y}; {self.status_label}"
        return line + " (lewat tenggat)" if self.overdue else line


@dataclass
class KegiatanLine:
    kegiatan: Kegiatan
    opd: Opd
    visit_at: datetime | None = None
    visits_in_month: int = 0
    progress: float | None = None
    realisation: int | None = None
    realisation_pct: float | None = None
    planned_pct: float | None = None
    planned_basis: str | None = None
    flags: list[str] = field(default_factory=list)
    status: str | None = None
    output: float | None = None
    output_pct: float | None = None
    risks: list[str] = field(default_factory=list)
    followups: list[FollowUpLine] = field(default_factory=list)
    #: The month's cell of the monthly evaluation (plan, OPD report, field observation, flags).
    evaluation: MonthCell | None = None

    @property
    def evaluation_flags(self) -> list[MonthFlag]:
        return self.evaluation.flags if self.evaluation else []

    @property
    def evaluation_text(self) -> str:
        """"Tidak" without a flag, else each flag with its gap in points."""
        cell = self.evaluation
        if cell is None or not cell.flags:
            return "Tidak"
        progress = cell.reported_physical if cell.reported_physical is not None else cell.observed_physical
        gaps = {
            MonthFlag.BEHIND_PLAN: (cell.plan_physical or 0) - (progress or 0),
            MonthFlag.BUDGET_AHEAD: (cell.reported_cash_pct or 0) - (cell.reported_physical or 0),
            MonthFlag.VERIFICATION: cell.verification_gap or 0,
        }
        return "; ".join(EVALUATION_FLAG_TEXT[flag].format(gap=_points(abs(gaps.get(flag, 0)))) for flag in cell.flags)

    @property
    def visited(self) -> bool:
        return self.visit_at is not None

    @property
    def status_label(self) -> str:
        if not self.visited:
            return NOT_VISITED
        return MonevStatus.label_of(self.status)

    @property
    def deviation_text(self) -> str:
        """"Ya — <reason>" for each flag, "Tidak" without, "" when never visited."""
        if not self.visited or self.progress is None:
            return ""
        if not self.flags:
            return "Tidak"
        reasons = []
        for flag in self.flags:
            gap = (self.realisation_pct - self.progress) if flag == "budget_ahead" else (self.planned_pct - self.progress)
            reasons.append(FLAG_TEXT[flag].format(points=_points(gap)))
        return "Ya — " + "; ".join(reasons)


@dataclass
class OpdLine(OpdRollup):
    """An OPD's kegiatan rolled up by the one rule of webapp/monev/rollup.py (the desk's too), with
    the month's risks and follow-ups beside them."""

    name: str = ""
    risks: int = 0
    followups_open: int = 0
    followups_overdue: int = 0
    evaluation_flagged: int = 0

    def add_line(self, line: KegiatanLine) -> None:
        self.add(line.kegiatan.pagu, visited=line.visited, progress=line.progress, realisation=line.realisation,
                 status=line.status, flagged=bool(line.flags))
        self.risks += len(line.risks)
        self.followups_open += sum(f.status in OPEN_FOLLOWUP_STATES for f in line.followups)
        self.followups_overdue += sum(f.overdue for f in line.followups)
        self.evaluation_flagged += bool(line.evaluation_flags)

    def merge(self, other: "OpdLine") -> None:
        super().merge(other)
        self.risks += other.risks
        self.followups_open += other.followups_open
        self.followups_overdue += other.followups_overdue
        self.evaluation_flagged += other.evaluation_flagged


@dataclass
class MonthlyReport:
    period: Period
    cutoff: datetime
    region: str
    kegiatan: list[KegiatanLine]
    opds: list[OpdLine]
    total: OpdLine
    followups: list[FollowUpLine]
    geber: geber.GeberFigures


# --- collecting ---------------------------------------------------------------------------------

def _latest_visits(period: Period, ids: list[int]):
    visits = select(Submission).where(
        Submission.form_code == FormCode.MONEV_VISIT, Submission.review_state == ReviewState.APPROVED,
        Submission.kegiatan_id.in_(ids), Submission.recorded_at < period.end_utc)
    latest = latest_per(Submission.kegiatan_id, visits, Submission.id).subquery()
    return db.session.execute(
        select(Submission.kegiatan_id, Submission.recorded_at, Submission.answers)
        .where(Submission.id.in_(select(latest.c.id)))
    ).all()


def _visits_in_month(period: Period, ids: list[int]):
    return db.session.execute(
        select(Submission.kegiatan_id, Submission.form_version_id, Submission.answers)
        .where(Submission.form_code == FormCode.MONEV_VISIT, Submission.review_state == ReviewState.APPROVED,
               Submission.kegiatan_id.in_(ids), Submission.recorded_at >= period.start_utc,
               Submission.recorded_at < period.end_utc)
        .order_by(Submission.recorded_at, Submission.id)
    ).all()


def _risk_lines(answers: dict, form_version_id: int, labels: Labels) -> list[str]:
    lines = []
    risks = answers.get("risiko")
    for risk in risks if isinstance(risks, list) else []:
        if not isinstance(risk, dict):
            continue
        category = labels.option(form_version_id, ("risiko", "kategori"), risk.get("kategori"))
        level = labels.option(form_version_id, ("risiko", "tingkat"), risk.get("tingkat"))
        lines.append(f"{category} ({level}): {str(risk.get('uraian') or '').strip()}")
    return lines


def collect_followups(period: Period, cutoff: datetime, kegiatan_names: dict[int, str]) -> list[FollowUpLine]:
    """Follow-ups still open at the cut-off, or changed since the month began."""
    today = wib_date(cutoff)
    rows = db.session.execute(
        select(FollowUp, Opd.name, Kecamatan.name, Site.name)
        .outerjoin(Opd, Opd.id == FollowUp.assignee_opd_id)
        .outerjoin(Kecamatan, Kecamatan.id == FollowUp.assignee_kecamatan_id)
        .outerjoin(Site, Site.id == FollowUp.site_id)
        .where(FollowUp.created_at < cutoff,
               or_(FollowUp.status.in_(OPEN_FOLLOWUP_STATES), FollowUp.updated_at >= period.start_utc))
        .order_by(FollowUp.due_date, FollowUp.id)
    ).all()
    lines = []
    for followup, opd_name, kec_name, site_name in rows:
        owner = opd_name or (f"Kecamatan {kec_name}" if kec_name else "")
        lines.append(FollowUpLine(
            title=followup.title, kegiatan=kegiatan_names.get(followup.kegiatan_id), site=site_name, owner=owner,
            due_date=followup.due_date, status=followup.status, status_label=label(followup.status),
            overdue=is_late(followup, today), created=followup.created_at,
            resolution=followup.resolution, kegiatan_id=followup.kegiatan_id,
        ))
    return lines


def collect(period: Period, cutoff: datetime | None = None, progress: Progress | None = None) -> MonthlyReport:
    """Every figure of the report, read once at the cut-off."""
    cutoff = cutoff or utcnow()
    progress = progress or (lambda pct: None)
    kegiatan = list(db.session.scalars(
        select(Kegiatan).join(Opd, Opd.id == Kegiatan.opd_id)
        .where(Kegiatan.fiscal_year == period.first.year).order_by(Opd.name, Kegiatan.code)
        .options(selectinload(Kegiatan.plan))
    ))
    opds = {o.id: o for o in db.session.scalars(select(Opd))}
    ids = [k.id for k in kegiatan]
    lines = {k.id: KegiatanLine(kegiatan=k, opd=opds[k.opd_id]) for k in kegiatan}
    for kegiatan_id, recorded_at, answers in _latest_visits(period, ids):
        line, answers = lines[kegiatan_id], answers or {}
        k = line.kegiatan
        line.visit_at = recorded_at
        seen = visit_figures(answers, k.pagu)
        line.progress, line.realisation, line.realisation_pct = seen.progress, seen.realisation, seen.realisation_pct
        planned = planning.planned_progress(k, wib_date(recorded_at))
        if planned is not None:
            line.planned_pct, line.planned_basis = planned.pct, planned.basis
        line.flags = deviation_flags(line.progress, line.realisation_pct, line.planned_pct)
        line.status = seen.status
        line.output = number(answers.get("output_capaian"))
        line.output_pct = percent(line.output, k.target_value)
    progress(30)
    labels = Labels()
    for kegiatan_id, form_version_id, answers in _visits_in_month(period, ids):
        line = lines[kegiatan_id]
        line.visits_in_month += 1
        for risk in _risk_lines(answers or {}, form_version_id, labels):
            if risk not in line.risks:
                line.risks.append(risk)
    progress(50)
    for row in evaluation.evaluate(scopes.REGENCY_READER, period.first.year, upto=period.first.month,
                                   today=wib_date(cutoff), months=[period.first.month]):
        if row.kegiatan.id in lines:
            lines[row.kegiatan.id].evaluation = row.cell(period.first.month)
    followups = collect_followups(period, cutoff, {k.id: f"{k.code} {k.name}" for k in kegiatan})
    for followup in followups:
        if followup.kegiatan_id in lines:
            lines[followup.kegiatan_id].followups.append(followup)
    by_opd: dict[int, OpdLine] = {}
    total = OpdLine(name="Jumlah")
    for line in lines.values():
        by_opd.setdefault(line.opd.id, OpdLine(name=line.opd.name)).add_line(line)
    for opd_line in by_opd.values():
        total.merge(opd_line)
    progress(60)
    geber_figures = geber.geber_figures(period)
    progress(80)
    region = regency_name(current_app.config["REGION_CODE"]) or current_app.config["REGION_CODE"]
    return MonthlyReport(period, cutoff, region, list(lines.values()), sorted(by_opd.values(), key=lambda o: o.name),
                         total, followups, geber_figures)


# --- writing ------------------------------------------------------------------------------------

def _heading_lines(report: MonthlyReport, extra: list[str] | None = None) -> list[str]:
    return [
        f"{report.region} · Periode {report.period.label()}",
        xlsx.APPROVED_ONLY,
        f"Batas data (cut-off): {format_wib(report.cutoff)}",
        *(extra or []),
    ]


OPD_COLUMNS = [
    ("No", 5), ("OPD", 38), ("Jumlah kegiatan", 10), ("Kegiatan dipantau", 10), ("Pagu seluruh kegiatan (Rp)", 18),
    ("Pagu kegiatan terukur (Rp)", 18), ("Realisasi anggaran (Rp)", 18), ("Realisasi anggaran (% pagu terukur)", 12),
    ("Progres fisik tertimbang pagu (%)", 12), ("Sesuai jadwal", 9), ("Berisiko", 9), ("Terlambat", 9),
    ("Belum dikunjungi", 10), ("Bertanda deviasi", 10), ("Risiko bulan ini", 9), ("Tindak lanjut terbuka", 10),
    ("Lewat tenggat", 9), ("Bertanda evaluasi bulanan", 10),
]
OPD_FORMATS = {5: xlsx.RUPIAH, 6: xlsx.RUPIAH, 7: xlsx.RUPIAH, 8: xlsx.PERCENT, 9: xlsx.PERCENT}


def _opd_values(number, line: OpdLine) -> list:
    return [number, line.name, line.kegiatan, line.visited, line.pagu, line.pagu_measured, line.realisation,
            line.realisation_pct, line.progress, line.on_track, line.at_risk, line.late, line.not_visited,
            line.flagged, line.risks, line.followups_open, line.followups_overdue, line.evaluation_flagged]


def _write_opd_sheet(ws, report: MonthlyReport) -> None:
    title = f"Ringkasan per OPD — Evaluasi Bulanan {report.period.label()}"
    header = xlsx.heading(ws, title, _heading_lines(report, [
        "Realisasi dan progres fisik diambil dari kunjungan disetujui terakhir sampai akhir bulan; "
        "kegiatan terukur: yang kunjungan terakhirnya memuat angka progres fisik; hanya kegiatan terukur yang "
        "dihitung dalam pagu terukur, realisasi dan persentase (aturan yang sama dengan Meja Bappeda).",
    ]))
    xlsx.header_row(ws, header, OPD_COLUMNS)
    row = header + 1
    for number, line in enumerate(report.opds, start=1):
        xlsx.write_row(ws, row, _opd_values(number, line), OPD_FORMATS)
        row += 1
    xlsx.write_row(ws, row, _opd_values(None, report.total), OPD_FORMATS, fill=xlsx.TOTAL_FILL, font=xlsx.BOLD)
    xlsx.print_setup(ws, header, f"C{header + 1}", title)


KEGIATAN_COLUMNS = [
    ("No", 5), ("OPD", 24), ("Kode kegiatan", 12), ("Nama kegiatan", 34), ("Pagu (Rp)", 17),
    ("Realisasi anggaran (Rp)", 17), ("Realisasi anggaran (%)", 11), ("Progres fisik (%)", 10),
    ("Rencana fisik (%)", 10), ("Deviasi", 30), ("Indikator / target output", 28), ("Capaian output", 11),
    ("Capaian output (% target)", 11), ("Status", 14), ("Kunjungan disetujui terakhir (WIB)", 16),
    ("Kunjungan bulan ini", 10), ("Risiko yang ditemukan bulan ini", 42),
    ("Tindak lanjut (penanggung jawab, tenggat, status)", 48), ("Dasar rencana fisik", 24),
    ("Rencana fisik akhir bulan (%)", 10), ("Laporan OPD: fisik (%)", 10), ("Laporan OPD: keuangan (% pagu)", 10),
    ("Pengamatan lapangan: fisik (%)", 10), ("Tanda evaluasi bulanan", 40),
]
KEGIATAN_FORMATS = {5: xlsx.RUPIAH, 6: xlsx.RUPIAH, 7: xlsx.PERCENT, 8: xlsx.PERCENT, 9: xlsx.PERCENT,
                    12: xlsx.DECIMAL, 13: xlsx.PERCENT, 15: xlsx.DATETIME,
                    20: xlsx.PERCENT, 21: xlsx.PERCENT, 22: xlsx.PERCENT, 23: xlsx.PERCENT}
#: The column of the monthly evaluation's flags.
EVALUATION_FLAG_COLUMN = 24


#: The report is in Indonesian whatever the reader's language, like its other labels.
PLAN_BASIS_TEXT = {planning.PLAN: "Rencana bulanan DPA", planning.LINEAR: "Garis lurus (tanpa rencana bulanan)"}


def _target_text(k: Kegiatan) -> str:
    value = int(k.target_value) if float(k.target_value).is_integer() else k.target_value
    return f"{k.target_indicator}: {value} {k.target_unit}".strip()


def kegiatan_values(number: int, line: KegiatanLine) -> list:
    k = line.kegiatan
    return [
        number, line.opd.name, k.code, k.name, k.pagu, line.realisation, line.realisation_pct, line.progress,
        line.planned_pct, line.deviation_text, _target_text(k), line.output, line.output_pct, line.status_label,
        wib_naive(line.visit_at), line.visits_in_month, "\n".join(line.risks),
        "\n".join(f.text() for f in line.followups),
        PLAN_BASIS_TEXT.get(line.planned_basis, ""),
        *_evaluation_values(line.evaluation), line.evaluation_text,
    ]


def _evaluation_values(cell: MonthCell | None) -> list:
    if cell is None:
        return [None] * 4
    return [cell.plan_physical, cell.reported_physical, cell.reported_cash_pct, cell.observed_physical]


def _write_kegiatan_sheet(ws, report: MonthlyReport) -> None:
    title = f"Evaluasi Kegiatan — {report.period.label()}"
    header = xlsx.heading(ws, title, _heading_lines(report, [
        f"Deviasi: realisasi anggaran mendahului progres fisik lebih dari {evaluation.thresholds()[0]:g} poin, "
        f"atau progres fisik tertinggal lebih dari {evaluation.thresholds()[0]:g} poin dari rencana fisik bulanan DPA "
        "(garis lurus dari tanggal mulai sampai selesai hanya untuk kegiatan tanpa rencana bulanan; lihat kolom "
        "Dasar rencana fisik).",
        "Tanda evaluasi bulanan (aturan Meja Bappeda): fisik tertinggal dari rencana akhir bulan atau keuangan "
        f"mendahului fisik lebih dari {evaluation.thresholds()[0]:g} poin; belum ada laporan OPD terkirim; "
        f"pengamatan lapangan berbeda dari laporan OPD lebih dari {evaluation.thresholds()[1]:g} poin. "
        "Laporan OPD yang terkirim dan kunjungan lapangan yang tidak ditolak.",
    ]))
    xlsx.header_row(ws, header, KEGIATAN_COLUMNS)
    for number, line in enumerate(report.kegiatan, start=1):
        row = header + number
        xlsx.write_row(ws, row, kegiatan_values(number, line), KEGIATAN_FORMATS)
        if line.flags:
            ws.cell(row=row, column=10).font = xlsx.FLAG_FONT
        if line.status in ("at_risk", "late"):
            ws.cell(row=row, column=14).font = xlsx.FLAG_FONT
        if line.evaluation_flags:
            ws.cell(row=row, column=EVALUATION_FLAG_COLUMN).font = xlsx.FLAG_FONT
    xlsx.print_setup(ws, header, f"E{header + 1}", title)


FOLLOWUP_COLUMNS = [
    ("No", 5), ("Tindak lanjut", 40), ("Kegiatan", 32), ("Lokasi", 24), ("Penanggung jawab", 28),
    ("Tenggat", 12), ("Status", 16), ("Lewat tenggat", 10), ("Dibuat (WIB)", 16), ("Penyelesaian", 36),
]


def _write_followup_sheet(ws, report: MonthlyReport) -> None:
    title = f"Tindak Lanjut — {report.period.label()}"
    header = xlsx.heading(ws, title, _heading_lines(report, [
        "Tindak lanjut yang masih terbuka pada batas data, atau yang berubah sejak awal bulan.",
    ]))
    xlsx.header_row(ws, header, FOLLOWUP_COLUMNS)
    for number, f in enumerate(report.followups, start=1):
        xlsx.write_row(ws, header + number, [
            number, f.title, f.kegiatan or "", f.site or "", f.owner, f.due_date, f.status_label,
            "Ya" if f.overdue else "Tidak", wib_naive(f.created), f.resolution or "",
        ], {6: xlsx.DATE, 9: xlsx.DATETIME})
        if f.overdue:
            ws.cell(row=header + number, column=8).font = xlsx.FLAG_FONT
    xlsx.print_setup(ws, header, f"C{header + 1}", title)


GEBER_COLUMNS = [
    ("Kecamatan / desa/kelurahan", 34), ("Peringkat", 9), ("Cek disetujui", 9), ("Lokasi dicek", 9),
    ("Rata-rata skor", 10), ("Rata-rata skor periode lalu", 11), ("Perubahan (poin)", 10), ("Aksi bersih", 9),
    ("Peserta aksi (orang)", 10), ("Sampah terkumpul (kg)", 12),
]
GEBER_FORMATS = {5: xlsx.DECIMAL, 6: xlsx.DECIMAL, 7: xlsx.POINTS, 9: xlsx.INTEGER, 10: xlsx.DECIMAL}


def geber_values(name: str, rank, fig: geber.Figures) -> list:
    return [name, rank, fig.checks, fig.sites, fig.average, fig.previous_average, fig.change, fig.actions,
            fig.participants, round(fig.waste_kg, 2)]


def write_geber_sheet(ws, figures: geber.GeberFigures, title: str, lines: list[str]) -> int:
    """Kecamatan rows (shaded) each followed by their desa; a regency total when all kecamatan are there."""
    header = xlsx.heading(ws, title, lines + [
        "Peringkat kecamatan di antara kecamatan; peringkat desa/kelurahan di dalam kecamatannya "
        "(menurut rata-rata skor cek kebersihan).",
    ])
    xlsx.header_row(ws, header, GEBER_COLUMNS)
    row = header + 1
    for kec in figures.kecamatan:
        xlsx.write_row(ws, row, geber_values(f"Kecamatan {kec.kecamatan.name}", kec.rank, kec.figures),
                       GEBER_FORMATS, fill=xlsx.GROUP_FILL, font=xlsx.BOLD)
        row += 1
        for desa in kec.desa:
            label = "Kelurahan" if desa.desa.kind == "kelurahan" else "Desa"
            xlsx.write_row(ws, row, geber_values(f"    {label} {desa.desa.name}", desa.rank, desa.figures),
                           GEBER_FORMATS)
            row += 1
    if figures.unplaced.actions or figures.unplaced.checks:
        xlsx.write_row(ws, row, geber_values("Tanpa wilayah (aksi tanpa lokasi)", None, figures.unplaced),
                       GEBER_FORMATS)
        row += 1
    if len(figures.kecamatan) > 1:
        xlsx.write_row(ws, row, geber_values("Jumlah kabupaten", None, figures.total), GEBER_FORMATS,
                       fill=xlsx.TOTAL_FILL, font=xlsx.BOLD)
    xlsx.print_setup(ws, header, f"B{header + 1}", title)
    return header


def write(report: MonthlyReport, path) -> None:
    workbook = Workbook()
    _write_opd_sheet(workbook.active, report)
    workbook.active.title = "Ringkasan OPD"
    _write_kegiatan_sheet(workbook.create_sheet("Evaluasi Kegiatan"), report)
    _write_followup_sheet(workbook.create_sheet("Tindak Lanjut"), report)
    previous = report.period.before()
    write_geber_sheet(
        workbook.create_sheet("GEBER"), report.geber, f"GEBER per Kecamatan dan Desa — {report.period.label()}",
        _heading_lines(report, [f"Perubahan dibanding {previous.label()}."]),
    )
    workbook.properties.title = f"Evaluasi Bulanan {report.period.label()}"
    workbook.properties.creator = "Pantau"
    workbook.save(path)


def build(path, period: Period, progress: Progress | None = None) -> None:
    """Collect and write the report for `period` to `path`."""
    report = collect(period, progress=progress)
    write(report, path)
