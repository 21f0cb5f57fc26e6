"""The HTTP answers of the prebuilt map data, shared by the dashboard map and the public map.

Every answer carries an ETag made from the scope's snapshot state (file hash and status
version), so a client that holds it gets a 304 after one query of the snapshot table.
"""
import gzip
import json

from flask import Response, abort, url_for

from webapp.maps import prebuilt, snapshots
from webapp.maps.geojson import accepts_gzip, not_modified
from webapp.maps.services import MapFilters

#: The positions file never changes under its URL (the URL holds its content hash).
IMMUTABLE = "max-age=31536000, immutable"
JSON = "application/json"


def _headers(etag: str, cache_control: str, vary: str) -> dict:
    return {"ETag": f'"{etag}"', "Cache-Control": cache_control, "Vary": vary}


def gzip_response(body_gz: bytes, etag: str, cache_control: str, vary: str) -> Response:
    """Stored gzip bytes as they are, or unpacked for the rare client that does not take gzip."""
    headers = _headers(etag, cache_control, vary)
    if accepts_gzip():
        headers["Content-Encoding"] = "gzip"
        return Response(body_gz, headers=headers, mimetype=JSON)
    return Response(gzip.decompress(body_gz), headers=headers, mimetype=JSON)


def json_response(payload: dict, etag: str, cache_control: str, vary: str) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip_response(gzip.compress(body, snapshots.GZIP_LEVEL, mtime=0), etag, cache_control, vary)


def manifest(scope: str, api: str, cache_control: str, vary: str) -> Response:
    """Where the scope's two files are now: the positions file under its hash, the status with its version."""
    state = snapshots.current_state(scope)
    unchanged = not_modified(state.etag, accepts_gzip(), cache_control, vary)
    if unchanged is not None:
        return unchanged
    return json_response({
        "version": state.status_version, "sites": state.sites_hash,
        "sites_url": url_for(f"{api}.positions_file", sites_hash=state.sites_hash),
        "status_url": url_for(f"{api}.status_array"),
    }, state.etag, cache_control, vary)


def positions_file(scope: str, sites_hash: str, cache_control: str, vary: str) -> Response:
    """The positions file of the scope under this hash; 404 for another scope's or an outdated one."""
    body = snapshots.positions_gz(scope, sites_hash)
    if body is None:
        abort(404)
    return gzip_response(body, sites_hash, f"{cache_control}, {IMMUTABLE}", vary)


def status_array(scope: str, since: int | None, cache_control: str, vary: str) -> Response:
    """The status array, or only what changed since the client's version (a 304 when nothing did)."""
    state = snapshots.current_state(scope)
    delta = since is not None and 0 < since <= state.status_version
    etag = f"{state.etag}-since{since}" if delta else state.etag
    unchanged = not_modified(etag, accepts_gzip(), cache_control, vary)
    if unchanged is not None:
        return unchanged
    body, _ = snapshots.status_body(state, since)
    return gzip_response(body, etag, cache_control, vary)


def _view(scope: str, kind: str, filters: MapFilters, view: dict, cache_control: str, vary: str) -> Response:
    """A view of the map (groups at a zoom, a page of the list): a 304 when the client holds it,
    the stored bytes when it was built ahead, else computed from the decoded files."""
    state = snapshots.current_state(scope)
    etag = prebuilt.view_etag(state, kind, filters, view)
    unchanged = not_modified(etag, accepts_gzip(), cache_control, vary)
    if unchanged is not None:
        return unchanged
    key = prebuilt.view_key(kind, filters, view)
    body = prebuilt.stored(scope, key, state) if key else None
    if body is None:
        body = prebuilt.encode(prebuilt.payload(snapshots.map_data(state), state, kind, filters, view),
                               snapshots.GZIP_LEVEL if key else prebuilt.ON_DEMAND_GZIP_LEVEL)
        if key:
            prebuilt.store(scope, key, state, body)
    return gzip_response(body, etag, cache_control, vary)


def cluster_view(scope: str, filters: MapFilters, view: dict, cache_control: str, vary: str) -> Response:
    """The groups and single sites at a zoom level inside the visible box (the whole scope at a low zoom)."""
    return _view(scope, "clusters", filters, view, cache_control, vary)


def list_view(scope: str, filters: MapFilters, view: dict, cache_control: str, vary: str) -> Response:
    """A page of the site list, worst first; `latest` is the newest date of the scope's status."""
    return _view(scope, "list", filters, view, cache_control, vary)
