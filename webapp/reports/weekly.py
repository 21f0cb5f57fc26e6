"""The weekly GEBER summary of one kecamatan (XLSX) that each camat finds ready on Monday morning."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan
from webapp.reports import geber, xlsx
from webapp.reports.monthly import write_geber_sheet
from webapp.reports.periods import Period, format_wib, wib_naive
from webapp.sites.models import Site
from webapp.submissions.latest import latest_per
from webapp.submissions.models import Submission
from webapp.types import utcnow
from webapp.vocabulary import FormCode, ReviewState, SiteKind

WORST_SITES = 10
STALE_DAYS = 30


@dataclass
class SiteLine:
    name: str
    kind: str
    desa: str
    score: float | None
    at: datetime | None


@dataclass
class WeeklySummary:
    period: Period
    cutoff: datetime
    kecamatan: Kecamatan
    figures: geber.GeberFigures
    waiting: int
    worst: list[SiteLine]
    stale: list[SiteLine]


def _latest_checks(kecamatan_id: int, before: datetime, since: datetime | None = None):
    """site id → (score, recorded_at) of its latest approved check in [since, before)."""
    conditions = [Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.APPROVED,
                  Submission.kecamatan_id == kecamatan_id, Submission.site_id.is_not(None),
                  Submission.score.is_not(None), Submission.recorded_at < before]
    if since is not None:
        conditions.append(Submission.recorded_at >= since)
    rows = db.session.execute(latest_per(Submission.site_id, select(Submission).where(*conditions),
                                         Submission.score, Submission.recorded_at))
    return {row.group_key: (row.score, row.recorded_at) for row in rows}


def collect(kecamatan_id: int, period: Period, cutoff: datetime | None = None) -> WeeklySummary:
    cutoff = cutoff or utcnow()
    kecamatan = db.session.get(Kecamatan, kecamatan_id)
    figures = geber.geber_figures(period, [kecamatan_id])
    waiting = db.session.scalar(
        select(func.count()).select_from(Submission)
        .where(Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.RECEIVED,
               Submission.kecamatan_id == kecamatan_id, Submission.recorded_at >= period.start_utc,
               Submission.recorded_at < period.end_utc)
    ) or 0
    sites = db.session.execute(
        select(Site.id, Site.name, Site.kind, Desa.name).join(Desa, Desa.id == Site.desa_id)
        .where(Site.kecamatan_id == kecamatan_id).order_by(Desa.name, Site.name)
    ).all()
    in_week = _latest_checks(kecamatan_id, period.end_utc, period.start_utc)
    worst = sorted(
        (SiteLine(name, SiteKind.label_of(kind), desa, *in_week[site_id])
         for site_id, name, kind, desa in sites if site_id in in_week),
        key=lambda line: (line.score, line.name),
    )[:WORST_SITES]
    recent = _latest_checks(kecamatan_id, period.end_utc)
    stale_since = period.end_utc - timedelta(days=STALE_DAYS)
    stale = []
    for site_id, name, kind, desa in sites:
        score, at = recent.get(site_id, (None, None))
        if at is None or at < stale_since:
            stale.append(SiteLine(name, SiteKind.label_of(kind), desa, score, at))
    return WeeklySummary(period, cutoff, kecamatan, figures, waiting, worst, stale)


def write(summary: WeeklySummary, path) -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Ringkasan Mingguan"
    lines = [
        f"Minggu {summary.period.label()} (Senin–Minggu)",
        xlsx.APPROVED_ONLY,
        f"Batas data (cut-off): {format_wib(summary.cutoff)}",
        f"Cek kebersihan minggu ini yang masih menunggu tinjauan (belum dihitung): {summary.waiting}",
        f"Perubahan dibanding minggu {summary.period.before().label()}.",
    ]
    title = f"Ringkasan GEBER Mingguan — Kecamatan {summary.kecamatan.name}"
    write_geber_sheet(ws, summary.figures, title, lines)

    worst = workbook.create_sheet("Lokasi Terburuk")
    title = f"Lokasi dengan skor terendah minggu ini — Kecamatan {summary.kecamatan.name}"
    header = xlsx.heading(worst, title, [f"Minggu {summary.period.label()}", xlsx.APPROVED_ONLY,
                                         "Skor cek disetujui terakhir dalam minggu ini."])
    xlsx.header_row(worst, header, [("No", 5), ("Lokasi", 36), ("Jenis", 18), ("Desa/kelurahan", 24),
                                    ("Skor", 8), ("Waktu cek (WIB)", 17)])
    for number, line in enumerate(summary.worst, start=1):
        xlsx.write_row(worst, header + number, [number, line.name, line.kind, line.desa, line.score,
                                                wib_naive(line.at)], {5: xlsx.DECIMAL, 6: xlsx.DATETIME})
    xlsx.print_setup(worst, header, f"C{header + 1}", title)

    stale = workbook.create_sheet("Belum Dicek")
    title = f"Lokasi tanpa cek disetujui {STALE_DAYS} hari terakhir — Kecamatan {summary.kecamatan.name}"
    header = xlsx.heading(stale, title, [f"Sampai akhir minggu {summary.period.label()}", xlsx.APPROVED_ONLY])
    xlsx.header_row(stale, header, [("No", 5), ("Lokasi", 36), ("Jenis", 18), ("Desa/kelurahan", 24),
                                    ("Skor terakhir", 9), ("Cek disetujui terakhir (WIB)", 17)])
    for number, line in enumerate(summary.stale, start=1):
        xlsx.write_row(stale, header + number, [number, line.name, line.kind, line.desa, line.score,
                                                wib_naive(line.at) or "Belum pernah"],
                       {5: xlsx.DECIMAL, 6: xlsx.DATETIME})
    xlsx.print_setup(stale, header, f"C{header + 1}", title)
    workbook.properties.creator = "Pantau"
    workbook.save(path)


def build(path, kecamatan_id: int, period: Period, progress: Callable[[int], None] | None = None) -> None:
    summary = collect(kecamatan_id, period)
    if progress:
        progress(70)
    write(summary, path)
