"""The bootstrap document: the user, form versions and reference data in the user's scope."""
import hashlib
import json

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import scopes
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.forms.services import current_versions
from webapp.monev.models import Kegiatan
from webapp.regions.services import region_bbox, regency_name
from webapp.sites.models import Site
from webapp.vocabulary import SiteKind
from webapp.thresholds import client_settings


def bootstrap(user) -> dict:
    """Everything the field app keeps offline, without the CSRF token (that varies per session)."""
    config = current_app.config
    kecamatan = db.session.scalars(scopes.kecamatan_query(user)).all()
    desa = db.session.scalars(scopes.desa_query(user)).all()
    desa_codes = {d.id: d.code for d in desa}
    sites = db.session.scalars(scopes.sites_query(user).where(Site.active.is_(True)).options(selectinload(Site.status), selectinload(Site.desa))
                               .order_by(Site.name)).all()
    kegiatan = db.session.scalars(scopes.kegiatan_query(user).options(selectinload(Kegiatan.sites),
                                                                       selectinload(Kegiatan.opd))
                                  .order_by(Kegiatan.code)).all()
    return {
        "user": {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
                 "kecamatan_id": user.kecamatan_id, "opd_id": user.opd_id, "language": user.language},
        "region": {"code": config["REGION_CODE"], "name": regency_name(config["REGION_CODE"]),
                   "bbox": list(region_bbox(config))},
        "forms": [{"form": v.form.code, "version": v.version, "definition": v.definition} for v in current_versions()],
        "kecamatan": [{"id": k.id, "code": k.code, "name": k.name} for k in kecamatan],
        "desa": [{"id": d.id, "code": d.code, "name": d.name, "kind": d.kind, "kecamatan_id": d.kecamatan_id}
                 for d in desa],
        "sites": [
            {"uuid": str(s.uuid), "name": s.name, "kind": s.kind,
             "desa_code": desa_codes.get(s.desa_id) or s.desa.code, "desa_name": s.desa.name,
             "kecamatan_id": s.kecamatan_id, "lat": s.lat, "lon": s.lon,
             "latest_score": s.status.geber_score if s.status else None,
             "latest_at": s.status.geber_at.isoformat() if s.status and s.status.geber_at else None}
            for s in sites
        ],
        "kegiatan": [
            {"id": k.id, "code": k.code, "name": k.name, "opd_code": k.opd.code,
             "site_uuids": [str(s.uuid) for s in k.sites], "target_indicator": k.target_indicator,
             "target_unit": k.target_unit, "target_value": k.target_value, "pagu": k.pagu}
            for k in kegiatan
        ],
        "opd": [{"id": o.id, "code": o.code, "name": o.name} for o in db.session.scalars(select(Opd).order_by(Opd.name))],
        "site_kinds": [{"value": kind.value, "label": kind.label} for kind in SiteKind],
        "settings": client_settings(),
    }


def etag_of(document: dict) -> str:
    body = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:32]
