"""Security headers (a Content-Security-Policy fit for Leaflet) and guards on what a request may carry."""
import functools
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l

from webapp.errors import ApiError

@functools.lru_cache(maxsize=4)
def cdn_sources(static_folder: str) -> dict[str, tuple[str, ...]]:
    """The exact CDN files the pages may load (static/vendor/cdn.json), by kind, and the folder of
    Leaflet's images next to its stylesheet: the policy names files, never a whole CDN host."""
    entries = json.loads((Path(static_folder) / "vendor" / "cdn.json").read_text())
    scripts = tuple(e["cdn"] for e in entries.values() if e["cdn"].endswith(".js"))
    styles = tuple(e["cdn"] for e in entries.values() if e["cdn"].endswith(".css"))
    images = tuple(url.rsplit("/", 1)[0] + "/images/" for url in styles if "/leaflet@" in url)
    return {"script": scripts, "style": styles, "img": images}


def content_security_policy() -> str:
    tile_host = urlsplit(current_app.config["TILE_URL"].replace("{s}", "a")).netloc
    tile_src = f"https://{tile_host}" if tile_host else ""
    tile_src = tile_src.replace("https://a.", "https://*.")
    cdn = cdn_sources(current_app.static_folder)
    scripts, styles, images = (" ".join(cdn[kind]) for kind in ("script", "style", "img"))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {scripts}".strip(),
            # Leaflet positions tiles and popups with style attributes; stylesheets stay restricted.
            f"style-src 'self' {styles}".strip(),
            f"style-src-elem 'self' {styles}".strip(),
            "style-src-attr 'unsafe-inline'",
            " ".join(filter(None, ["img-src 'self' data: blob:", images, tile_src])),
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
#: Nesting allowed in a JSON body: far above any form (a repeat group of objects is 6 deep), far
#: below the parser's recursion limit. A batch allows more: its items are checked one by one.
JSON_MAX_DEPTH = 64
ITEMWISE_JSON_MAX_DEPTH = 900


def has_bad_chars(value) -> bool:
    """Whether a string, or any key or value of a JSON structure, holds NUL or a lone surrogate.

    Walked with a stack, not recursion: a deeply nested body costs time in proportion to its size.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if BAD_CHARS.search(item) is not None:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_depth(value, limit: int) -> int:
    """The nesting depth of a JSON structure, counted up to `limit + 1` (without recursion)."""
    if not isinstance(value, (dict, list)):
        return 0
    deepest = 0
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, (dict, list)):
                push((child, depth + 1))
    return deepest


def _json_body():
    """The request's JSON body, parsed once here so that no view meets what the parser cannot take."""
    raw = request.get_data(cache=True)
    if len(raw) > current_app.config["JSON_MAX_BYTES"]:
        raise ApiError(413, _l("Data JSON terlalu besar."), code="too_large")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ApiError(400, _l("Data JSON terlalu bersarang."), code="too_deep") from exc
    except ValueError as exc:
        # Also an integer longer than Python converts (4,300 digits): no field takes one.
        raise ApiError(400, _l("Data JSON tidak dapat dibaca."), code="bad_json") from exc


def _check_json_body():
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json:
        return
    data = _json_body()
    itemwise = request.endpoint in ITEMWISE_JSON
    limit = ITEMWISE_JSON_MAX_DEPTH if itemwise else JSON_MAX_DEPTH
    if json_depth(data, limit) > limit:
        raise ApiError(400, _l("Data JSON terlalu bersarang."), code="too_deep")
    if not itemwise and has_bad_chars(data):
        raise ApiError(400, _l("Data berisi karakter yang tidak diizinkan (NUL)."), code="bad_characters")


def _request_has_bad_chars() -> bool:
    if BAD_CHARS.search(request.path) or any(has_bad_chars(k) or has_bad_chars(v)
                                             for k, v in request.args.items(multi=True)):
        return True
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return any(has_bad_chars(k) or has_bad_chars(v) for k, v in request.form.items(multi=True)) or any(
            has_bad_chars(f.filename or "") for f in request.files.values())
    return False


def init_request_guards(app) -> None:
    """Checks that must run before CSRFProtect, which trips over form fields without a name."""

    @app.before_request
    def refuse_unstorable_characters():
        if _request_has_bad_chars():
            raise ApiError(400, _l("Data berisi karakter yang tidak diizinkan (NUL)."), code="bad_characters")
        _check_json_body()

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
