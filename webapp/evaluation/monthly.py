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
from operator import add

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, case, func, literal_column, select, type_coerce

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.thresholds import WIB, deviation_points, verification_points
from webapp.monev.models import Kegiatan
from webapp.monev.plan import MONTHS, MonthlyPlan, PlanSource, monthly_plans
from webapp.opd_reports.models import OpdReport
from webapp.rows import core_rows, driver_rows
from webapp.submissions.models import Submission
from webapp.vocabulary import FormCode, OpdReportState, ReviewState



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
    return deviation_points(), verification_points()


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
    #: Per month (index 0 = January): the submitted report's physical % and cumulative Rp, the
    #: report's state (any state), and the number of visits that were not rejected.
    physical: list
    cash: list
    states: list
    visit_counts: list
    #: The evaluated months' cells, by month number.
    cells_by_month: dict

    def cell(self, month: int) -> MonthCell:
        return self.cells_by_month[month]

    @property
    def cells(self) -> list[MonthCell]:
        return [self.cells_by_month[m] for m in sorted(self.cells_by_month)]

    def submitted(self, month: int) -> bool:
        return self.states[month - 1] == OpdReportState.SUBMITTED

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
    if cell.report_state != OpdReportState.SUBMITTED and month >= starts:
        flags.append(MonthFlag.NO_REPORT)
    gap = cell.verification_gap
    if gap is not None and abs(gap) > verification:
        flags.append(MonthFlag.VERIFICATION)
    return flags


def _visits_by_month(user, year: int, ids, months: list[int]) -> tuple[dict, dict]:
    """Per kegiatan, the visits that were not rejected, counted per WIB month (kegiatan id → twelve
    counts), and the latest one with a physical progress figure per evaluated month ((kegiatan id,
    month) → (recorded_at, progress)). Grouped in SQL: rows per kegiatan and month, not per visit.

    Visits are read for the evaluated months and the quarter before them ("perlu dikunjungi"
    looks back to the quarter's start), not the whole year, unless every month is asked for."""
    first, last = min(months), max(months)
    if (first, last) == (1, MONTHS):
        first_read, last_read = 1, MONTHS
    else:
        first_read, last_read = (first - 1) // 3 * 3 + 1, last
    # Month starts in WIB as UTC instants: a visit's month is the WIB month it was recorded in.
    starts = {m: datetime.combine(date(year + (m > MONTHS), (m - 1) % MONTHS + 1, 1), time(0), tzinfo=WIB)
              .astimezone(timezone.utc) for m in range(first_read, last_read + 2)}

    def month_of(first_month: int, last_month: int):
        if first_month == last_month:
            return literal_column(str(first_month))
        return case(*((Submission.recorded_at < starts[m + 1], m) for m in range(first_month, last_month)),
                    else_=last_month)

    visits = scopes.submissions_query(user).where(
        Submission.form_code == FormCode.MONEV_VISIT, Submission.review_state != ReviewState.REJECTED,
        Submission.kegiatan_id.in_(ids))
    # Counted from the index alone (ix_submission_kegiatan_form_recorded).
    # Grouped outside the subquery: PostgreSQL does not match a CASE with bound parameters in the
    # select list to the same CASE in GROUP BY.
    read = visits.where(
        Submission.recorded_at >= starts[first_read], Submission.recorded_at < starts[last_read + 1],
    ).with_only_columns(Submission.kegiatan_id.label("kegiatan_id"), month_of(first_read, last_read).label("month")).subquery()
    counts: dict[int, list] = {}
    for kegiatan_id, m, n in core_rows(
        select(read.c.kegiatan_id, read.c.month, func.count()).group_by(read.c.kegiatan_id, read.c.month)
    ):
        row = counts.get(kegiatan_id)
        if row is None:
            row = counts[kegiatan_id] = [0] * MONTHS
        row[m - 1] = n
    # The observation of an evaluated month: its latest visit with a progress figure (latest
    # recorded_at, then highest id), ranked in SQL among that month's visits only.
    month = month_of(first, last)
    progress = Submission.answers["progres_fisik"].as_float()
    ranked = visits.where(
        Submission.recorded_at >= starts[first], Submission.recorded_at < starts[last + 1], progress.is_not(None),
    ).with_only_columns(
        Submission.kegiatan_id.label("kegiatan_id"), month.label("month"), Submission.recorded_at.label("recorded_at"),
        progress.label("progress"),
        func.row_number().over(partition_by=(Submission.kegiatan_id, month),
                               order_by=(Submission.recorded_at.desc(), Submission.id.desc())).label("rank"),
    ).subquery()
    latest = {(kegiatan_id, m): (recorded_at, value) for kegiatan_id, m, recorded_at, value in core_rows(
        select(ranked.c.kegiatan_id, ranked.c.month, ranked.c.recorded_at, ranked.c.progress).where(ranked.c.rank == 1)
    )}
    return counts, latest


def evaluate(user, year: int, kegiatan_stmt: Select | None = None, upto: int | None = None,
             today: date | None = None, months=None, scoped_kegiatan: list[Kegiatan] | None = None,
             dpa_plans: dict[int, MonthlyPlan] | None = None) -> list[KegiatanYear]:
    """Plan, reports, observations and flags of every kegiatan selected by `kegiatan_stmt`
    (a select of Kegiatan inside the user's scope; all of the year's by default). Cells (with
    their flags) are built for `months` (all twelve by default); flags are raised for the months
    up to `upto` (the current month by default). `scoped_kegiatan`, with no `kegiatan_stmt`: every
    kegiatan of the user's scope, already loaded by the caller (the desk), so they are not read twice;
    `dpa_plans` likewise (monev.plan.dpa_plans of those kegiatan)."""
    today = today or today_wib()
    if upto is None:
        upto = 12 if year < today.year else (today.month if year == today.year else 0)
    months = list(months) if months is not None else list(range(1, MONTHS + 1))
    deviation, verification = thresholds()
    stmt = kegiatan_stmt if kegiatan_stmt is not None else scopes.kegiatan_query(user)
    stmt = stmt.where(Kegiatan.fiscal_year == year)
    if scoped_kegiatan is not None and kegiatan_stmt is None:
        kegiatan = sorted((k for k in scoped_kegiatan if k.fiscal_year == year), key=lambda k: (k.opd_id, k.code, k.id))
    else:
        kegiatan = list(db.session.scalars(stmt.order_by(Kegiatan.opd_id, Kegiatan.code, Kegiatan.id)))
    if not kegiatan:
        return []
    ids = stmt.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
    opds = {o.id: o for o in db.session.scalars(select(Opd).where(Opd.id.in_({k.opd_id for k in kegiatan})))}
    plans = monthly_plans(kegiatan, year, ids, dpa=dpa_plans)

    empty = [None] * MONTHS
    physical: dict[int, list] = {}
    cash: dict[int, list] = {}
    states: dict[int, list] = {}
    # The driver's own tuples, fetched at once: tens of thousands of them, no ORM identity work
    # and no result Row per report (none of these columns has a result conversion on either
    # database), and the state as its stored text (equal to the StrEnum member it names).
    submitted = OpdReportState.SUBMITTED.value
    by_kegiatan: dict[int, tuple[list, list, list]] = {}
    for kegiatan_id, month, state, pct, rp in driver_rows(
        scopes.opd_reports_query(user).where(OpdReport.year == year, OpdReport.kegiatan_id.in_(ids),
                                             OpdReport.month.between(1, MONTHS))
        .with_only_columns(OpdReport.kegiatan_id, OpdReport.month, type_coerce(OpdReport.state, String),
                           OpdReport.physical_pct, OpdReport.realisation_rp)
    ):
        lists = by_kegiatan.get(kegiatan_id)
        if lists is None:
            lists = by_kegiatan[kegiatan_id] = (list(empty), list(empty), list(empty))
            states[kegiatan_id], physical[kegiatan_id], cash[kegiatan_id] = lists
        lists[0][month - 1] = state
        if state == submitted:
            lists[1][month - 1], lists[2][month - 1] = pct, rp

    counts, latest = _visits_by_month(user, year, ids, months)
    result = []
    no_visits = [0] * MONTHS
    for k in kegiatan:
        plan = plans[k.id]
        starts = k.start_date.month if k.start_date and k.start_date.year == year else 1
        k_physical, k_cash, k_states = physical.get(k.id, empty), cash.get(k.id, empty), states.get(k.id, empty)
        k_counts = counts.get(k.id, no_visits)
        cells = {}
        for month in months:
            i = month - 1
            rp = k_cash[i]
            seen = latest.get((k.id, month))
            cell = MonthCell(month=month, plan_physical=plan.physical[i], plan_cash=plan.cash[i],
                             plan_cash_pct=plan.cash_pct(month), report_state=k_states[i],
                             reported_physical=k_physical[i], reported_cash=rp,
                             reported_cash_pct=round(rp / k.pagu * 100, 1) if rp is not None and k.pagu else None,
                             observed_physical=seen[1] if seen else None, observed_at=seen[0] if seen else None,
                             visits=k_counts[i])
            cell.flags = _flags(cell, month, upto, starts, deviation, verification)
            cells[month] = cell
        result.append(KegiatanYear(kegiatan=k, opd=opds[k.opd_id], plan=plan, physical=k_physical, cash=k_cash,
                                   states=k_states, visit_counts=k_counts, cells_by_month=cells))
    return result


# --- what the desks draw from the evaluation ------------------------------------------------------

@dataclass
class TrendPoint:
    month: int
    plan_physical: float | None
    actual_physical: float | None
    plan_cash_pct: float | None
    actual_cash_pct: float | None


class _TrendSums:
    """The pagu-weighted sums behind a trend, added to row by row."""

    __slots__ = ("total", "plan_phys", "plan_phys_w", "plan_cash", "plan_cash_w", "complete_w", "act_phys", "act_cash")

    def __init__(self):
        self.total = 0
        self.plan_phys, self.plan_phys_w = [0.0] * MONTHS, [0] * MONTHS
        self.plan_cash, self.plan_cash_w = [0] * MONTHS, [0] * MONTHS
        #: The pagu of the kegiatan with a plan for every month: their weight is the same in every
        #: month, so it is one sum rather than twelve (added to the month weights at the end).
        self.complete_w = 0
        self.act_phys, self.act_cash = [0.0] * MONTHS, [0] * MONTHS

    def add(self, pagu: int, plan_phys: list, plan_cash: list, act_phys: list, act_cash: list,
            complete: bool = False) -> None:
        """One kegiatan's month figures, already weighted (None: no plan that month; `complete`:
        a plan for every month). The actual figures are twelve, zero after the last evaluated
        month. Element by element through map: the same additions in the same order as a loop."""
        self.total += pagu
        if complete:
            self.plan_phys = list(map(add, self.plan_phys, plan_phys))
            self.plan_cash = list(map(add, self.plan_cash, plan_cash))
            self.complete_w += pagu
        else:
            sums_phys, weights_phys = self.plan_phys, self.plan_phys_w
            sums_cash, weights_cash = self.plan_cash, self.plan_cash_w
            for m in range(MONTHS):
                value = plan_phys[m]
                if value is not None:
                    sums_phys[m] += value
                    weights_phys[m] += pagu
                value = plan_cash[m]
                if value is not None:
                    sums_cash[m] += value
                    weights_cash[m] += pagu
        self.act_phys = list(map(add, self.act_phys, act_phys))
        self.act_cash = list(map(add, self.act_cash, act_cash))

    def points(self, upto: int) -> list[TrendPoint]:
        total, complete_w = self.total, self.complete_w
        # Integer weights: their sum is the same in any order.
        phys_w = [w + complete_w for w in self.plan_phys_w]
        cash_w = [w + complete_w for w in self.plan_cash_w]
        return [
            TrendPoint(
                month=m + 1,
                plan_physical=round(self.plan_phys[m] / phys_w[m], 1) if phys_w[m] else None,
                actual_physical=round(self.act_phys[m] / total, 1) if m < upto and total else None,
                plan_cash_pct=round(self.plan_cash[m] / cash_w[m] * 100, 1) if cash_w[m] else None,
                actual_cash_pct=round(self.act_cash[m] / total * 100, 1) if m < upto and total else None,
            )
            for m in range(MONTHS)
        ]


def trend(rows: list[KegiatanYear], upto: int) -> list[TrendPoint]:
    """Pagu-weighted realisation against plan, month by month, for a set of kegiatan (a regency
    or one OPD). A month without a report counts the kegiatan's last reported figure (0 before
    its first); months after `upto` have no actual figures."""
    return trends(rows, upto)[0]


def trends(rows: list[KegiatanYear], upto: int, group=None) -> tuple[list[TrendPoint], dict]:
    """The trend of all `rows` and, with `group` (row → key), the trend of each group, in one pass:
    each kegiatan's weighted month figures are worked out once and added to both sums in the rows'
    order, so every sum is exactly the one `trend` of that group's rows would make."""
    whole, groups = _TrendSums(), {}
    evaluated = min(max(upto, 0), MONTHS)
    after = [0] * (MONTHS - evaluated)
    for r in rows:
        pagu = r.kegiatan.pagu
        plan_cash = r.plan.cash
        complete = None not in r.plan.physical and None not in plan_cash
        if complete:
            plan_phys = [value * pagu for value in r.plan.physical]
        else:
            plan_phys = [None if value is None else value * pagu for value in r.plan.physical]
        physical, cash = r.physical, r.cash
        if None not in physical[:evaluated]:
            # A report every month: nothing to carry forward.
            act_phys, act_cash = [value * pagu for value in physical[:evaluated]], cash[:evaluated]
        else:
            act_phys, act_cash = [], []
            last_phys, last_cash = 0.0, 0
            for m in range(evaluated):
                if physical[m] is not None:
                    last_phys, last_cash = physical[m], cash[m]
                act_phys.append(last_phys * pagu)
                act_cash.append(last_cash)
        act_phys += after
        act_cash += after
        whole.add(pagu, plan_phys, plan_cash, act_phys, act_cash, complete)
        if group is not None:
            key = group(r)
            sums = groups.get(key)
            if sums is None:
                sums = groups[key] = _TrendSums()
            sums.add(pagu, plan_phys, plan_cash, act_phys, act_cash, complete)
    return whole.points(upto), {key: sums.points(upto) for key, sums in groups.items()}


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


def opd_ranking(rows: list[KegiatanYear], all_opds: list[Opd], month: int,
                trends: dict[int, list[TrendPoint]] | None = None) -> list[OpdRank]:
    """OPDs ranked by physical progress against plan in `month`; OPDs with no submitted report
    that month (or no kegiatan) come last, shown as such. `trends` (per OPD id) saves recomputing."""
    by_opd: dict[int, list[KegiatanYear]] = defaultdict(list)
    for row in rows:
        by_opd[row.opd.id].append(row)
    ranks = []
    for opd in all_opds:
        mine = by_opd.get(opd.id, [])
        reported = sum(1 for r in mine if r.submitted(month))
        points = (trends or {}).get(opd.id) or (trend(mine, month) if mine else None)
        point = points[month - 1] if points else None
        flagged = sum(1 for r in mine if r.cell(month).flags)
        ranks.append(OpdRank(opd=opd, kegiatan=len(mine), reported=reported, point=point, flagged=flagged))
    ranks.sort(key=lambda r: (r.physical_deviation is None, -(r.physical_deviation or 0), r.opd.name))
    return ranks


def needs_visit(rows: list[KegiatanYear], month: int) -> list[KegiatanYear]:
    """"Perlu dikunjungi": kegiatan with an OPD report this quarter (up to `month`) but no visit in it."""
    first = (month - 1) // 3 * 3 + 1
    quarter = range(first, month + 1)
    return [r for r in rows
            if any(r.submitted(m) for m in quarter) and not any(r.visit_counts[m - 1] for m in quarter)]
