"""Admin console: sites — list, edit, deactivate, merge a duplicate, import CSV."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from webapp.domain_errors import Invalid
from webapp.admin import bp
from webapp.admin import sites as site_admin
from webapp.extensions import db
from webapp.regions.imports import ImportError_
from webapp.regions.models import Desa, Kecamatan
from webapp.regions.services import region_bbox
from webapp.sites.imports import import_sites
from webapp.sites.models import Site
from webapp.vocabulary import SiteKind

PAGE = 200


@bp.route("/lokasi")
def sites_list():
    q = request.args.get("q", "")[:100]
    kecamatan_id = request.args.get("kecamatan", "")
    kind = request.args.get("jenis", "")
    status = request.args.get("status", "aktif")
    stmt = select(Site)
    if q:
        stmt = stmt.where(or_(func.lower(Site.name).like(f"%{q.lower()}%"), func.cast(Site.uuid, db.String).like(f"{q}%")))
    if kecamatan_id.isdigit() and len(kecamatan_id) < 10:
        stmt = stmt.where(Site.kecamatan_id == int(kecamatan_id))
    if kind in SiteKind.values():
        stmt = stmt.where(Site.kind == kind)
    if status == "aktif":
        stmt = stmt.where(Site.active.is_(True))
    elif status == "nonaktif":
        stmt = stmt.where(Site.active.is_(False))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Site.id).subquery()))
    sites = list(db.session.scalars(stmt.order_by(Site.name, Site.id).limit(PAGE)))
    counts = site_admin.site_counts([s.id for s in sites])
    return render_template("admin/sites.html", sites=sites, total=total, counts=counts, q=q, kind=kind, status=status,
                           kecamatan_id=kecamatan_id, kinds=SiteKind.values(),
                           kecamatan=list(db.session.scalars(select(Kecamatan).order_by(Kecamatan.name))))


def _site_or_404(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    return site


@bp.route("/lokasi/<int:site_id>", methods=["GET", "POST"])
def site_edit(site_id: int):
    site = _site_or_404(site_id)
    errors = {}
    values = {"name": site.name, "kind": site.kind, "desa": site.desa.code, "lat": site.lat, "lon": site.lon}
    if request.method == "POST":
        values = {k: request.form.get(k, "")[:200] for k in ("name", "kind", "desa", "lat", "lon")}
        try:
            site_admin.update_site(current_user, site, values["name"], values["kind"], values["desa"], values["lat"],
                                   values["lon"], region_bbox(current_app.config))
        except Invalid as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Lokasi tersimpan."), "info")
            return redirect(url_for("admin.site_edit", site_id=site.id))
    desa = list(db.session.scalars(select(Desa).where(Desa.kecamatan_id == site.kecamatan_id).order_by(Desa.name)))
    candidates = list(db.session.scalars(
        select(Site).where(Site.kecamatan_id == site.kecamatan_id, Site.id != site.id, Site.active.is_(True))
        .order_by(Site.name).limit(300)))
    count = site_admin.site_counts([site.id]).get(site.id, 0)
    merged_into = db.session.get(Site, site.merged_into_id) if site.merged_into_id else None
    return render_template("admin/site_form.html", site=site, errors=errors, values=values, kinds=SiteKind.values(),
                           desa=desa, candidates=candidates, count=count, merged_into=merged_into)


@bp.route("/lokasi/<int:site_id>/aktif", methods=["POST"])
def site_active(site_id: int):
    site = _site_or_404(site_id)
    try:
        site_admin.set_site_active(current_user, site, request.form.get("active") == "1")
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Lokasi diaktifkan.") if site.active else _("Lokasi dinonaktifkan."), "info")
    return redirect(url_for("admin.site_edit", site_id=site.id))


@bp.route("/lokasi/<int:site_id>/gabung", methods=["POST"])
def site_merge(site_id: int):
    duplicate = _site_or_404(site_id)
    target_id = request.form.get("target", "")
    survivor = db.session.get(Site, int(target_id)) if target_id.isdigit() and len(target_id) < 10 else None
    if survivor is None:
        flash(_("Pilih lokasi tujuan penggabungan."), "error")
        return redirect(url_for("admin.site_edit", site_id=duplicate.id))
    try:
        moved = site_admin.merge_sites(current_user, duplicate, survivor)
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.site_edit", site_id=duplicate.id))
    db.session.commit()
    flash(_("%(dup)s digabung ke %(target)s: %(n)s kiriman dipindahkan.", dup=duplicate.name, target=survivor.name,
            n=moved["submissions"]), "info")
    return redirect(url_for("admin.site_edit", site_id=survivor.id))


@bp.route("/lokasi/impor", methods=["GET", "POST"])
def sites_import():
    problems, imported = [], None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            result = import_sites(data, region_bbox(current_app.config), created_by=current_user)
        except ImportError_ as exc:
            db.session.rollback()
            problems = exc.problems
        else:
            from webapp import audit

            audit.record(current_user, "site.import", "site_file", (upload.filename or "-")[:64], None,
                         {"sites": result.sites})
            db.session.commit()
            imported = result.sites
    return render_template("admin/sites_import.html", problems=problems, imported=imported)
