"""The monthly evaluation: plan against OPD-reported and field-observed progress, month by month.

For every kegiatan in the user's scope and every month of the fiscal year this computes the plan
(webapp/monev/plan.py), the OPD's submitted report, the latest field visit that was not rejected,
the deviations (actual − plan) and the flags. Everything is read in a fixed number of queries,
whatever the number of kegiatan, reports or visits.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.followups.services import WIB, today_wib
from webapp.monev.models import Kegiatan
from webapp.monev.plan import MONTHS, MonthlyPlan, PlanSource, monthly_plans
from webapp.opd_reports.models import OpdReport, ReportState
from webapp.submissions.models import Submission

MONEV_VISIT = "monev_kunjungan"


class MonthFlag(StrEnum):
    BEHIND_PLAN = "behind_plan"
    BUDGET_AHEAD = "budget_ahead"
    NO_REPORT = "no_report"
    VERIFICATION = "verification"

    @property
    def label(self) -> str:
        return str(FLAG_LABELS[self])

    @property
    def short(self) -> str:
        return str(FLAG_SHORT[self])


FLAG_LABELS = {
    MonthFlag.BEHIND_PLAN: _l("Progres fisik tertinggal dari rencana lebih dari batas"),
    MonthFlag.BUDGET_AHEAD: _l("Realisasi keuangan mendahului progres fisik lebih dari batas"),
    MonthFlag.NO_REPORT: _l("Belum ada laporan OPD bulan ini"),
    MonthFlag.VERIFICATION: _l("Pengamatan lapangan berbeda dari laporan OPD lebih dari batas"),
}
FLAG_SHORT = {
    MonthFlag.BEHIND_PLAN: _l("Tertinggal rencana"),
    MonthFlag.BUDGET_AHEAD: _l("Keuangan > fisik"),
    MonthFlag.NO_REPORT: _l("Tanpa laporan"),
    MonthFlag.VERIFICATION: _l("Verifikasi berbeda"),
}


def thresholds() -> tuple[float, float]:
    """(deviation points, verification points), from the configuration."""
    config = current_app.config
    return float(config.get("DEVIATION_POINTS", 10)), float(config.get("VERIFICATION_POINTS", 10))


@dataclass
class MonthCell:
    month: int
    plan_physical: float | None = None
    plan_cash: int | None = None
    plan_cash_pct: float | None = None
    report_state: str | None = None
    reported_physical: float | None = None
    reported_cash: int | None = None
    reported_cash_pct: float | None = None
    observed_physical: float | None = None
    observed_at: datetime | None = None
    visits: int = 0
    flags: list[MonthFlag] = field(default_factory=list)

    @property
    def physical_deviation(self) -> float | None:
        if self.reported_physical is None or self.plan_physical is None:
            return None
        return round(self.reported_physical - self.plan_physical, 1)

    @property
    def cash_deviation(self) -> float | None:
        if self.reported_cash_pct is None or self.plan_cash_pct is None:
            return None
        return round(self.reported_cash_pct - self.plan_cash_pct, 1)

    @property
    def verification_gap(self) -> float | None:
        if self.reported_physical is None or self.observed_physical is None:
            return None
        return round(self.observed_physical - self.reported_physical, 1)


@dataclass
class KegiatanYear:
    kegiatan: Kegiatan
    opd: Opd
    plan: MonthlyPlan
    cells: list[MonthCell]

    def cell(self, month: int) -> MonthCell:
        return self.cells[month - 1]

    @property
    def plan_source(self) -> PlanSource:
        return self.plan.source


def month_bounds_utc(year: int) -> tuple[datetime, datetime]:
    """The fiscal year in WIB, as UTC instants."""
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=WIB).astimezone(timezone.utc)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=WIB).astimezone(timezone.utc)
    return start, end


def _flags(cell: MonthCell, month: int, upto: int, starts: int, deviation: float, verification: float) -> list[MonthFlag]:
    """The flags of one month, from the cell's numbers alone."""
    flags = []
    if month > upto:
        return flags
    progress = cell.reported_physical if cell.reported_physical is not None else cell.observed_physical
    if progress is not None and cell.plan_physical is not None and cell.plan_physical - progress > deviation:
        flags.append(MonthFlag.BEHIND_PLAN)
    if (cell.reported_cash_pct is not None and cell.reported_physical is not None
            and cell.reported_cash_pct - cell.reported_physical > deviation):
        flags.append(MonthFlag.BUDGET_AHEAD)
    if cell.report_state != ReportState.SUBMITTED and month >= starts:
        flags.append(MonthFlag.NO_REPORT)
    gap = cell.verification_gap
    if gap is not None and abs(gap) > verification:
        flags.append(MonthFlag.VERIFICATION)
    return flags


def evaluate(user, year: int, kegiatan_stmt: Select | None = None, upto: int | None = None,
             today: date | None = None) -> list[KegiatanYear]:
    """Plan, reports, observations and flags of every kegiatan selected by `kegiatan_stmt`
    (a select of Kegiatan inside the user's scope; all of the year's by default), January to
    December. Flags are raised for the months up to `upto` (the current month by default)."""
    today = today or today_wib()
    if upto is None:
        upto = 12 if year < today.year else (today.month if year == today.year else 0)
    deviation, verification = thresholds()
    stmt = kegiatan_stmt if kegiatan_stmt is not None else scopes.kegiatan_query(user)
    stmt = stmt.where(Kegiatan.fiscal_year == year)
    kegiatan = list(db.session.scalars(stmt.order_by(Kegiatan.opd_id, Kegiatan.code, Kegiatan.id)))
    if not kegiatan:
        return []
    ids = stmt.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
    opds = {o.id: o for o in db.session.scalars(select(Opd).where(Opd.id.in_({k.opd_id for k in kegiatan})))}
    plans = monthly_plans(kegiatan, year, ids)

    reports: dict[int, dict[int, tuple]] = defaultdict(dict)
    for row in db.session.execute(
        scopes.opd_reports_query(user).where(OpdReport.year == year, OpdReport.kegiatan_id.in_(ids))
        .with_only_columns(OpdReport.kegiatan_id, OpdReport.month, OpdReport.state, OpdReport.physical_pct,
                           OpdReport.realisation_rp)
    ):
        reports[row.kegiatan_id][row.month] = row

    start, end = month_bounds_utc(year)
    observed: dict[int, dict[int, list]] = defaultdict(dict)
    for kegiatan_id, recorded_at, progress in db.session.execute(
        scopes.submissions_query(user).where(
            Submission.form_code == MONEV_VISIT, Submission.review_state != "rejected",
            Submission.kegiatan_id.in_(ids), Submission.recorded_at >= start, Submission.recorded_at < end,
        ).with_only_columns(Submission.kegiatan_id, Submission.recorded_at,
                            Submission.answers["progres_fisik"].as_float())
    ):
        month = recorded_at.astimezone(WIB).month
        slot = observed[kegiatan_id].setdefault(month, [0, None, None])
        slot[0] += 1
        if progress is not None and (slot[1] is None or recorded_at > slot[1]):
            slot[1], slot[2] = recorded_at, progress

    result = []
    for k in kegiatan:
        plan = plans[k.id]
        starts = k.start_date.month if k.start_date and k.start_date.year == year else 1
        cells = []
        for month in range(1, MONTHS + 1):
            cell = MonthCell(month=month, plan_physical=plan.physical[month - 1], plan_cash=plan.cash[month - 1],
                             plan_cash_pct=plan.cash_pct(month))
            report = reports[k.id].get(month)
            if report is not None:
                cell.report_state = report.state
                if report.state == ReportState.SUBMITTED:
                    cell.reported_physical = report.physical_pct
                    cell.reported_cash = report.realisation_rp
                    cell.reported_cash_pct = round(report.realisation_rp / k.pagu * 100, 1) if k.pagu else None
            visits = observed[k.id].get(month)
            if visits is not None:
                cell.visits, cell.observed_at, cell.observed_physical = visits[0], visits[1], visits[2]
            cell.flags = _flags(cell, month, upto, starts, deviation, verification)
            cells.append(cell)
        result.append(KegiatanYear(kegiatan=k, opd=opds[k.opd_id], plan=plan, cells=cells))
    return result


# --- what the desks draw from the evaluation ------------------------------------------------------

@dataclass
class TrendPoint:
    month: int
    plan_physical: float | None
    actual_physical: float | None
    plan_cash_pct: float | None
    actual_cash_pct: float | None


def _carried(values: list[float | None], upto: int) -> list[float | None]:
    """A cumulative series with each month without a report carrying the last reported value
    (0 before the first), up to `upto`; None after."""
    out, last = [], 0.0
    for month, value in enumerate(values, start=1):
        if month > upto:
            out.append(None)
            continue
        last = value if value is not None else last
        out.append(last)
    return out


def trend(rows: list[KegiatanYear], upto: int) -> list[TrendPoint]:
    """Pagu-weighted realisation against plan, month by month, for a set of kegiatan (a regency
    or one OPD). A month without a report counts the kegiatan's last reported figure."""
    total = sum(r.kegiatan.pagu for r in rows)
    points = []
    physical = [_carried([c.reported_physical for c in r.cells], upto) for r in rows]
    cash = [_carried([c.reported_cash for c in r.cells], upto) for r in rows]
    for m in range(MONTHS):
        planned = [(r.plan.physical[m], r.kegiatan.pagu) for r in rows if r.plan.physical[m] is not None]
        plan_w = sum(p for _v, p in planned)
        plan_cash = [r.plan.cash[m] for r in rows if r.plan.cash[m] is not None]
        plan_cash_pagu = sum(r.kegiatan.pagu for r in rows if r.plan.cash[m] is not None)
        actual = m + 1 <= upto and total
        points.append(TrendPoint(
            month=m + 1,
            plan_physical=round(sum(v * p for v, p in planned) / plan_w, 1) if plan_w else None,
            actual_physical=round(sum(physical[i][m] * r.kegiatan.pagu for i, r in enumerate(rows)) / total, 1)
            if actual else None,
            plan_cash_pct=round(sum(plan_cash) / plan_cash_pagu * 100, 1) if plan_cash_pagu else None,
            actual_cash_pct=round(sum(cash[i][m] for i in range(len(rows))) / total * 100, 1) if actual else None,
        ))
    return points


@dataclass
class OpdRank:
    opd: Opd
    kegiatan: int
    reported: int
    point: TrendPoint | None
    flagged: int

    @property
    def has_report(self) -> bool:
        return self.reported > 0

    @property
    def physical_deviation(self) -> float | None:
        p = self.point
        if not self.has_report or p is None or p.actual_physical is None or p.plan_physical is None:
            return None
        return round(p.actual_physical - p.plan_physical, 1)

    @property
    def cash_deviation(self) -> float | None:
        p = self.point
        if not self.has_report or p is None or p.actual_cash_pct is None or p.plan_cash_pct is None:
            return None
        return round(p.actual_cash_pct - p.plan_cash_pct, 1)


def opd_ranking(rows: list[KegiatanYear], all_opds: list[Opd], month: int) -> list[OpdRank]:
    """OPDs ranked by physical progress against plan in `month`; OPDs with no submitted report
    that month (or no kegiatan) come last, shown as such."""
    by_opd: dict[int, list[KegiatanYear]] = defaultdict(list)
    for row in rows:
        by_opd[row.opd.id].append(row)
    ranks = []
    for opd in all_opds:
        mine = by_opd.get(opd.id, [])
        reported = sum(1 for r in mine if r.cell(month).report_state == ReportState.SUBMITTED)
        point = trend(mine, month)[month - 1] if mine else None
        flagged = sum(1 for r in mine if r.cell(month).flags)
        ranks.append(OpdRank(opd=opd, kegiatan=len(mine), reported=reported, point=point, flagged=flagged))
    ranks.sort(key=lambda r: (r.physical_deviation is None, -(r.physical_deviation or 0), r.opd.name))
    return ranks


def needs_visit(rows: list[KegiatanYear], month: int) -> list[KegiatanYear]:
    """"Perlu dikunjungi": kegiatan with an OPD report this quarter (up to `month`) but no visit in it."""
    first = (month - 1) // 3 * 3 + 1
    quarter = range(first, month + 1)
    return [r for r in rows
            if any(r.cell(m).report_state == ReportState.SUBMITTED for m in quarter)
            and not any(r.cell(m).visits for m in quarter)]
