"""The monthly plan of a kegiatan: cumulative planned physical progress (%) and disbursement (Rp)
at the end of each month, January to December.

The plan comes from the budget documents; a kegiatan without one falls back to the straight line
from its start date (0 %) to its end date (100 %), labelled as such wherever it is shown.
webapp/monev/planning.py answers the same question for one kegiatan on one day; this module
reads the month ends of many kegiatan at once, for the evaluation.
"""
import calendar
from functools import lru_cache
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from sqlalchemy import select

from webapp.extensions import db
from webapp.monev.models import Kegiatan, KegiatanPlan
from webapp.monev.planning import _linear as linear_progress

MONTHS = 12


class PlanSource(StrEnum):
    DPA = "dpa"
    LINEAR = "linear"
    NONE = "none"

    @property
    def label(self) -> str:
        return str(PLAN_SOURCE_LABELS[self])


PLAN_SOURCE_LABELS = {
    PlanSource.DPA: _l("Rencana bulanan DPA"),
    PlanSource.LINEAR: _l("Garis lurus dari tanggal mulai ke selesai (belum ada rencana bulanan)"),
    PlanSource.NONE: _l("Tanpa rencana"),
}


@dataclass
class MonthlyPlan:
    source: PlanSource
    #: Twelve cumulative planned physical progress figures (%), None when unknown (a tuple: plans
    #: are read, never changed).
    physical: tuple[float | None, ...]
    #: Twelve cumulative planned disbursements (Rp), None when unknown.
    cash: tuple[int | None, ...]
    pagu: int

    def cash_pct(self, month: int) -> float | None:
        value = self.cash[month - 1]
        return round(value / self.pagu * 100, 1) if value is not None and self.pagu else None


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)
def _linear_physical(start: date | None, end: date | None, year: int) -> tuple:
    return tuple(linear_progress(start, end, month_end(year, m)) for m in range(1, 13))


_NO_PLAN = (None,) * MONTHS


def linear_plan(kegiatan: Kegiatan, year: int) -> MonthlyPlan:
    # Plans are read, never changed: the month figures are tuples, shared between kegiatan with the
    # same dates (a desk builds thousands of plans per request).
    physical = _linear_physical(kegiatan.start_date, kegiatan.end_date, year)
    if physical == _NO_PLAN:
        return MonthlyPlan(PlanSource.NONE, _NO_PLAN, _NO_PLAN, kegiatan.pagu)
    pagu = kegiatan.pagu
    cash = tuple([round(pagu * p / 100) if p is not None else None for p in physical])
    return MonthlyPlan(PlanSource.LINEAR, physical, cash, pagu)


def _number(value, kind):
    return kind(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def dpa_plans(kegiatan_ids) -> dict[int, MonthlyPlan]:
    """The plans in force (the latest revision) from the budget documents, by kegiatan id, in one
    query; `kegiatan_ids` is a list or a select of ids."""
    rows = db.session.execute(
        select(KegiatanPlan.kegiatan_id, KegiatanPlan.physical_pct, KegiatanPlan.cash, KegiatanPlan.pagu)
        .where(KegiatanPlan.kegiatan_id.in_(kegiatan_ids), KegiatanPlan.superseded_at.is_(None))
    )
    plans = {}
    for kegiatan_id, physical, cash, pagu in rows:
        physical = tuple([v if v is None or type(v) is float else _number(v, float) for v in (physical or ())][:MONTHS])
        cash = tuple([v if v is None or type(v) is int else _number(v, int) for v in (cash or ())][:MONTHS])
        if len(physical) != MONTHS or len(cash) != MONTHS:
            continue
        plans[kegiatan_id] = MonthlyPlan(PlanSource.DPA, physical, cash, pagu)
    return plans


def monthly_plans(kegiatan: list[Kegiatan], year: int, kegiatan_ids=None,
                  dpa: dict[int, MonthlyPlan] | None = None) -> dict[int, MonthlyPlan]:
    """Every kegiatan's plan for a fiscal year: the DPA's where there is one, else the straight line.
    `dpa`: the DPA plans (`dpa_plans`) when the caller has read them already, so they are parsed once."""
    plans = dpa if dpa is not None else dpa_plans(kegiatan_ids if kegiatan_ids is not None else [k.id for k in kegiatan])
    return {k.id: plans.get(k.id) or linear_plan(k, year) for k in kegiatan}
