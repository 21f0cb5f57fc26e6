"""The bootstrap document: the user, form versions and reference data in the user's scope.

The reference data part is built once per scope, language and version of the reference data
(webapp/shared_cache.py) and kept where every worker finds it, as JSON bytes with their hash:
an unchanged bootstrap costs two cache reads, not the queries of the scope's sites and kegiatan.
"""
import functools
import hashlib
import json
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import scopes, shared_cache
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.forms.services import current_versions
from webapp.monev.models import Kegiatan
from webapp.regions.services import region_bbox, regency_name
from webapp.sites.models import Site
from webapp.vocabulary import SiteKind
from webapp.thresholds import client_settings


def user_part(user) -> dict:
    """The user as the field app keeps it."""
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
            "kecamatan_id": user.kecamatan_id, "opd_id": user.opd_id, "language": user.language}


def context_part() -> dict:
    """What comes from the configuration and the code, not the database: the region, the site
    kinds in the user's language, the thresholds."""
    config = current_app.config
    return {
        "region": {"code": config["REGION_CODE"], "name": _regency_name(config["REGION_CODE"]),
                   "bbox": list(region_bbox(config))},
        "site_kinds": [{"value": kind.value, "label": kind.label} for kind in SiteKind],
        "settings": client_settings(),
    }


@functools.lru_cache(maxsize=4)
def _regency_name(code: str) -> str | None:
    return regency_name(code)


def reference_data(user) -> dict:
    """Forms, regions, sites, kegiatan and OPDs in the user's scope: the same for every user with
    the same role, kecamatan, OPD and language (what the scope queries read)."""
    kecamatan = db.session.scalars(scopes.kecamatan_query(user)).all()
    desa = db.session.scalars(scopes.desa_query(user)).all()
    desa_codes = {d.id: d.code for d in desa}
    sites = db.session.scalars(scopes.sites_query(user).where(Site.active.is_(True)).options(selectinload(Site.desa))
                               .order_by(Site.name)).all()
    kegiatan = db.session.scalars(scopes.kegiatan_query(user).options(selectinload(Kegiatan.sites),
                                                                       selectinload(Kegiatan.opd))
                                  .order_by(Kegiatan.code)).all()
    return {
        "forms": [{"form": v.form.code, "version": v.version, "definition": v.definition} for v in current_versions()],
        "kecamatan": [{"id": k.id, "code": k.code, "name": k.name} for k in kecamatan],
        "desa": [{"id": d.id, "code": d.code, "name": d.name, "kind": d.kind, "kecamatan_id": d.kecamatan_id}
                 for d in desa],
        "sites": [
            {"uuid": str(s.uuid), "name": s.name, "kind": s.kind,
             "desa_code": desa_codes.get(s.desa_id) or s.desa.code, "desa_name": s.desa.name,
             "kecamatan_id": s.kecamatan_id, "lat": s.lat, "lon": s.lon}
            for s in sites
        ],
        "kegiatan": [
            {"id": k.id, "code": k.code, "name": k.name, "opd_code": k.opd.code,
             "site_uuids": [str(s.uuid) for s in k.sites], "target_indicator": k.target_indicator,
             "target_unit": k.target_unit, "target_value": k.target_value, "pagu": k.pagu}
            for k in kegiatan
        ],
        "opd": [{"id": o.id, "code": o.code, "name": o.name} for o in db.session.scalars(select(Opd).order_by(Opd.name))],
    }


#: The code that shapes the document: a deploy that changes it does not read what the last one cached.
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _scope_key(user) -> str:
    return f"{_CODE}:{user.role}:{user.kecamatan_id}:{user.opd_id}:{get_locale()}"


def _json(value) -> bytes:
    return current_app.json.dumps(value, separators=(",", ":")).encode()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _reference_json(user) -> tuple[str, bytes]:
    body = _json(reference_data(user))
    return _digest(body), body


def bootstrap_answer(user, if_none_match) -> tuple[str, bytes | None]:
    """The bootstrap's ETag and JSON body, or its ETag and None when the client holds it already.

    The reference part comes from the shared cache while the reference data has not changed (a
    304 then reads only its hash); the ETag hashes it with the user and the configuration's part,
    never the CSRF token, which the body adds fresh each time; the body is assembled around the
    cached JSON without parsing it.
    """
    person, context = user_part(user), context_part()
    per_request = _json(person) + _json(context)
    version = shared_cache.reference_version()
    key = f"pantau:bootstrap:{version}:{_scope_key(user)}" if version is not None else None
    ref_etag = shared_cache.get(f"{key}:etag") if key else None
    ref_body = None
    if ref_etag is not None:
        etag = _digest(ref_etag + per_request)
        if etag in if_none_match:
            return etag, None
        ref_body = shared_cache.get(f"{key}:body")
    if ref_body is None:
        digest, ref_body = _reference_json(user)
        ref_etag = digest.encode()
        if key:
            shared_cache.put(f"{key}:body", ref_body)
            shared_cache.put(f"{key}:etag", ref_etag)
    etag = _digest(ref_etag + per_request)
    if etag in if_none_match:
        return etag, None
    head = _json({"user": person, "csrf_token": generate_csrf(), **context})
    return etag, head[:-1] + b"," + ref_body[1:]
