"""The "Aksi GEBER" layer of the dashboard map: clean-up actions where they took place.

Each action is a point with its date, participants, kg, bags, the OPDs and the school or
community group that took part. No person's name leaves here (not the recorder, not a reviewer).
The actions come from `scopes.aksi_query`, so a camat sees those of their kecamatan only.
"""
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from webapp import scopes
from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.geber.aksi import counted_actions, positive_int, positive_number
from webapp.maps.services import MapFilters, wib_day_start
from webapp.regions.models import Kecamatan
from webapp.sites.models import Site
from webapp.submissions.models import Submission
from webapp.thresholds import WIB

#: Actions drawn at most; the newest first (a regency records a few thousand a year).
LIMIT = 5000


def _action_date(answers: dict, recorded_at) -> str:
    """The day the form names, or the WIB day it was recorded on."""
    day = answers.get("tanggal")
    if isinstance(day, str):
        try:
            return date.fromisoformat(day).isoformat()
        except ValueError:
            pass
    return recorded_at.astimezone(WIB).date().isoformat()


def aksi_features(user, filters: MapFilters) -> dict:
    """A GeoJSON FeatureCollection of the clean-up actions in the user's scope (rejected ones left out).

    An action is placed at its own GPS point, or at its site when it has none; one with neither
    is counted in `meta.unplaced`, not drawn. Filters used: kecamatan, OPD, date range (WIB days).
    """
    by = aliased(User)
    recorder = select(by.kecamatan_id).where(by.id == Submission.user_id).scalar_subquery()
    kecamatan_id = func.coalesce(Submission.kecamatan_id, recorder)
    stmt = (
        counted_actions(scopes.aksi_query(user))
        .outerjoin(Site, Site.id == Submission.site_id)
        .with_only_columns(Submission.uuid, Submission.recorded_at, Submission.answers,
                           func.coalesce(Submission.lat, Site.lat), func.coalesce(Submission.lon, Site.lon),
                           kecamatan_id)
        .order_by(Submission.recorded_at.desc(), Submission.id.desc())
        .limit(LIMIT)
    )
    if filters.kecamatan:
        stmt = stmt.where(kecamatan_id == select(Kecamatan.id).where(Kecamatan.code == filters.kecamatan)
                          .scalar_subquery())
    if filters.date_from:
        stmt = stmt.where(Submission.recorded_at >= wib_day_start(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(Submission.recorded_at < wib_day_start(filters.date_to + timedelta(days=1)))
    opds = {code: short for code, short in db.session.execute(select(Opd.code, Opd.short_name))}
    kecamatan = dict(db.session.execute(select(Kecamatan.id, Kecamatan.name)).all())
    features, unplaced = [], 0
    for uid, recorded_at, answers, lat, lon, kec_id in db.session.execute(stmt):
        answers = answers if isinstance(answers, dict) else {}
        codes = answers.get("opd_terlibat")
        codes = sorted({c for c in codes if c in opds}) if isinstance(codes, list) else []
        if filters.opd and filters.opd not in codes:
            continue
        if lat is None or lon is None:
            unplaced += 1
            continue
        group = answers.get("kelompok")
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "id": str(uid),
                "date": _action_date(answers, recorded_at),
                "kecamatan": kecamatan.get(kec_id),
                "participants": positive_int(answers.get("peserta")),
                "kg": round(positive_number(answers.get("sampah_kg")), 1),
                "bags": positive_int(answers.get("kantong")),
                "opds": [opds[c] for c in codes],
                "group": group.strip() if isinstance(group, str) and group.strip() else None,
            },
        })
    return {"type": "FeatureCollection", "features": features,
            "meta": {"count": len(features), "unplaced": unplaced}}
