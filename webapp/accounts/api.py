"""Session endpoints of the sync protocol: reachability, a fresh CSRF token, and logging in
again from inside the field app (without leaving the page, so an upload in flight goes on)."""
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields, validate

from webapp.accounts.services import authenticate, start_session
from webapp.errors import ApiError
from webapp.extensions import db, limiter


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


class TokenSchema(Schema):
    csrf_token = fields.String()


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


MSG_BAD_LOGIN = _l("Nama pengguna atau kata sandi salah.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


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


@blp.route("/session/token")
@blp.response(200, TokenSchema)
def session_token():
    """A CSRF token for logging in again (no login needed; never cached)."""
    return {"csrf_token": generate_csrf()}


@blp.route("/session", methods=["POST"])
# Per client IP, failures only, as the login page; each account has its own lock as well.
@limiter.limit(_login_limit, deduct_when=lambda response: response.status_code != 200)
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
def log_in(credentials):
    """Log in (again) from the field app: a new session, the user and its CSRF token."""
    user = authenticate(credentials["username"], credentials["password"], ip=request.remote_addr)
    if user is None:
        db.session.commit()  # the count of wrong passwords, and the lock when due
        raise ApiError(401, str(MSG_BAD_LOGIN), {"password": [str(MSG_BAD_LOGIN)]}, code="bad_credentials")
    start_session(user, remember=True)
    db.session.commit()
    # The token of this request (if one was made) belonged to the session just replaced.
    g.pop("csrf_token", None)
    return {"user": user, "csrf_token": generate_csrf()}
