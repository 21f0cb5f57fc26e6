"""GET /api/v1/bootstrap: the field app's offline reference data, with an ETag."""
from flask import jsonify, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from webapp.sync.services import bootstrap, etag_of

blp = Blueprint("sync_api", __name__, url_prefix="/api/v1", description="Reference data for the field app")


class BootstrapSchema(Schema):
    user = fields.Dict()
    csrf_token = fields.String()
    region = fields.Dict()
    forms = fields.List(fields.Dict())
    kecamatan = fields.List(fields.Dict())
    desa = fields.List(fields.Dict())
    sites = fields.List(fields.Dict())
    kegiatan = fields.List(fields.Dict())
    opd = fields.List(fields.Dict())
    site_kinds = fields.List(fields.Dict())
    #: Thresholds, score bands and the time zone (webapp/thresholds.py): the client copies none.
    settings = fields.Dict()


@blp.route("/bootstrap")
@login_required
@blp.response(200, BootstrapSchema)
@blp.alt_response(304, description="Not modified")
def get_bootstrap():
    """The user, current form versions and reference data in the user's scope."""
    document = bootstrap(current_user)
    etag = etag_of(document)
    if etag in request.if_none_match:
        response = jsonify()
        response.status_code = 304
        response.set_etag(etag)
        response.data = b""
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    response = jsonify({**document, "csrf_token": generate_csrf()})
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
