"""Admin console: the DPA — kegiatan list, a kegiatan with its plan revisions, the import."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.admin import bp, uploads
from webapp.admin import dpa as dpa_admin
from webapp.extensions import db
from webapp.monev.dpa import MONTH_KEYS, import_dpa, preview_dpa
from webapp.monev.dpa_files import template_xlsx
from webapp.monev.models import Kegiatan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 200


@bp.route("/kegiatan")
def kegiatan_list():
    return render_template("admin/kegiatan.html", **dpa_admin.kegiatan_listing(request.args, PAGE))


@bp.route("/kegiatan/<int:kegiatan_id>")
def kegiatan_detail(kegiatan_id: int):
    kegiatan = db.session.get(Kegiatan, kegiatan_id)
    if kegiatan is None:
        abort(404)
    return render_template("admin/kegiatan_detail.html", k=kegiatan, months=MONTH_KEYS)


@bp.route("/kegiatan/templat.xlsx")
def dpa_template():
    return Response(template_xlsx(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="templat-dpa.xlsx"'})


@bp.route("/kegiatan/impor", methods=["GET", "POST"])
def dpa_import():
    """Upload → preview (nothing written) → confirm (everything or nothing)."""
    if request.method == "GET":
        return render_template("admin/dpa_import.html", **uploads.Staged().page)
    staged = uploads.stage(request.form, request.files, preview_dpa, lambda data, name: import_dpa(data, name, current_user))
    if staged.expired:
        return redirect(url_for("admin.dpa_import"))
    if staged.result is not None:
        done = staged.result
        flash(_("DPA diimpor: %(new)s baru, %(changed)s berubah, %(same)s tetap.", new=done.count("new"),
                changed=done.count("changed"), same=done.count("unchanged")), "info")
        return redirect(url_for("admin.kegiatan_list"))
    return render_template("admin/dpa_import.html", **staged.page), staged.status
