"""Gzip for the app's own text answers (pages, CSS, JS, JSON), so a phone on a slow link gets
the field app's shell in a fraction of its bytes without a proxy in front.

Answers that are already encoded (the map API gzips its own), partial or conditional answers,
small bodies and clients that do not accept gzip are left as they are. Static files are
compressed once per content version and kept in a small cache.
"""
from collections import OrderedDict

from flask import request
from zlib_ng import gzip_ng

#: Media types worth compressing (images, zips and XLSX are compressed already).
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/manifest+json",
              "application/geo+json", "image/svg+xml", "application/xml")
#: Below this many bytes the gzip header costs more than it saves.
MIN_BYTES = 500
LEVEL = 6
GZ_SUFFIX = "-gz"
_CACHE_ITEMS = 128
_static_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()


def _wants_gzip() -> bool:
    return "gzip" in request.accept_encodings


def _compressible(response) -> bool:
    mimetype = response.mimetype or ""
    return (response.status_code == 200 and not response.headers.get("Content-Encoding")
            and "Content-Range" not in response.headers and mimetype.startswith(TEXT_TYPES)
            # A generator (an export) streams as it is made; a static file is read whole.
            and (response.direct_passthrough or not response.is_streamed))


def _gzip(data: bytes) -> bytes:
    return gzip_ng.compress(data, compresslevel=LEVEL, mtime=0)


def _plain_validators() -> None:
    """before_request: an If-None-Match naming a gzip ETag ("…-gz") is compared as the plain one,
    so views and static files answer 304 as they would without compression."""
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if header and GZ_SUFFIX in header:
        request.environ["HTTP_IF_NONE_MATCH"] = header.replace(GZ_SUFFIX + '"', '"')
        request.environ["pantau.gzip_validator"] = True


def compress_response(response):
    """after_request: gzip a text answer when the client accepts it; always say it varies."""
    mimetype = response.mimetype or ""
    if mimetype.startswith(TEXT_TYPES):
        response.vary.add("Accept-Encoding")
    if response.status_code == 304 and request.environ.get("pantau.gzip_validator"):
        etag, weak = response.get_etag()
        if etag:
            response.set_etag(etag + GZ_SUFFIX, weak=weak)
        return response
    if not _wants_gzip() or not _compressible(response):
        return response
    etag, weak = response.get_etag()
    static = request.endpoint == "static" and etag
    original = response.response
    if static and (request.path, etag) in _static_cache:
        body = _static_cache[(request.path, etag)]
        _static_cache.move_to_end((request.path, etag))
    else:
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_BYTES:
            return response
        body = _gzip(data)
        if static:
            _static_cache[(request.path, etag)] = body
            while len(_static_cache) > _CACHE_ITEMS:
                _static_cache.popitem(last=False)
    response.direct_passthrough = False
    response.set_data(body)
    if hasattr(original, "close"):
        original.close()  # a static file's handle: replaced by the compressed bytes
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        # The bytes differ from the plain answer's, so the validator must too.
        response.set_etag(etag + GZ_SUFFIX, weak=weak)
    return response


def init_app(app) -> None:
    app.before_request(_plain_validators)
    app.after_request(compress_response)
