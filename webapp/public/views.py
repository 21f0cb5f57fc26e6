"""The public map page and the thumbnails it may show."""
import functools
import uuid

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for

from webapp.extensions import limiter
from webapp.geber import aksi
from webapp.maps import services
from webapp.maps.page import page_config
from webapp.maps.schemas import PublicFiltersSchema, parse_filters
from webapp.regions.services import regency_name

bp = Blueprint("public", __name__)


def require_enabled() -> None:
    """Every public page and API answers 404 while the public map is switched off."""
    if not current_app.config.get("PUBLIC_MAP_ENABLED"):
        abort(404)


bp.before_request(require_enabled)

ZERO = uuid.UUID(int=0)
PUBLIC_LIMIT = "300 per minute"


@functools.lru_cache(maxsize=4)
def _regency(code: str) -> str:
    return regency_name(code) or code


@bp.route("/publik")
@limiter.limit(PUBLIC_LIMIT)
def map_view():
    filters, invalid = parse_filters(request.args, PublicFiltersSchema)
    latest = services.public_data_date()
    config = page_config(
        "public", "public_api",
        detail_url=url_for("public_api.public_site_detail", site_uuid=ZERO).replace(str(ZERO), "{id}"),
        summary_url=url_for("public_api.public_kecamatan_summary"),
    )
    return render_template(
        "public/map.html", config=config, filters=filters, invalid=invalid, latest=latest,
        options=services.public_filter_options(), summary=request.args.get("ringkasan") == "1",
        photos=services.public_photos_enabled(), regency=_regency(current_app.config["REGION_CODE"]),
        aksi=aksi.public_summary(),
    )


@bp.route("/publik/foto/<uuid:attachment_uuid>/thumb")
@limiter.limit(PUBLIC_LIMIT)
def photo_thumbnail(attachment_uuid):
    path = services.public_thumbnail_file(attachment_uuid)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)
