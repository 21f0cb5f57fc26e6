"""The map's most asked-for views, built ahead and shared by every web process.

A first visit to the map asks for the unfiltered groups of the whole scope at a low zoom and the
first page of the list. The job that rebuilds a scope's files builds these too, and any process
that computes one on demand stores it, so the next process serves the stored bytes.
"""
import gzip
import hashlib
import json

from sqlalchemy import select

from webapp.extensions import db
from webapp.maps import clusters, snapshots
from webapp.maps.models import MapView
from webapp.maps.services import MapFilters

#: Up to this zoom a scope's groups are few (a regency is some 15 × 15 cells at zoom 11), so the
#: whole scope is sent whatever the visible box, and the answer can be built ahead.
WHOLE_ZOOM = 12
#: The zooms at which a regency or a kecamatan first shows on a phone or a laptop.
AHEAD_ZOOMS = range(6, WHOLE_ZOOM + 1)
FIRST_PAGE = {"offset": 0, "limit": clusters.LIST_PAGE}
DEFAULT = MapFilters()


def view_key(kind: str, filters: MapFilters, view: dict) -> str | None:
    """The stored name of a view when it is one built ahead, else None."""
    if filters != DEFAULT:
        return None
    if kind == "clusters" and view["zoom"] <= WHOLE_ZOOM:
        return f"clusters:{view['zoom']}"
    if kind == "list" and view["offset"] == 0 and view["limit"] == clusters.LIST_PAGE:
        return "list:first"
    return None


def view_etag(state: snapshots.SnapshotState, kind: str, filters: MapFilters, view: dict) -> str:
    """The validator of a view: the scope's state, the filters and what the view covers."""
    if kind == "clusters":
        covers = {"z": view["zoom"], "bbox": None if view["zoom"] <= WHOLE_ZOOM else view["bbox"]}
    else:
        covers = {"offset": view["offset"], "limit": view["limit"]}
    text = f"{clusters.CELL_PX}|{kind}|{filters.key()}|{covers}"
    return f"{state.etag}.{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def payload(data: snapshots.MapData, state: snapshots.SnapshotState, kind: str, filters: MapFilters,
            view: dict) -> dict:
    """The answer of a view computed from the decoded files."""
    if kind == "clusters":
        box = None if view["zoom"] <= WHOLE_ZOOM else view["bbox"]
        body = clusters.clusters(data, filters, view["zoom"], box)
    else:
        body = clusters.site_list(data, filters, view["offset"], view["limit"])
        body["latest"] = clusters.latest_time(data)
    body["version"] = state.status_version
    return body


#: A view computed for one request is compressed fast; one kept for every process, well.
ON_DEMAND_GZIP_LEVEL = 1


def _json(value) -> str:
    if isinstance(value, clusters.Encoded):
        return f"[{','.join(value)}]"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def encode(body: dict, level: int = snapshots.GZIP_LEVEL) -> bytes:
    text = "{" + ",".join(f"{json.dumps(key)}:{_json(value)}" for key, value in body.items()) + "}"
    return gzip.compress(text.encode(), level, mtime=0)


def stored(scope: str, key: str, state: snapshots.SnapshotState) -> bytes | None:
    return db.session.scalar(select(MapView.body_gz).where(MapView.scope == scope, MapView.view == key,
                                                            MapView.state == state.etag))


def store(scope: str, key: str, state: snapshots.SnapshotState, body_gz: bytes) -> None:
    """Keep a view for the other processes (the newest state wins; commits)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(MapView.__table__).values(scope=scope, view=key, state=state.etag, body_gz=body_gz)
    connection.execute(stmt.on_conflict_do_update(index_elements=["scope", "view"],
                                                  set_={"state": stmt.excluded.state, "body_gz": stmt.excluded.body_gz}))
    db.session.commit()


def build_ahead(scope: str, state: snapshots.SnapshotState) -> int:
    """Build the scope's first views for this state unless they are there; how many were built."""
    have = set(db.session.scalars(select(MapView.view).where(MapView.scope == scope, MapView.state == state.etag)))
    wanted = [("clusters", {"zoom": z, "bbox": None}) for z in AHEAD_ZOOMS] + [("list", dict(FIRST_PAGE))]
    missing = [(kind, view) for kind, view in wanted if view_key(kind, DEFAULT, view) not in have]
    if not missing:
        return 0
    data = snapshots.map_data(state)
    for kind, view in missing:
        store(scope, view_key(kind, DEFAULT, view), state, encode(payload(data, state, kind, DEFAULT, view)))
    return len(missing)
