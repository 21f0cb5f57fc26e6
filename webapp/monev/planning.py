"""Planned progress of a kegiatan on a given day, from its monthly plan.

The DPA's monthly plan gives the cumulative planned physical progress at the end of each month;
within a month the plan moves in a straight line from the previous month's end to this one's.
A kegiatan without a monthly plan falls back to the straight line from its start date (0 %) to
its end date (100 %), and says so: its `basis` is LINEAR, which every page and report labels.
"""
import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

PLAN = "plan"
LINEAR = "linear"
BASIS_LABELS = {
    PLAN: _l("rencana bulanan DPA"),
    LINEAR: _l("garis lurus mulai–selesai (tanpa rencana bulanan)"),
}


@dataclass(frozen=True)
class PlannedProgress:
    pct: float
    #: PLAN when read from the monthly plan, LINEAR for the straight-line fallback.
    basis: str

    @property
    def label(self) -> str:
        return str(BASIS_LABELS[self.basis])


def _from_plan(physical: list, year: int, on: date) -> float:
    if on.year < year:
        return 0.0
    if on.year > year:
        return float(physical[-1])
    month = on.month
    before = float(physical[month - 2]) if month > 1 else 0.0
    end = float(physical[month - 1])
    fraction = on.day / calendar.monthrange(on.year, month)[1]
    return round(before + (end - before) * fraction, 1)


def _linear(start: date | None, end: date | None, on: date) -> float | None:
    if start is None or end is None or end <= start:
        return None
    if on <= start:
        return 0.0
    if on >= end:
        return 100.0
    return round((on - start).days / (end - start).days * 100, 1)


def planned_progress(kegiatan, on: date) -> PlannedProgress | None:
    """The planned physical progress (%) on a day, and whether it comes from the plan or the fallback."""
    plan = kegiatan.plan
    return planned_progress_from(kegiatan, plan.physical_pct if plan is not None else None, on)


def planned_progress_from(kegiatan, physical: list | None, on: date) -> PlannedProgress | None:
    """The same, given the plan in force's physical figures (None: no monthly plan), so a list of
    kegiatan needs no plan objects, only that column."""
    if physical is not None:
        return PlannedProgress(_from_plan(physical, kegiatan.fiscal_year, on), PLAN)
    pct = _linear(kegiatan.start_date, kegiatan.end_date, on)
    return PlannedProgress(pct, LINEAR) if pct is not None else None


def planned_cash(kegiatan, year: int, month: int) -> int | None:
    """The cumulative planned disbursement (Rp) at the end of a month, when the kegiatan has a plan."""
    plan = kegiatan.plan
    if plan is None or year != kegiatan.fiscal_year:
        return None
    return int(plan.cash[month - 1])
