"""The HTTP answer of the map's small JSON documents (kecamatan summary, clean-up actions):
gzip when the client takes it, an ETag of the body, a 304 when the client holds it."""
from flask import Response, request
# zlib-ng writes level 6 in less than half zlib's time.
from zlib_ng import zlib_ng as zlib

GZIP_LEVEL = 6
MIMETYPE = "application/geo+json"


def accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def etag_for(fingerprint: str, gz: bool) -> str:
    # Each representation has its own validator; either one names the same data.
    return f"{fingerprint}-gz" if gz else fingerprint


def not_modified(fingerprint: str, gz: bool, cache_control: str, vary: str) -> Response | None:
    """A 304 when the client already holds this fingerprint (in either representation)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return None
    tags = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    if header.strip() == "*" or fingerprint in tags or f"{fingerprint}-gz" in tags:
        return Response(status=304, headers=_headers(fingerprint, gz, cache_control, vary))
    return None


def _headers(fingerprint: str, gz: bool, cache_control: str, vary: str) -> dict:
    return {"ETag": f'"{etag_for(fingerprint, gz)}"', "Cache-Control": cache_control, "Vary": vary}


def respond(body: bytes, fingerprint: str, gz: bool, cache_control: str = "private, no-cache",
            vary: str = "Accept-Encoding, Cookie") -> Response:
    headers = _headers(fingerprint, gz, cache_control, vary)
    if gz:
        headers["Content-Encoding"] = "gzip"
    return Response(body, status=200, headers=headers, mimetype=MIMETYPE)


def small_response(body: bytes, fingerprint: str, cache_control: str = "private, no-cache",
                   vary: str = "Accept-Encoding, Cookie") -> Response:
    """A small JSON answer: 304 when unchanged, gzipped whole when accepted."""
    gz = accepts_gzip()
    unchanged = not_modified(fingerprint, gz, cache_control, vary)
    if unchanged is not None:
        return unchanged
    if gz:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        body = compressor.compress(body) + compressor.flush()
    return respond(body, fingerprint, gz, cache_control, vary)
