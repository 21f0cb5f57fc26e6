"""Security headers, including a Content-Security-Policy fit for Leaflet."""
import re
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l

from webapp.errors import ApiError

LEAFLET_CDN = "https://unpkg.com"


def content_security_policy() -> str:
    tile_host = urlsplit(current_app.config["TILE_URL"].replace("{s}", "a")).netloc
    tile_src = f"https://{tile_host}" if tile_host else ""
    tile_src = tile_src.replace("https://a.", "https://*.")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {LEAFLET_CDN}",
            # Leaflet positions tiles and popups with style attributes; stylesheets stay restricted.
            f"style-src 'self' {LEAFLET_CDN}",
            f"style-src-elem 'self' {LEAFLET_CDN}",
            "style-src-attr 'unsafe-inline'",
            f"img-src 'self' data: blob: {LEAFLET_CDN} {tile_src}".strip(),
            "connect-src 'self'",
            "font-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: NUL cannot be stored (or even compared) by PostgreSQL, and a lone surrogate cannot be encoded
#: as UTF-8 for any database: either would reach a query as a 500. (webapp/forms/validator.py
#: refuses the same characters in answers, item by item.)
BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
#: JSON bodies whose items are checked one by one, so one bad item never refuses the others.
ITEMWISE_JSON = {"submissions_api.submit_batch"}


def _has_bad_chars(value) -> bool:
    if isinstance(value, str):
        return BAD_CHARS.search(value) is not None
    if isinstance(value, dict):
        return any(_has_bad_chars(k) or _has_bad_chars(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_bad_chars(v) for v in value)
    return False


def _request_has_bad_chars() -> bool:
    if BAD_CHARS.search(request.path) or any(_has_bad_chars(k) or _has_bad_chars(v)
                                             for k, v in request.args.items(multi=True)):
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return any(_has_bad_chars(k) or _has_bad_chars(v) for k, v in request.form.items(multi=True)) or any(
            _has_bad_chars(f.filename or "") for f in request.files.values())
    if request.is_json and request.endpoint not in ITEMWISE_JSON:
        return _has_bad_chars(request.get_json(silent=True))
    return False


def init_request_guards(app) -> None:
    """Checks that must run before CSRFProtect, which trips over form fields without a name."""

    @app.before_request
    def refuse_unstorable_characters():
        if _request_has_bad_chars():
            raise ApiError(400, _l("Data berisi karakter yang tidak diizinkan (NUL)."), code="bad_characters")

    @app.before_request
    def refuse_unnamed_form_fields():
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "multipart/form-data", "application/x-www-form-urlencoded"
        ):
            if any(not isinstance(key, str) or not key for key in request.form.keys()):
                abort(400)


def init_app(app) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
