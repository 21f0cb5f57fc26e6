"""What an admin does to sites: edit, deactivate, and merge a duplicate into another. Audited."""
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select, update

from webapp import audit
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.monev.models import kegiatan_site
from webapp.regions.models import Desa, Kecamatan
from webapp.regions.services import in_bbox
from webapp.sites.imports import import_sites
from webapp.sites.models import Site
from webapp.submissions.models import Submission
from webapp.submissions.site_status import refresh_site_status
from webapp.vocabulary import SiteKind


def snapshot(site: Site) -> dict:
    return {"name": site.name, "kind": site.kind, "desa": site.desa.code if site.desa else None,
            "lat": site.lat, "lon": site.lon, "active": site.active, "merged_into_id": site.merged_into_id}


def update_site(actor, site: Site, name: str, kind: str, desa_code: str, lat, lon, bbox) -> None:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = [_("Nama wajib diisi (paling panjang 200 karakter).")]
    if kind not in SiteKind.values():
        errors["kind"] = [_("Jenis lokasi tidak dikenal.")]
    desa = db.session.scalar(select(Desa).where(Desa.code == (desa_code or "").strip()))
    if desa is None:
        errors["desa"] = [_("Kode desa tidak ada di kabupaten ini.")]
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        errors["position"] = [_("Lintang dan bujur harus angka.")]
    else:
        if not in_bbox(bbox, lat, lon):
            errors["position"] = [_("Koordinat di luar wilayah kabupaten.")]
    if errors:
        raise Invalid.fields(errors)
    before = snapshot(site)
    site.name, site.kind, site.desa_id, site.kecamatan_id, site.lat, site.lon = (
        name, kind, desa.id, desa.kecamatan_id, lat, lon)
    db.session.flush()
    db.session.refresh(site)
    after = snapshot(site)
    if after != before:
        if before["desa"] != after["desa"]:
            # Submissions carry the kecamatan of their site for scoping: they follow it.
            db.session.execute(update(Submission).where(Submission.site_id == site.id)
                               .values(kecamatan_id=site.kecamatan_id))
        audit.record(actor, "site.update", "site", site.id, before, after)


def set_site_active(actor, site: Site, active: bool) -> None:
    """A deactivated site keeps its history but is no longer offered to phones or on the map."""
    if site.merged_into_id and active:
        raise Invalid.fields({"active": [_("Lokasi ini sudah digabung ke lokasi lain.")]})
    if site.active == active:
        return
    site.active = active
    audit.record(actor, "site.activate" if active else "site.deactivate", "site", site.id,
                 {"active": not active}, {"active": active})


def merge_sites(actor, duplicate: Site, survivor: Site) -> dict:
    """Move everything of `duplicate` to `survivor` (submissions, follow-ups, kegiatan links) and
    retire the duplicate; returns what moved. Nothing is deleted."""
    if duplicate.id == survivor.id:
        raise Invalid.fields({"target": [_("Pilih lokasi lain sebagai tujuan penggabungan.")]})
    if survivor.merged_into_id or not survivor.active:
        raise Invalid.fields({"target": [_("Lokasi tujuan tidak aktif atau sudah digabung.")]})
    if duplicate.merged_into_id:
        raise Invalid.fields({"target": [_("Lokasi ini sudah digabung sebelumnya.")]})
    before = {"duplicate": snapshot(duplicate), "survivor": snapshot(survivor)}
    moved_submissions = db.session.execute(
        update(Submission).where(Submission.site_id == duplicate.id)
        .values(site_id=survivor.id, kecamatan_id=survivor.kecamatan_id)
    ).rowcount
    moved_followups = db.session.execute(
        update(FollowUp).where(FollowUp.site_id == duplicate.id).values(site_id=survivor.id)).rowcount
    linked = set(db.session.scalars(select(kegiatan_site.c.kegiatan_id).where(kegiatan_site.c.site_id == survivor.id)))
    moving = [k for k in db.session.scalars(select(kegiatan_site.c.kegiatan_id).where(kegiatan_site.c.site_id == duplicate.id))
              if k not in linked]
    db.session.execute(delete(kegiatan_site).where(kegiatan_site.c.site_id == duplicate.id))
    if moving:
        db.session.execute(insert(kegiatan_site), [{"kegiatan_id": k, "site_id": survivor.id} for k in moving])
    # Sites merged into the duplicate earlier now point at the survivor: one hop, always.
    db.session.execute(update(Site).where(Site.merged_into_id == duplicate.id).values(merged_into_id=survivor.id))
    duplicate.active = False
    duplicate.merged_into_id = survivor.id
    db.session.flush()
    db.session.expire_all()
    refresh_site_status(survivor.id, duplicate.id)
    moved = {"submissions": moved_submissions, "followups": moved_followups, "kegiatan": len(moving)}
    audit.record(actor, "site.merge", "site", duplicate.id, before, {"merged_into_id": survivor.id, **moved})
    return moved


def site_counts(site_ids: list[int]) -> dict[int, int]:
    """Submissions per site."""
    if not site_ids:
        return {}
    return dict(db.session.execute(select(Submission.site_id, func.count()).where(Submission.site_id.in_(site_ids))
                                   .group_by(Submission.site_id)).all())


# --- what the console's site pages read ------------------------------------------------------------

def site_listing(args, limit: int) -> dict:
    """The site list's filters (search, kecamatan, kind, active or not) and its first `limit` sites."""
    q = args.get("q", "")[:100]
    kecamatan_id, kind, status = args.get("kecamatan", ""), args.get("jenis", ""), args.get("status", "aktif")
    stmt = select(Site)
    if q:
        stmt = stmt.where(or_(func.lower(Site.name).like(f"%{q.lower()}%"), func.cast(Site.uuid, db.String).like(f"{q}%")))
    if kecamatan_id.isdigit() and len(kecamatan_id) < 10:
        stmt = stmt.where(Site.kecamatan_id == int(kecamatan_id))
    if kind in SiteKind.values():
        stmt = stmt.where(Site.kind == kind)
    if status in ("aktif", "nonaktif"):
        stmt = stmt.where(Site.active.is_(status == "aktif"))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Site.id).subquery()))
    sites = list(db.session.scalars(stmt.order_by(Site.name, Site.id).limit(limit)))
    return {"sites": sites, "total": total, "counts": site_counts([s.id for s in sites]), "q": q, "kind": kind,
            "status": status, "kecamatan_id": kecamatan_id, "kinds": SiteKind.values(),
            "kecamatan": list(db.session.scalars(select(Kecamatan).order_by(Kecamatan.name)))}


#: The edit form's fields, in update_site's order.
FIELDS = ("name", "kind", "desa", "lat", "lon")


def form_values(site: Site, form=None) -> dict:
    """The edit form's fields: as posted (`form`), else as the site is now."""
    if form is not None:
        return {k: form.get(k, "")[:200] for k in FIELDS}
    return {"name": site.name, "kind": site.kind, "desa": site.desa.code, "lat": site.lat, "lon": site.lon}


def edit_context(site: Site) -> dict:
    """What the edit page shows beside the form: the desa to move to, the sites to merge into."""
    desa = list(db.session.scalars(select(Desa).where(Desa.kecamatan_id == site.kecamatan_id).order_by(Desa.name)))
    candidates = list(db.session.scalars(
        select(Site).where(Site.kecamatan_id == site.kecamatan_id, Site.id != site.id, Site.active.is_(True))
        .order_by(Site.name).limit(300)))
    merged_into = db.session.get(Site, site.merged_into_id) if site.merged_into_id else None
    return {"kinds": SiteKind.values(), "desa": desa, "candidates": candidates,
            "count": site_counts([site.id]).get(site.id, 0), "merged_into": merged_into}


def merge_into(actor, duplicate: Site, target_id: str) -> tuple[Site, dict]:
    """Merge `duplicate` into the site whose id the form sent; (the survivor, what moved)."""
    survivor = db.session.get(Site, int(target_id)) if target_id.isdigit() and len(target_id) < 10 else None
    if survivor is None:
        raise Invalid.fields({"target": [_("Pilih lokasi tujuan penggabungan.")]})
    return survivor, merge_sites(actor, duplicate, survivor)


def import_site_file(actor, upload, bbox) -> int:
    """The site CSV import (webapp/sites/imports.py) from the console, audited; the number of sites."""
    result = import_sites(upload.read() if upload else b"", bbox, created_by=actor)
    audit.record(actor, "site.import", "site_file", ((upload.filename if upload else None) or "-")[:64], None,
                 {"sites": result.sites})
    return result.sites
