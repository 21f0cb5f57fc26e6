"""Form versions: read by everyone logged in, published by admins."""
from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from webapp.domain_errors import Forbidden, Invalid
from webapp.errors import ApiError
from webapp.extensions import db
from webapp.forms.definition_schema import DefinitionError
from webapp.forms.services import current_versions, publish_version

blp = Blueprint("forms_api", __name__, url_prefix="/api/v1", description="Form definitions")


class FormVersionSchema(Schema):
    form = fields.String(attribute="form.code")
    version = fields.Integer()
    definition = fields.Dict()
    published_at = fields.DateTime()


class FormListSchema(Schema):
    forms = fields.List(fields.Nested(FormVersionSchema))


@blp.route("/forms")
@login_required
@blp.response(200, FormListSchema)
def list_forms():
    """The current version of every form."""
    return {"forms": current_versions()}


@blp.route("/forms", methods=["POST"])
@login_required
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}})
@blp.response(201, FormVersionSchema)
def publish_form():
    """Publish a new version of a form (admin only)."""
    if current_user.role != "admin":
        raise Forbidden()
    document = request.get_json(silent=True)
    if not isinstance(document, dict):
        raise ApiError(400, "Kirim definisi formulir sebagai objek JSON.")
    try:
        version = publish_version(document, current_user)
    except DefinitionError as exc:
        raise Invalid(errors=exc.errors) from exc
    db.session.commit()
    return version
