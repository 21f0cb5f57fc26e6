"""A site's status: the latest figures of a site (GEBER score, monev status, flags) kept current
from its submissions, in the SiteStatus table the map and the desks read."""
import functools

from blinker import Namespace
from flask import current_app
from sqlalchemy import Integer, bindparam, false, select, text

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


def _newest(columns: str, form: str, states: tuple) -> str:
    """A site's newest submission of a form in one of these review states (newest recorded_at wins,
    then the highest id; never one recorded after the cut-off), as a correlated row subquery: a
    range of the index on (site_id, form_code, recorded_at), read inside the database, where the
    window over every submission of the sites sent each one's rows to Python."""
    listed = ", ".join(f"'{str(state)}'" for state in states)
    return (f"(SELECT {columns} FROM submission AS x WHERE x.site_id = site_status.site_id "
            f"AND x.form_code = '{form}' AND x.review_state IN ({listed}) AND x.recorded_at <= :cut "
            "ORDER BY x.recorded_at DESC, x.id DESC LIMIT 1)")


def _write_statement(dialect: str):
    """One UPDATE that recomputes the figures of the claimed sites inside the database: the newest
    not-rejected check, the newest approved check and the newest not-rejected monev visit."""
    status = "x.answers ->> 'status'" if dialect == "postgresql" else "json_extract(x.answers, '$.status')"
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        ids, ids_param = "site_status.site_id = ANY(:site_ids)", bindparam("site_ids", type_=ARRAY(Integer))
    else:
        ids, ids_param = "site_status.site_id IN :site_ids", bindparam("site_ids", expanding=True)
    check, visit, approved = FormCode.GEBER_CHECK, FormCode.MONEV_VISIT, (ReviewState.APPROVED,)
    sql = (
        "UPDATE site_status SET "
        f"(geber_submission_id, geber_score, geber_at) = {_newest('x.id, x.score, x.recorded_at', check, NOT_REJECTED)}, "
        f"(approved_score, approved_at) = {_newest('x.score, x.recorded_at', check, approved)}, "
        f"(monev_status, monev_at) = {_newest(f'{status}, x.recorded_at', visit, NOT_REJECTED)}, "
        f"flagged = (coalesce({_newest('x.flagged', check, NOT_REJECTED)}, false) "
        f"OR coalesce({_newest('x.flagged', visit, NOT_REJECTED)}, false)), "
        f"updated_at = :now WHERE {ids}"
    )
    stamp = SiteStatus.__table__.c.updated_at.type
    return text(sql).bindparams(ids_param, bindparam("cut", type_=stamp), bindparam("now", type_=stamp))


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
    return claim, _write_statement(dialect)


def refresh_site_status(*site_ids: int) -> None:
    """Recompute the latest figures of these sites from their submissions (idempotent)."""
    ids = sorted({i for i in site_ids if i is not None})
    if not ids:
        return
    connection = db.session.connection()
    claim, write = _statements(connection.dialect.name)
    now = utcnow()
    connection.execute(claim, {"site_ids": ids, "now": now})
    # A statement of its own after the claim: its snapshot is taken once the rows are locked, so it
    # sees every submission committed before a concurrent refresh of the same sites let go of them.
    connection.execute(write, {"site_ids": ids, "now": now, "cut": recorded_window(current_app.config)[1]})
    status_refreshed.send(current_app._get_current_object(), connection=connection, site_ids=ids)


@job
def refresh_site_status_job(site_ids: list[int]) -> None:
    """Background form of refresh_site_status: commits its own work."""
    refresh_site_status(*site_ids)
    db.session.commit()

