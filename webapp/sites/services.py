"""Site rules: creating a site sent from the phone, keeping its latest status current."""
from collections.abc import Iterable

from sqlalchemy import select

from webapp.extensions import db
from webapp.jobs import job
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Submission

GEBER_CHECK = "geber_cek"
MONEV_VISIT = "monev_kunjungan"


def _latest(site_ids, form_code: str, *states: str):
    """Latest submission per site of a form among the given review states (newest recorded_at wins)."""
    rows = db.session.execute(
        select(Submission.site_id, Submission.id, Submission.recorded_at, Submission.score, Submission.answers,
               Submission.flagged)
        .where(Submission.site_id.in_(site_ids), Submission.form_code == form_code,
               Submission.review_state.in_(states))
        .order_by(Submission.site_id, Submission.recorded_at.desc(), Submission.id.desc())
    )
    latest = {}
    for row in rows:
        latest.setdefault(row.site_id, row)
    return latest


def refresh_site_status(*site_ids: int) -> None:
    """Recompute the latest figures of these sites from their submissions (idempotent)."""
    ids = sorted({i for i in site_ids if i is not None})
    if not ids:
        return
    current = _latest(ids, GEBER_CHECK, "received", "approved", "returned")
    approved = _latest(ids, GEBER_CHECK, "approved")
    monev = _latest(ids, MONEV_VISIT, "received", "approved", "returned")
    statuses = {s.site_id: s for s in db.session.scalars(select(SiteStatus).where(SiteStatus.site_id.in_(ids)))}
    for site_id in ids:
        status = statuses.get(site_id)
        if status is None:
            status = SiteStatus(site_id=site_id)
            db.session.add(status)
        check, ok, visit = current.get(site_id), approved.get(site_id), monev.get(site_id)
        status.geber_score = check.score if check else None
        status.geber_at = check.recorded_at if check else None
        status.geber_submission_id = check.id if check else None
        status.approved_score = ok.score if ok else None
        status.approved_at = ok.recorded_at if ok else None
        status.monev_status = (visit.answers or {}).get("status") if visit else None
        status.monev_at = visit.recorded_at if visit else None
        status.flagged = bool((check and check.flagged) or (visit and visit.flagged))
    db.session.flush()


@job
def refresh_site_status_job(site_ids: list[int]) -> None:
    """Background form of refresh_site_status: commits its own work."""
    refresh_site_status(*site_ids)
    db.session.commit()


def sites_by_uuid(uuids: Iterable) -> dict:
    uuids = list(uuids)
    if not uuids:
        return {}
    return {s.uuid: s for s in db.session.scalars(select(Site).where(Site.uuid.in_(uuids)))}
