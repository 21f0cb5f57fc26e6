"""Admin console: sites — list, edit, deactivate, merge a duplicate, import CSV."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.admin import bp
from webapp.admin import sites as site_admin
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.regions.services import region_bbox
from webapp.sites.models import Site

PAGE = 200


@bp.route("/lokasi")
def sites_list():
    return render_template("admin/sites.html", **site_admin.site_listing(request.args, PAGE))


def _site_or_404(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    return site


@bp.route("/lokasi/<int:site_id>", methods=["GET", "POST"])
def site_edit(site_id: int):
    site = _site_or_404(site_id)
    errors, values = {}, site_admin.form_values(site, request.form if request.method == "POST" else None)
    if request.method == "POST":
        try:
            site_admin.update_site(current_user, site, *(values[k] for k in site_admin.FIELDS), region_bbox(current_app.config))
        except Invalid as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Lokasi tersimpan."), "info")
            return redirect(url_for("admin.site_edit", site_id=site.id))
    return render_template("admin/site_form.html", site=site, errors=errors, values=values, **site_admin.edit_context(site))


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
    try:
        survivor, moved = site_admin.merge_into(current_user, duplicate, request.form.get("target", ""))
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
        try:
            imported = site_admin.import_site_file(current_user, request.files.get("file"), region_bbox(current_app.config))
        except Invalid as exc:
            db.session.rollback()
            problems = getattr(exc, "problems", [str(exc)])
        else:
            db.session.commit()
    return render_template("admin/sites_import.html", problems=problems, imported=imported)
