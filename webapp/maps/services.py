"""Map queries: sites with their latest status, kecamatan summaries, site history.

Every query of user data starts from a `webapp.scopes` function. Site figures come from the
per-site status table (SiteStatus, kept current by `refresh_site_status`), never from a scan of
the submissions, so a map of 50,000 sites costs one pass over two narrow tables.
"""
import sqlite3
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import BigInteger, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from webapp import scopes, storage
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.monev.models import Kegiatan, kegiatan_site
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import thumb_key
from webapp.submissions.site_status import not_in_the_future
from webapp.types import utcnow
from webapp.vocabulary import AttachmentState, FormCode, MonevStatus, ReviewState, ScoreBand
from webapp.thresholds import BERSIH_MIN, CUKUP_MIN, WIB, score_band

LAYERS = ("geber", "monev")
#: Score bands of the GEBER layer; "belum" is a site never checked.
BANDS = ScoreBand.values()
#: Monev statuses as the monitoring-visit form records them; "belum" is a site never visited.
MONEV_STATES = (*MonevStatus.values(), "belum")
#: The summary's period when the filters give none: the last 30 days.
DEFAULT_PERIOD_DAYS = 30
HISTORY_PAGE = 50
#: Pages beyond this are shown as the last one asked for: an offset must stay a database integer.
MAX_HISTORY_PAGES = 100_000


class epoch(FunctionElement):
    """Seconds since 1970 of a UTC timestamp column, computed by the database (cheap to send)."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    if sqlite3.sqlite_version_info >= (3, 38):
        return "unixepoch(%s)" % compiler.process(element.clauses, **kw)
    return "CAST(strftime('%%s', %s) AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(epoch)
def _epoch_default(element, compiler, **kw):
    return "CAST(EXTRACT(EPOCH FROM %s) AS BIGINT)" % compiler.process(element.clauses, **kw)


@dataclass(frozen=True)
class MapFilters:
    """What the map shows; every field narrows the result."""

    layer: str = "geber"
    kecamatan: str | None = None  #: kecamatan code, e.g. "17.01.05"
    desa: str | None = None  #: desa code
    kind: str | None = None
    opd: str | None = None  #: OPD code: sites of that OPD's kegiatan
    date_from: date | None = None  #: WIB day, inclusive, on the layer's latest date
    date_to: date | None = None  #: WIB day, inclusive
    band: str | None = None  #: GEBER score band
    status: str | None = None  #: monev status
    flagged: bool = False

    def key(self) -> str:
        """A canonical text of the filters, for cache validators."""
        return "&".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def wib_day_start(day: date) -> datetime:
    """00:00 WIB of a day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=WIB).astimezone(timezone.utc)


def wib_today() -> date:
    return utcnow().astimezone(WIB).date()


def _site_filters(stmt, filters: MapFilters):
    """Filters on the site itself (where it is, what it is, whose kegiatan); a deactivated or merged site is off the map."""
    stmt = stmt.where(Site.active.is_(True))
    if filters.kecamatan:
        stmt = stmt.where(Site.kecamatan_id == select(Kecamatan.id).where(Kecamatan.code == filters.kecamatan)
                          .scalar_subquery())
    if filters.desa:
        stmt = stmt.where(Site.desa_id == select(Desa.id).where(Desa.code == filters.desa).scalar_subquery())
    if filters.kind:
        stmt = stmt.where(Site.kind == filters.kind)
    if filters.opd:
        stmt = stmt.where(Site.id.in_(
            select(kegiatan_site.c.site_id)
            .join(Kegiatan, Kegiatan.id == kegiatan_site.c.kegiatan_id)
            .join(Opd, Opd.id == Kegiatan.opd_id)
            .where(Opd.code == filters.opd)
        ))
    if filters.layer == "monev":
        # The monev layer shows activity sites only: a site tied to at least one kegiatan.
        stmt = stmt.where(Site.id.in_(select(kegiatan_site.c.site_id)))
    return stmt


def fast_rows(stmt):
    """Rows of a big read as the driver's plain tuples, fetched in batches.

    At 50,000 rows SQLAlchemy's result layer (ORM rows, or even Core Row objects) costs more
    than the query itself. The columns read here need no result processing (text, numbers,
    epoch seconds, a boolean that may come as 0/1), so the driver's cursor is read directly.
    """
    result = db.session.connection().execute(stmt)
    cursor = result.cursor
    try:
        while batch := cursor.fetchmany(2000):
            yield from batch
    finally:
        result.close()


# --- The public map -------------------------------------------------------------------------

def public_data_date() -> datetime | None:
    """The newest approved check anywhere on the public map."""
    return db.session.scalar(scopes.public_sites_query().with_only_columns(func.max(SiteStatus.approved_at)))


# --- Kecamatan summary ----------------------------------------------------------------------

def summary_period(filters: MapFilters) -> tuple[date, date]:
    """The (first, last) WIB day of the summary period: the filter's range or the last 30 days."""
    end = filters.date_to or wib_today()
    start = filters.date_from or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return start, end


def _feature_geometry(kec: Kecamatan, lat: float | None, lon: float | None) -> tuple[dict | None, str]:
    if kec.boundary:
        return kec.boundary, "boundary"
    if lat is None or lon is None:
        return None, "none"
    # Without imported boundaries the kecamatan is drawn where its sites are.
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}, "centroid"


def _round(value, digits: int = 1):
    return None if value is None else round(float(value), digits)


def kecamatan_summary(user, filters: MapFilters) -> dict:
    """Per kecamatan in scope: average latest score, sites checked in the period and the trend."""
    start, end = summary_period(filters)
    period_start, period_end = wib_day_start(start), wib_day_start(end + timedelta(days=1))
    previous_start = period_start - (period_end - period_start)
    site_filters = MapFilters(kecamatan=filters.kecamatan, desa=filters.desa, kind=filters.kind, opd=filters.opd)
    score = SiteStatus.geber_score
    in_period = and_(SiteStatus.geber_at >= period_start, SiteStatus.geber_at < period_end)
    sites = _site_filters(
        scopes.sites_query(user).outerjoin(SiteStatus, SiteStatus.site_id == Site.id).with_only_columns(
            Site.kecamatan_id, func.count(Site.id), func.avg(score), func.sum(case((in_period, 1), else_=0)),
            func.avg(Site.lat), func.avg(Site.lon),
            func.sum(case((score >= BERSIH_MIN, 1), else_=0)),
            func.sum(case((and_(score >= CUKUP_MIN, score < BERSIH_MIN), 1), else_=0)),
            func.sum(case((score < CUKUP_MIN, 1), else_=0)),
        ),
        site_filters,
    ).group_by(Site.kecamatan_id)
    by_kecamatan = {row[0]: row[1:] for row in db.session.execute(sites)}

    # The trend compares the mean score of the checks made in this period with the one before.
    # It reads submissions, but only two periods of one form through the (kecamatan, form,
    # recorded_at) index, and only for the summary, never per site.
    current = Submission.recorded_at >= period_start
    checks = (
        scopes.submissions_query(user)
        .with_only_columns(
            Submission.kecamatan_id,
            func.avg(case((current, Submission.score))),
            func.avg(case((Submission.recorded_at < period_start, Submission.score))),
        )
        .where(Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state != ReviewState.REJECTED,
               Submission.score.is_not(None), Submission.recorded_at >= previous_start,
               Submission.recorded_at < period_end)
        .group_by(Submission.kecamatan_id)
    )
    if filters.desa or filters.kind or filters.opd:
        checks = checks.where(Submission.site_id.in_(_site_filters(
            scopes.sites_query(user).with_only_columns(Site.id), site_filters)))
    trends = {row[0]: (row[1], row[2]) for row in db.session.execute(checks)}

    kecamatan_stmt = scopes.kecamatan_query(user)
    if filters.kecamatan:
        kecamatan_stmt = kecamatan_stmt.where(Kecamatan.code == filters.kecamatan)
    features = []
    for kec in db.session.scalars(kecamatan_stmt):
        count, avg, checked, lat, lon, bersih, cukup, kotor = by_kecamatan.get(kec.id, (0, None, 0, None, None, 0, 0, 0))
        cur, prev = trends.get(kec.id, (None, None))
        geometry, shape = _feature_geometry(kec, lat, lon)
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "code": kec.code, "name": kec.name, "shape": shape,
                "sites": int(count or 0), "checked": int(checked or 0), "avg": _round(avg),
                "band": score_band(avg) if count else ScoreBand.BELUM,
                "bands": {"bersih": int(bersih or 0), "cukup": int(cukup or 0), "kotor": int(kotor or 0),
                          "belum": int((count or 0) - (bersih or 0) - (cukup or 0) - (kotor or 0))},
                "period_avg": _round(cur), "previous_avg": _round(prev),
                "trend": _round(cur - prev) if cur is not None and prev is not None else None,
            },
        })
    return {"type": "FeatureCollection", "features": features,
            "period": {"from": start.isoformat(), "to": end.isoformat()}}


def public_kecamatan_summary() -> dict:
    """Per kecamatan: the mean approved score and how many sites have one (no trend, no people)."""
    score = SiteStatus.approved_score
    rows = db.session.execute(
        scopes.public_sites_query().with_only_columns(
            Site.kecamatan_id, func.count(Site.id), func.avg(score), func.avg(Site.lat), func.avg(Site.lon),
            func.max(SiteStatus.approved_at),
        ).group_by(Site.kecamatan_id)
    )
    by_kecamatan = {row[0]: row[1:] for row in rows}
    features = []
    for kec in db.session.scalars(select(Kecamatan).order_by(Kecamatan.code)):
        count, avg, lat, lon, latest = by_kecamatan.get(kec.id, (0, None, None, None, None))
        geometry, shape = _feature_geometry(kec, lat, lon)
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "code": kec.code, "name": kec.name, "shape": shape, "sites": int(count or 0),
                "avg": _round(avg), "band": score_band(avg) if count else ScoreBand.BELUM,
                "latest": latest.isoformat() if latest else None,
            },
        })
    return {"type": "FeatureCollection", "features": features}


# --- One site: the side panel, the history page, its photos ---------------------------------

def scoped_site(user, site_uuid) -> Site | None:
    return db.session.scalar(scopes.sites_query(user).where(Site.uuid == site_uuid))


def _first_thumbnail(submission_ids) -> dict[int, Attachment]:
    """The first processed photo of each submission."""
    ids = [i for i in submission_ids if i is not None]
    if not ids:
        return {}
    found: dict[int, Attachment] = {}
    for att in db.session.scalars(
        select(Attachment).where(Attachment.submission_id.in_(ids), Attachment.state == AttachmentState.PROCESSED)
        .order_by(Attachment.submission_id, Attachment.id)
    ):
        found.setdefault(att.submission_id, att)
    return found


def _visited_kegiatan(user, site_id: int):
    """The kegiatan that the user's visible monitoring visits at a site were about."""
    return (
        scopes.submissions_query(user)
        .where(Submission.site_id == site_id, Submission.form_code == FormCode.MONEV_VISIT,
               Submission.kegiatan_id.is_not(None))
        .with_only_columns(Submission.kegiatan_id)
    )


def site_detail(user, site_uuid) -> dict | None:
    """What the side panel shows of one site in the user's scope, or None.

    Its kegiatan are those tied to the site and those its visible monitoring visits were
    about, each within the user's kegiatan scope (the scope of the kegiatan page it links to)."""
    site = scoped_site(user, site_uuid)
    if site is None:
        return None
    status = site.status
    check_id = status.geber_submission_id if status else None
    photo = None
    if check_id is not None:
        # The photo is shown only when the check itself is in the user's scope.
        visible = db.session.scalar(
            scopes.submissions_query(user).with_only_columns(Submission.id).where(Submission.id == check_id)
        )
        photo = _first_thumbnail([visible]).get(visible) if visible else None
    kegiatan = db.session.execute(
        scopes.kegiatan_query(user)
        .join(Opd, Opd.id == Kegiatan.opd_id)
        .where(or_(Kegiatan.id.in_(select(kegiatan_site.c.kegiatan_id).where(kegiatan_site.c.site_id == site.id)),
                   Kegiatan.id.in_(_visited_kegiatan(user, site.id))))
        .with_only_columns(Kegiatan.code, Kegiatan.name, Opd.code, Kegiatan.fiscal_year)
        .order_by(Kegiatan.code, Kegiatan.fiscal_year.desc(), Opd.code)
    ).all()
    score = status.geber_score if status else None
    return {
        "site": site,
        "score": score,
        "band": score_band(score),
        "checked_at": status.geber_at if status else None,
        "approved_score": status.approved_score if status else None,
        "approved_at": status.approved_at if status else None,
        "monev_status": status.monev_status if status else None,
        "monev_at": status.monev_at if status else None,
        "flagged": bool(status.flagged) if status else False,
        "photo": photo,
        "kegiatan": [{"code": code, "name": name, "opd": opd, "year": year} for code, name, opd, year in kegiatan],
    }


def site_history(user, site: Site, page: int = 1) -> tuple[list[tuple[Submission, Attachment | None]], bool]:
    """The site's submissions in the user's scope, newest first, with a thumbnail each; and whether more follow."""
    page = min(max(page, 1), MAX_HISTORY_PAGES)
    rows = list(db.session.scalars(
        scopes.submissions_query(user)
        .where(Submission.site_id == site.id)
        .order_by(Submission.recorded_at.desc(), Submission.id.desc())
        .limit(HISTORY_PAGE + 1).offset((page - 1) * HISTORY_PAGE)
    ))
    more = len(rows) > HISTORY_PAGE
    rows = rows[:HISTORY_PAGE]
    thumbs = _first_thumbnail([s.id for s in rows])
    return [(s, thumbs.get(s.id)) for s in rows], more


def _thumbnail_path(att: Attachment | None) -> Path | None:
    if att is None or att.state != AttachmentState.PROCESSED:
        return None
    key = thumb_key(att)
    return storage.path_for(key) if storage.exists(key) else None


def thumbnail_file(user, attachment_uuid) -> Path | None:
    """The processed thumbnail of a photo whose submission is in the user's scope."""
    att = db.session.scalar(
        scopes.submissions_query(user)
        .join(Attachment, Attachment.submission_id == Submission.id)
        .where(Attachment.uuid == attachment_uuid)
        .with_only_columns(Attachment)
    )
    return _thumbnail_path(att)


def public_photos_enabled() -> bool:
    return bool(current_app.config.get("PUBLIC_MAP_PHOTOS"))


def public_site_detail(site_uuid) -> dict | None:
    """A public site: its approved score and date, and a photo of that check when photos are public."""
    site = db.session.scalar(scopes.public_sites_query().where(Site.uuid == site_uuid))
    if site is None:
        return None
    photo = None
    if public_photos_enabled():
        check_id = db.session.scalar(
            select(Submission.id).where(
                Submission.site_id == site.id, Submission.form_code == FormCode.GEBER_CHECK,
                Submission.review_state == ReviewState.APPROVED, not_in_the_future(),
            ).order_by(Submission.recorded_at.desc(), Submission.id.desc()).limit(1)
        )
        photo = _first_thumbnail([check_id]).get(check_id)
    return {"site": site, "score": site.status.approved_score, "band": score_band(site.status.approved_score),
            "approved_at": site.status.approved_at, "photo": photo}


def public_thumbnail_file(attachment_uuid) -> Path | None:
    """A thumbnail of an approved GEBER check, only while public photos are switched on."""
    if not public_photos_enabled():
        return None
    att = db.session.scalar(
        select(Attachment).join(Submission, Submission.id == Attachment.submission_id)
        .where(Attachment.uuid == attachment_uuid, Submission.form_code == FormCode.GEBER_CHECK,
               Submission.review_state == ReviewState.APPROVED,
               Submission.site_id.in_(scopes.public_sites_query().with_only_columns(Site.id)))
    )
    return _thumbnail_path(att)


def filter_options(user) -> dict:
    """The choices of the map's filter form, within the user's scope."""
    kecamatan = list(db.session.scalars(scopes.kecamatan_query(user)))
    desa = list(db.session.scalars(scopes.desa_query(user)))
    opd_stmt = select(Opd).order_by(Opd.name)
    if user.role == "opd":
        # An OPD user's map holds its own kegiatan only; other OPDs would filter to nothing.
        opd_stmt = opd_stmt.where(Opd.id == user.opd_id)
    return {"kecamatan": kecamatan, "desa": desa, "opd": list(db.session.scalars(opd_stmt))}


def public_filter_options() -> dict:
    return {
        "kecamatan": list(db.session.scalars(select(Kecamatan).order_by(Kecamatan.code))),
        "desa": list(db.session.scalars(select(Desa).order_by(Desa.code))),
    }

