"""One error envelope for the API ({code, status, message, errors}); HTML pages for browsers.

The one place where errors become HTTP: the domain errors services raise
(webapp/domain_errors.py) get their status here, and `put_on_form` shows an Invalid on a form.
"""
from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from webapp.domain_errors import Busy, Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge

MESSAGES = {
    400: lazy_gettext("Permintaan tidak dapat dibaca."),
    401: lazy_gettext("Sesi Anda berakhir. Silakan masuk lagi."),
    403: lazy_gettext("Anda tidak berhak mengakses ini."),
    404: lazy_gettext("Data tidak ditemukan."),
    405: lazy_gettext("Metode tidak diizinkan."),
    409: lazy_gettext("Data bertentangan dengan yang sudah tersimpan."),
    413: lazy_gettext("Berkas terlalu besar."),
    415: lazy_gettext("Jenis isi tidak didukung."),
    422: lazy_gettext("Data tidak valid. Periksa isian yang ditandai."),
    429: lazy_gettext("Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi."),
    500: lazy_gettext("Terjadi kesalahan di server. Data Anda tidak hilang; coba lagi nanti."),
    503: lazy_gettext("Layanan sedang sibuk. Coba lagi sebentar lagi."),
}

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
    500: "server_error", 503: "unavailable",
}


#: The HTTP status of each domain error (the first class that matches wins: TooLarge is an Invalid).
STATUS_OF = ((TooLarge, 413), (Invalid, 422), (NotFound, 404), (Forbidden, 403), (Conflict, 409), (Busy, 503))


def status_of(error: DomainError) -> int:
    return next(status for kind, status in STATUS_OF if isinstance(error, kind))


class ErrorSchema(Schema):
    """The envelope the handlers below build, as the OpenAPI document describes every error."""

    code = fields.String(required=True, metadata={"description": "Machine-readable reason, e.g. not_found, csrf"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    message = fields.String(required=True, metadata={"description": "A translated message for the user"})
    errors = fields.Dict(metadata={"description": "Field errors keyed by path, e.g. {\"location.lat\": [...]}"})


class ApiError(Exception):
    """An HTTP error raised by a route itself (request-level checks), with field errors keyed by path.

    Services raise domain errors instead (webapp/domain_errors.py)."""

    def __init__(self, status: int, message: str | None = None, errors: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.code = code


def plain(value):
    """Lazy strings and nested containers made JSON-safe."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message=None, errors=None, code=None):
    message = message or MESSAGES.get(status) or _("Terjadi kesalahan.")
    if wants_json():
        body = {"code": code or CODES.get(status, "error"), "status": status, "message": plain(message)}
        if errors:
            from webapp.schema_messages import translate_errors

            body["errors"] = translate_errors(plain(errors))
        response = jsonify(body)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message, errors=errors), status


def put_on_form(form, error: Invalid, field_of=lambda name: name, fallback: str | None = None) -> list[str]:
    """Show an Invalid's field errors under the form's fields (a path is mapped to a field by
    `field_of`); with `fallback`, that field shows the error's message when no field error reached it.

    Returns the messages of the paths that match no field, one line per path, for the page to show.
    """
    unplaced = []
    for name, messages in error.errors.items():
        target = getattr(form, field_of(name), None)
        if target is not None:
            target.errors = list(target.errors) + [str(m) for m in messages]
        else:
            unplaced.append(" ".join(str(m) for m in messages))
    if fallback and not getattr(form, fallback).errors and error.message:
        getattr(form, fallback).errors = [error.message]
    return unplaced


def _flatten_webargs(messages) -> dict:
    """webargs nests errors under the location ("json", "query"); the client wants field paths."""
    if not isinstance(messages, dict):
        return {"_schema": messages}
    flat: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def init_app(app) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.message, error.errors, error.code)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return error_response(status_of(error), error.message, error.errors, error.code)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return error_response(400, _("Token keamanan (CSRF) tidak ada atau kedaluwarsa. Muat ulang halaman lalu coba lagi."), code="csrf")

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        errors = None
        data = getattr(error, "data", None)
        if isinstance(data, dict) and "messages" in data:
            errors = _flatten_webargs(data["messages"])
        status = error.code or 500
        response = make_response(error_response(status, None if status in MESSAGES else error.description, errors))
        # A 405 names the methods the URL takes (RFC 9110); werkzeug knows them, the envelope must keep them.
        for name, value in error.get_headers():
            if name.lower() == "allow":
                response.headers["Allow"] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error")
        return error_response(500)
