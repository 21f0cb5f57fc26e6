"""What the page of one kegiatan shows: its facts, the S-curves of the year, and the timeline of
reports, visits (with photos, risks and flags) and follow-ups. A fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from webapp import scopes
from webapp.charts import Series
from webapp.domain_errors import NotFound
from webapp.evaluation import monthly as evaluation
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import today_wib
from webapp.monev.models import Kegiatan
from webapp.opd_reports.models import OpdReport
from webapp.submissions.models import Submission
from webapp.vocabulary import FormCode, OpdReportState

MONTH_LABELS = (_l("Jan"), _l("Feb"), _l("Mar"), _l("Apr"), _l("Mei"), _l("Jun"),
                _l("Jul"), _l("Agu"), _l("Sep"), _l("Okt"), _l("Nov"), _l("Des"))
TIMELINE_LIMIT = 200


def find_kegiatan(user, code: str, year: int | None = None, opd_code: str | None = None) -> Kegiatan:
    """A kegiatan in the user's scope by its code; a code that repeats across years or OPDs is
    narrowed by `year` and `opd_code`, else the newest year is taken. Outside the scope: 404."""
    stmt = scopes.kegiatan_query(user).where(Kegiatan.code == code)
    if year is not None:
        stmt = stmt.where(Kegiatan.fiscal_year == year)
    if opd_code:
        from webapp.accounts.models import Opd

        stmt = stmt.where(Kegiatan.opd_id.in_(select(Opd.id).where(Opd.code == opd_code)))
    kegiatan = db.session.scalars(stmt.order_by(Kegiatan.fiscal_year.desc(), Kegiatan.id).limit(1)).first()
    if kegiatan is None:
        raise NotFound(_l("Kegiatan tidak ditemukan."))
    return kegiatan


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "report" | "visit" | "followup"
    item: object


@dataclass
class KegiatanPage:
    kegiatan: Kegiatan
    year_row: evaluation.KegiatanYear
    physical: list[Series]
    financial: list[Series]
    timeline: list[TimelineEntry]
    followups: list[FollowUp]
    month_labels: list[str]
    current_month: int


def curves(row: evaluation.KegiatanYear) -> tuple[list[Series], list[Series]]:
    """The S-curves (physical and financial) of a kegiatan's year; a verification flag marks the
    field-observed point of its month, a deviation flag the reported one."""
    cells = row.cells
    verified = {c.month - 1: "!" for c in cells if evaluation.MonthFlag.VERIFICATION in c.flags}
    behind = {c.month - 1: "!" for c in cells if evaluation.MonthFlag.BEHIND_PLAN in c.flags}
    plan_label = _l("Rencana") if row.plan_source != "linear" else _l("Rencana (garis lurus)")
    physical = [
        Series("plan", str(plan_label), [c.plan_physical for c in cells], "s-plan"),
        Series("reported", str(_l("Laporan OPD")), [c.reported_physical for c in cells], "s-reported", behind),
        Series("observed", str(_l("Pengamatan lapangan")), [c.observed_physical for c in cells], "s-observed", verified),
    ]
    ahead = {c.month - 1: "!" for c in cells if evaluation.MonthFlag.BUDGET_AHEAD in c.flags}
    financial = [
        Series("plan", str(plan_label), [c.plan_cash_pct for c in cells], "s-plan"),
        Series("reported", str(_l("Realisasi keuangan (laporan OPD)")), [c.reported_cash_pct for c in cells],
               "s-reported", ahead),
    ]
    return physical, financial


def kegiatan_page(user, kegiatan: Kegiatan, today: date | None = None) -> KegiatanPage:
    today = today or today_wib()
    year = kegiatan.fiscal_year
    rows = evaluation.evaluate(user, year, scopes.kegiatan_query(user).where(Kegiatan.id == kegiatan.id), today=today)
    row = rows[0]
    physical, financial = curves(row)

    reports = list(db.session.scalars(
        scopes.opd_reports_query(user).where(OpdReport.kegiatan_id == kegiatan.id, OpdReport.year == year)
        .where(OpdReport.state != OpdReportState.DRAFT)
        .options(selectinload(OpdReport.submitted_by), selectinload(OpdReport.returned_by))
    ))
    visits = list(db.session.scalars(
        scopes.submissions_query(user).where(Submission.kegiatan_id == kegiatan.id,
                                             Submission.form_code == FormCode.MONEV_VISIT)
        .options(selectinload(Submission.attachments), selectinload(Submission.user), selectinload(Submission.site),
                 selectinload(Submission.form_version))
        .order_by(Submission.recorded_at.desc()).limit(TIMELINE_LIMIT)
    ))
    followups = list(db.session.scalars(
        scopes.followups_query(user).where(or_(FollowUp.kegiatan_id == kegiatan.id,
                                               FollowUp.source_submission_id.in_([v.id for v in visits] or [0])))
        .options(selectinload(FollowUp.assignee_opd), selectinload(FollowUp.assignee_kecamatan))
        .order_by(FollowUp.due_date, FollowUp.id)
    ))
    timeline = [TimelineEntry(r.submitted_at or r.updated_at, "report", r) for r in reports]
    timeline += [TimelineEntry(v.recorded_at, "visit", v) for v in visits]
    timeline += [TimelineEntry(f.created_at, "followup", f) for f in followups]
    timeline.sort(key=lambda e: e.at, reverse=True)
    current = 12 if year < today.year else (today.month if year == today.year else 0)
    return KegiatanPage(kegiatan=kegiatan, year_row=row, physical=physical, financial=financial,
                        timeline=timeline, followups=followups, month_labels=[str(m) for m in MONTH_LABELS],
                        current_month=current)
