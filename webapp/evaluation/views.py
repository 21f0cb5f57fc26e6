"""The page of one kegiatan (/kegiatan/<code>): facts, S-curves, timeline. Scoped like the rest."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from webapp import charts
from webapp.domain_errors import NotFound
from webapp.evaluation import kegiatan_page as service

bp = Blueprint("monev", __name__)


@bp.route("/kegiatan/<string:code>")
@login_required
def kegiatan_page(code: str):
    try:
        kegiatan = service.find_kegiatan(current_user, code, request.args.get("tahun", type=int),
                                         request.args.get("opd") or None)
    except NotFound:
        abort(404)
    page = service.kegiatan_page(current_user, kegiatan)
    return render_template(
        "monev/kegiatan.html", page=page, kegiatan=kegiatan, row=page.year_row, charts=charts,
    )
