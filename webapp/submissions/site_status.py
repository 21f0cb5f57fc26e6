"""A site's status: the latest figures of a site (GEBER score, monev status, flags) kept current
from its submissions, in the SiteStatus table the map and the desks read."""
from flask import current_app
from sqlalchemy import bindparam, select, update

from webapp.extensions import db
from webapp.jobs import job
from webapp.sites.models import SiteStatus
from webapp.submissions.latest import latest_per
from webapp.submissions.models import Submission
from webapp.types import recorded_window, utcnow
from webapp.vocabulary import FormCode, ReviewState


def not_in_the_future():
    """The clause that keeps out submissions whose device time is beyond what intake accepts today."""
    return Submission.recorded_at <= recorded_window(current_app.config)[1]

#: Every review state but rejected: what the map shows as a site's current figures.
NOT_REJECTED = (ReviewState.RECEIVED, ReviewState.APPROVED, ReviewState.RETURNED)


def _latest(site_ids, form_code: FormCode, *states: ReviewState, with_answers: bool = False):
    """Latest submission per site of a form among the given review states (newest recorded_at wins,
    never one recorded in the future)."""
    columns = [Submission.site_id, Submission.id, Submission.recorded_at, Submission.score, Submission.flagged]
    if with_answers:
        columns.append(Submission.answers)
    query = select(Submission).where(Submission.site_id.in_(site_ids), Submission.form_code == form_code,
                                     Submission.review_state.in_(states), not_in_the_future())
    rows = db.session.execute(latest_per(Submission.site_id, query, *columns))
    return {row.site_id: row for row in rows}


def refresh_site_status(*site_ids: int) -> None:
    """Recompute the latest figures of these sites from their submissions (idempotent)."""
    ids = sorted({i for i in site_ids if i is not None})
    if not ids:
        return
    _ensure_rows(ids)
    # Lock the rows first (PostgreSQL), so two refreshes of one site cannot cross.
    db.session.execute(select(SiteStatus.site_id).where(SiteStatus.site_id.in_(ids))
                       .order_by(SiteStatus.site_id).with_for_update())
    current = _latest(ids, FormCode.GEBER_CHECK, *NOT_REJECTED)
    approved = _latest(ids, FormCode.GEBER_CHECK, ReviewState.APPROVED)
    monev = _latest(ids, FormCode.MONEV_VISIT, *NOT_REJECTED, with_answers=True)
    now = utcnow()
    rows = []
    for site_id in ids:
        check, ok, visit = current.get(site_id), approved.get(site_id), monev.get(site_id)
        rows.append({
            "b_site_id": site_id,
            "geber_score": check.score if check else None,
            "geber_at": check.recorded_at if check else None,
            "geber_submission_id": check.id if check else None,
            "approved_score": ok.score if ok else None,
            "approved_at": ok.recorded_at if ok else None,
            "monev_status": (visit.answers or {}).get("status") if visit else None,
            "monev_at": visit.recorded_at if visit else None,
            "flagged": bool((check and check.flagged) or (visit and visit.flagged)),
            "updated_at": now,
        })
    stmt = update(SiteStatus).where(SiteStatus.site_id == bindparam("b_site_id"))
    db.session.connection().execute(stmt, rows)


def _ensure_rows(ids: list[int]) -> None:
    """Create missing status rows; a concurrent refresh creating the same row is not an error."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    stmt = insert(SiteStatus).on_conflict_do_nothing(index_elements=["site_id"])
    db.session.execute(stmt, [{"site_id": i, "flagged": False, "updated_at": now} for i in ids])


@job
def refresh_site_status_job(site_ids: list[int]) -> None:
    """Background form of refresh_site_status: commits its own work."""
    refresh_site_status(*site_ids)
    db.session.commit()

