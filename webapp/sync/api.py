"""GET /api/v1/bootstrap: the field app's offline reference data, with an ETag."""
from flask import current_app, request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp.sync.services import bootstrap_answer

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
    etag, body = bootstrap_answer(current_user, request.if_none_match)
    response = current_app.response_class(body or b"", status=304 if body is None else 200,
                                          mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
