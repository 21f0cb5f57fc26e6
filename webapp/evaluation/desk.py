"""The monthly evaluation as the Bappeda desk shows it: trend against plan (regency and per OPD),
the OPD ranking, report lateness per OPD, flagged kegiatan, and kegiatan that need a visit."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.charts import Series
from webapp.evaluation import kegiatan_page
from webapp.evaluation import monthly as evaluation
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.opd_reports import services as opd_reports

#: Rows of each list of the evaluation block (flagged, perlu dikunjungi); the monthly report has them all.
FLAGGED_LIMIT = 50
#: Verification first: a report the field contradicts is the first thing to check.
FLAG_ORDER = ("verification", "behind_plan", "budget_ahead", "no_report")


@dataclass
class OpdTrend:
    opd: Opd
    points: list[evaluation.TrendPoint]


@dataclass
class MonthlyEvaluation:
    year: int
    month: int
    kegiatan: int
    regency: list[evaluation.TrendPoint]
    per_opd: list[OpdTrend]
    ranking: list[evaluation.OpdRank]
    report_status: list[opd_reports.OpdMonthStatus]
    flagged: list[evaluation.KegiatanYear]
    flagged_total: int
    flag_counts: dict
    needs_visit: list[evaluation.KegiatanYear]
    month_labels: list[str]
    list_limit: int = FLAGGED_LIMIT

    def series(self) -> list[Series]:
        return trend_series(self.regency)


def trend_series(points: list[evaluation.TrendPoint]) -> list[Series]:
    from flask_babel import gettext as _

    return [
        Series("plan_physical", _("Rencana fisik"), [p.plan_physical for p in points], "s-plan"),
        Series("actual_physical", _("Realisasi fisik (laporan OPD)"), [p.actual_physical for p in points], "s-reported"),
        Series("actual_cash", _("Realisasi keuangan (laporan OPD)"), [p.actual_cash_pct for p in points], "s-observed"),
    ]


def monthly_evaluation(user, year: int, month: int, today: date | None = None,
                       scoped_kegiatan: list | None = None, dpa_plans: dict | None = None) -> MonthlyEvaluation:
    """The evaluation block of the desk; `scoped_kegiatan` and `dpa_plans`: every kegiatan of the
    user's scope and their DPA plans when the desk has read them already (see evaluation.evaluate)."""
    today = today or today_wib()
    rows = evaluation.evaluate(user, year, upto=month, today=today, months=[month], scoped_kegiatan=scoped_kegiatan,
                               dpa_plans=dpa_plans)
    opds = list(db.session.scalars(select(Opd).order_by(Opd.name))) if scopes.is_regency_wide(user) else \
        [o for o in db.session.scalars(select(Opd).where(Opd.id == user.opd_id))]
    by_opd: dict[int, list[evaluation.KegiatanYear]] = {}
    for row in rows:
        by_opd.setdefault(row.opd.id, []).append(row)
    # The month's flags looked at once per row: most rows have none.
    flagged = [r for r in rows if r.cell(month).flags]
    flagged.sort(key=lambda r: (min(FLAG_ORDER.index(f) for f in r.cell(month).flags), r.opd.name, r.kegiatan.code))
    raised = Counter(flag for r in flagged for flag in r.cell(month).flags)
    counts = {evaluation.MonthFlag(flag): raised[flag] for flag in FLAG_ORDER}
    regency, by_opd_trend = evaluation.trends(rows, month, group=lambda r: r.opd.id)
    per_opd = [OpdTrend(o, by_opd_trend[o.id]) for o in opds if o.id in by_opd]
    return MonthlyEvaluation(
        year=year, month=month, kegiatan=len(rows),
        regency=regency,
        per_opd=per_opd,
        ranking=evaluation.opd_ranking(rows, opds, month, {t.opd.id: t.points for t in per_opd}),
        report_status=opd_reports.opd_month_status(user, year, month, today),
        flagged=flagged[:FLAGGED_LIMIT], flagged_total=len(flagged), flag_counts=counts,
        needs_visit=evaluation.needs_visit(rows, month),
        month_labels=[str(m) for m in kegiatan_page.MONTH_LABELS],
    )
