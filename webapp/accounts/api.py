"""Session endpoints of the sync protocol: reachability and a fresh CSRF token."""
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields


blp = Blueprint("session_api", __name__, url_prefix="/api/v1", description="Session and reachability")

#: The body the client checks, so a captive portal's 200 is not taken for the server.
PING_BODY = {"app": "pantau", "ok": True}


class PingSchema(Schema):
    app = fields.String(required=True)
    ok = fields.Boolean(required=True)


class SessionUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    kecamatan_id = fields.Integer(allow_none=True)
    opd_id = fields.Integer(allow_none=True)


class SessionSchema(Schema):
    user = fields.Nested(SessionUserSchema)
    csrf_token = fields.String()


@blp.route("/ping")
@blp.response(200, PingSchema)
def ping():
    """Reachability check with a known body."""
    return PING_BODY


@blp.route("/session")
@blp.response(200, SessionSchema)
@login_required
def session_info():
    """The logged-in user and a fresh CSRF token (never cached)."""
    return {"user": current_user, "csrf_token": generate_csrf()}
