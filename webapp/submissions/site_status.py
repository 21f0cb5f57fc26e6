"""A site's status: the latest figures of a site (GEBER score, monev status, flags) kept current
from its submissions, in the SiteStatus table the map and the desks read."""
import functools

import orjson
from blinker import Namespace
from flask import current_app
from sqlalchemy import and_, bindparam, case, false, func, or_, select, update

from webapp.extensions import db
from webapp.jobs import job
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Submission
from webapp.types import in_list, recorded_window, utcnow
from webapp.vocabulary import FormCode, ReviewState


def not_in_the_future():
    """The clause that keeps out submissions whose device time is beyond what intake accepts today."""
    return Submission.recorded_at <= recorded_window(current_app.config)[1]

#: Sent at the end of every refresh, inside its transaction, with the connection and the site ids:
#: what keeps other data derived from a site's status (the map's prebuilt files) current.
status_refreshed = Namespace().signal("site-status-refreshed")

#: Every review state but rejected: what the map shows as a site's current figures.
NOT_REJECTED = (ReviewState.RECEIVED, ReviewState.APPROVED, ReviewState.RETURNED)


def _latest_statement(dialect: str):
    """One query for the three figures of a site: per site the newest not-rejected check, the
    newest approved check and the newest not-rejected monev visit (newest recorded_at wins, never
    one recorded in the future). Built once; the site ids and the cut-off are bound per call."""
    order = (Submission.recorded_at.desc(), Submission.id.desc())
    newest = func.row_number().over(partition_by=(Submission.site_id, Submission.form_code), order_by=order)
    newest_in_state = func.row_number().over(
        partition_by=(Submission.site_id, Submission.form_code, Submission.review_state), order_by=order)
    # Only a visit's status is read from its answers, in the database: the whole JSON of every
    # row would be sent and parsed in Python for one field of a few rows.
    monev_status = case((Submission.form_code == FormCode.MONEV_VISIT, Submission.answers["status"].as_string()))
    ranked = (
        select(Submission.site_id, Submission.id, Submission.form_code, Submission.review_state,
               Submission.recorded_at, Submission.score, Submission.flagged, monev_status.label("monev_status"),
               newest.label("newest"), newest_in_state.label("newest_in_state"))
        .where(in_list(Submission.site_id, "site_ids", dialect),
               Submission.form_code.in_((FormCode.GEBER_CHECK, FormCode.MONEV_VISIT)),
               Submission.review_state.in_(NOT_REJECTED),
               Submission.recorded_at <= bindparam("latest_recorded_at"))
        .subquery()
    )
    return select(ranked).where(or_(
        ranked.c.newest == 1,
        and_(ranked.c.newest_in_state == 1, ranked.c.review_state == ReviewState.APPROVED,
             ranked.c.form_code == FormCode.GEBER_CHECK),
    ))


@functools.cache
def _statements(dialect: str):
    """The refresh's statements, built once per dialect (building them costs more than running them)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # A no-op update on conflict: the row is created when missing and locked either way, so two
    # refreshes of one site cannot cross (rows are claimed in site order: no deadlock). A site
    # deleted since its submission came in is skipped.
    now = bindparam("now", type_=SiteStatus.__table__.c.updated_at.type)
    existing = select(Site.id, false(), now).where(in_list(Site.id, "site_ids", dialect)).order_by(Site.id)
    claim = insert(SiteStatus).from_select(["site_id", "flagged", "updated_at"], existing)
    claim = claim.on_conflict_do_update(index_elements=["site_id"], set_={"site_id": claim.excluded.site_id})
    write = update(SiteStatus).where(SiteStatus.site_id == bindparam("b_site_id"))
    return claim, _latest_statement(dialect), write


def refresh_site_status(*site_ids: int) -> None:
    """Recompute the latest figures of these sites from their submissions (idempotent)."""
    ids = sorted({i for i in site_ids if i is not None})
    if not ids:
        return
    connection = db.session.connection()
    claim, latest, write = _statements(connection.dialect.name)
    now = utcnow()
    connection.execute(claim, {"site_ids": ids, "now": now})
    current, approved, monev = {}, {}, {}
    for row in connection.execute(latest, {"site_ids": ids, "latest_recorded_at": recorded_window(current_app.config)[1]}):
        if row.form_code == FormCode.MONEV_VISIT:
            if row.newest == 1:
                monev[row.site_id] = row
            continue
        if row.newest == 1:
            current[row.site_id] = row
        if row.review_state == ReviewState.APPROVED and row.newest_in_state == 1:
            approved[row.site_id] = row
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
            "monev_status": visit.monev_status if visit else None,
            "monev_at": visit.recorded_at if visit else None,
            "flagged": bool((check and check.flagged) or (visit and visit.flagged)),
            "updated_at": now,
        })
    if connection.dialect.name == "postgresql":
        # One statement for all the sites, the rows as one JSON parameter (an executemany of the
        # UPDATE is a statement per site).
        connection.exec_driver_sql(_PG_WRITE, {"rows": orjson.dumps(rows).decode()})
    else:
        connection.execute(write, rows)
    status_refreshed.send(current_app._get_current_object(), connection=connection, site_ids=ids)


_STATUS_COLUMNS = {
    "geber_score": "float8", "geber_at": "timestamptz", "geber_submission_id": "integer", "approved_score": "float8",
    "approved_at": "timestamptz", "monev_status": "varchar", "monev_at": "timestamptz", "flagged": "boolean",
    "updated_at": "timestamptz",
}
_PG_WRITE = (
    "UPDATE site_status SET " + ", ".join(f"{c} = r.{c}" for c in _STATUS_COLUMNS)
    + " FROM jsonb_to_recordset(CAST(%(rows)s AS jsonb)) AS r(b_site_id integer, "
    + ", ".join(f"{c} {t}" for c, t in _STATUS_COLUMNS.items()) + ") WHERE site_status.site_id = r.b_site_id"
)


@job
def refresh_site_status_job(site_ids: list[int]) -> None:
    """Background form of refresh_site_status: commits its own work."""
    refresh_site_status(*site_ids)
    db.session.commit()

