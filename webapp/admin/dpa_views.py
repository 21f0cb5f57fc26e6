"""Admin console: the DPA — kegiatan list, a kegiatan with its plan revisions, the import."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Opd
from webapp.admin import bp, uploads
from webapp.extensions import db
from webapp.monev.dpa import MONTH_KEYS, import_dpa, preview_dpa
from webapp.monev.dpa_files import template_xlsx
from webapp.monev.models import Kegiatan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 200


@bp.route("/kegiatan")
def kegiatan_list():
    q = request.args.get("q", "")[:100]
    opd = request.args.get("opd", "")
    year = request.args.get("tahun", "")
    stmt = select(Kegiatan).options(selectinload(Kegiatan.plan), selectinload(Kegiatan.opd))
    if q:
        stmt = stmt.where(or_(func.lower(Kegiatan.name).like(f"%{q.lower()}%"), Kegiatan.code.like(f"{q}%")))
    if opd:
        stmt = stmt.join(Opd, Opd.id == Kegiatan.opd_id).where(Opd.code == opd)
    if year.isdigit() and len(year) == 4:
        stmt = stmt.where(Kegiatan.fiscal_year == int(year))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Kegiatan.id).subquery()))
    kegiatan = list(db.session.scalars(stmt.order_by(Kegiatan.fiscal_year.desc(), Kegiatan.code).limit(PAGE)))
    years = list(db.session.scalars(select(Kegiatan.fiscal_year).distinct().order_by(Kegiatan.fiscal_year.desc())))
    return render_template("admin/kegiatan.html", kegiatan=kegiatan, total=total, q=q, opd=opd, year=year, years=years,
                           opds=list(db.session.scalars(select(Opd).order_by(Opd.name))))


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
