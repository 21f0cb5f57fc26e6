"""The map page, a site's history and photo thumbnails (HTML), all within the user's scope."""
import uuid

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from webapp import scopes
from webapp.maps import services
from webapp.maps.page import page_config
from webapp.maps.schemas import parse_filters

bp = Blueprint("maps", __name__)

ZERO = uuid.UUID(int=0)


def _template_url(endpoint: str, **values) -> str:
    """A URL with "{id}" where the script puts a site's uuid."""
    return url_for(endpoint, **values).replace(str(ZERO), "{id}")


@bp.route("/peta")
@login_required
def index():
    filters, invalid = parse_filters(request.args)
    config = page_config(
        "dashboard", "map_api",
        detail_url=_template_url("map_api.map_site_detail", site_uuid=ZERO),
        summary_url=url_for("map_api.kecamatan_summary"),
        aksiUrl=url_for("map_api.aksi_actions"),
    )
    return render_template(
        "maps/map.html", config=config, filters=filters, invalid=invalid,
        options=services.filter_options(current_user), summary=request.args.get("ringkasan") == "1",
        aksi=request.args.get("aksi") == "1",
    )


@bp.route("/lokasi/<uuid:site_uuid>")
@login_required
def site_history(site_uuid):
    site = services.scoped_site(current_user, site_uuid)
    if site is None:
        abort(404)
    page = min(max(request.args.get("halaman", 1, type=int) or 1, 1), services.MAX_HISTORY_PAGES)
    detail = services.site_detail(current_user, site_uuid)
    rows, more = services.site_history(current_user, site, page)
    # A reviewer opens a submission from its row; the review pages belong to the review workflow.
    reviewable = "review.detail" in current_app.view_functions
    rows = [(sub, photo, url_for("review.detail", uuid=sub.uuid)
             if reviewable and scopes.can_review(current_user, sub) else None) for sub, photo in rows]
    return render_template("maps/site_history.html", site=site, detail=detail, rows=rows, page=page, more=more)


@bp.route("/foto/<uuid:attachment_uuid>/thumb")
@login_required
def photo_thumbnail(attachment_uuid):
    path = services.thumbnail_file(current_user, attachment_uuid)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400)
    # A thumbnail never changes, but it is the user's data: browsers may keep it, proxies may not.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
