"""What the map draws and lists, computed from a scope's decoded files (`snapshots.MapData`).

The browser never receives every site as a marker: per zoom level the sites are grouped on a
grid of CELL_PX screen pixels (as supercluster does, without its hierarchy), and only the groups
inside the visible box are sent, a group of one as a site. The site list is sent a page at a time,
worst first. Filters are applied here on the decoded columns, never by a query per request.
"""
import heapq
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.maps.services import MapFilters, wib_day_start
from webapp.maps.snapshots import MapData
from webapp.sites.models import Site
from webapp.thresholds import BERSIH_MIN, CUKUP_MIN
from webapp.vocabulary import ScoreBand

#: Grid cell of the clustering, in screen pixels at the zoom asked for.
CELL_PX = 64
TILE_PX = 256
#: From this zoom on every site is drawn on its own (a street's worth of sites).
SINGLE_ZOOM = 17
MAX_ZOOM = 22
#: Grids of a whole scope are kept up to this zoom (a few hundred cells); beyond, each is built for its box.
KEPT_GRID_ZOOM = 12
LIST_PAGE = 100
MAX_LIST_PAGE = 500
#: Derived values kept per decoded scope (filters × zoom levels).
MEMO_ENTRIES = 16
#: Worst first: the order of the list and the class a cluster counts as bad.
GEBER_ORDER = {"kotor": 0, "cukup": 1, "bersih": 2, "belum": 3}
MONEV_ORDER = {"late": 0, "at_risk": 1, "belum": 2, "on_track": 3}


_BERSIH, _CUKUP, _KOTOR, _BELUM = (ScoreBand.BERSIH.value, ScoreBand.CUKUP.value, ScoreBand.KOTOR.value,
                                   ScoreBand.BELUM.value)


def band(score) -> str:
    """The score band of a score (as `thresholds.score_band`, as plain text: this runs per site)."""
    if score is None:
        return _BELUM
    if score >= BERSIH_MIN:
        return _BERSIH
    if score >= CUKUP_MIN:
        return _CUKUP
    return _KOTOR


def _memo(data: MapData, key, compute):
    found = data.memo.get(key)
    if found is None:
        found = data.memo[key] = compute()
        while len(data.memo) > MEMO_ENTRIES:
            data.memo.popitem(last=False)
    else:
        data.memo.move_to_end(key)
    return found


def _position(items: list, code: str | None) -> int | None:
    return next((i for i, item in enumerate(items) if item[0] == code), None)


def classes(data: MapData, layer: str) -> list[str]:
    """The class of every site on a layer: its score band, or its monev status."""
    if layer == "monev":
        return _memo(data, ("classes", layer), lambda: [m or "belum" for m in data.status["m"]])
    return _memo(data, ("classes", layer), lambda: [band(s) for s in data.status["s"]])


def _filter(data: MapData, filters: MapFilters) -> list[int]:
    status = data.status
    scores = status["s"]
    keep = range(len(data.ids))
    if filters.layer == "monev":
        linked = {i for members in data.opd.values() for i in members}
        keep = [i for i in keep if i in linked]
    if filters.opd:
        members = set(data.opd.get(filters.opd, ()))
        keep = [i for i in keep if i in members]
    if filters.kecamatan:
        k = _position(data.kecamatan, filters.kecamatan)
        keep = [i for i in keep if data.kecamatan_of[i] == k]
    if filters.desa:
        d = _position(data.desa, filters.desa)
        keep = [i for i in keep if data.desa_of[i] == d]
    if filters.kind:
        kind = data.kinds.index(filters.kind) if filters.kind in data.kinds else None
        keep = [i for i in keep if data.kind[i] == kind]
    times = status["mt"] if filters.layer == "monev" else status["t"]
    if filters.date_from:
        start = wib_day_start(filters.date_from).timestamp()
        keep = [i for i in keep if times[i] is not None and times[i] >= start]
    if filters.date_to:
        end = wib_day_start(filters.date_to + timedelta(days=1)).timestamp()
        keep = [i for i in keep if times[i] is not None and times[i] < end]
    if filters.band:
        cls = classes(data, "geber")
        keep = [i for i in keep if cls[i] == filters.band]
    if filters.status:
        wanted = None if filters.status == "belum" else filters.status
        keep = [i for i in keep if status["m"][i] == wanted]
    if filters.flagged:
        keep = [i for i in keep if status["f"][i]]
    return list(keep)


def filtered(data: MapData, filters: MapFilters) -> list[int]:
    """Positions (indexes into the files) of the sites that pass the filters, in id order."""
    return _memo(data, ("filter", filters.key()), lambda: _filter(data, filters))


def _name_rank(data: MapData) -> list[int]:
    """Each site's place in name order (computed once per positions file)."""
    found = data.positions_memo.get("name_rank")
    if found is None:
        folded = list(map(str.casefold, data.names))
        rank = [0] * len(folded)
        for place, i in enumerate(sorted(range(len(folded)), key=folded.__getitem__)):
            rank[i] = place
        found = data.positions_memo["name_rank"] = rank
    return found


def _key(rank: int, score, name_rank: int) -> int:
    """An integer that sorts worst first: class rank, then score (none last), then name."""
    return ((rank << 11) + (1010 if score is None else round(score * 10))) << 21 | name_rank


def _order_keys(data: MapData, layer: str) -> list[int]:
    """The sort key of every site on a layer."""
    def compute():
        order = MONEV_ORDER if layer == "monev" else GEBER_ORDER
        return [_key(order[c], s, r) for c, s, r in zip(classes(data, layer), data.status["s"], _name_rank(data))]
    return _memo(data, ("order", layer), compute)


#: Pages up to this far into the list are picked by a partial sort; beyond, the whole list is sorted once.
PARTIAL_SORT_MAX = 2000


def _worst_first(data: MapData, filters: MapFilters, end: int) -> list[int]:
    members = filtered(data, filters)
    if len(members) * 4 < len(data.ids):
        # A narrow filter: keys for its members only.
        order = MONEV_ORDER if filters.layer == "monev" else GEBER_ORDER
        cls, scores, ranks = classes(data, filters.layer), data.status["s"], _name_rank(data)
        keys = {i: _key(order[cls[i]], scores[i], ranks[i]) for i in members}
    else:
        keys = _order_keys(data, filters.layer)
    if end <= PARTIAL_SORT_MAX:
        return heapq.nsmallest(end, members, key=keys.__getitem__)
    return _memo(data, ("list", filters.key()), lambda: sorted(members, key=keys.__getitem__))


# --- Sites as the client shows them ---------------------------------------------------------

def _uuids(data: MapData, positions: list[int]) -> dict[int, str]:
    ids = [data.ids[i] for i in positions]
    if not ids:
        return {}
    return {site_id: str(uid) for site_id, uid in db.session.execute(select(Site.id, Site.uuid).where(Site.id.in_(ids)))}


def site_rows(data: MapData, positions: list[int], layer: str) -> list[dict]:
    """The sites at these positions as the list and the popups read them (feature properties
    id, n, k, d, s, t, m, f plus lat and lon; missing values left out)."""
    uuids = _uuids(data, positions)
    status = data.status
    times = status["mt"] if layer == "monev" and "mt" in status else status["t"]
    rows = []
    for i in positions:
        row = {"id": uuids.get(data.ids[i]), "n": data.names[i], "k": data.kinds[data.kind[i]],
               "d": data.desa[data.desa_of[i]][1], "lat": data.lat[i], "lon": data.lon[i]}
        if status["s"][i] is not None:
            row["s"] = status["s"][i]
        if times[i] is not None:
            row["t"] = times[i]
        if "m" in status and status["m"][i] is not None:
            row["m"] = status["m"][i]
        if "f" in status and status["f"][i]:
            row["f"] = True
        rows.append(row)
    return rows


def site_list(data: MapData, filters: MapFilters, offset: int, limit: int) -> dict:
    """One page of the site list, worst first, and how many sites there are in all."""
    page = _worst_first(data, filters, offset + limit)[offset:offset + limit]
    return {"count": len(filtered(data, filters)), "offset": offset, "bounds": bounds(data, filters),
            "sites": site_rows(data, page, filters.layer)}


def bounds(data: MapData, filters: MapFilters) -> list[float] | None:
    """[south, west, north, east] of the sites that pass the filters; None when there are none."""
    def compute():
        members = filtered(data, filters)
        if not members:
            return ()
        if len(members) == len(data.ids):
            lats, lons = data.lat, data.lon
        else:
            lats = [data.lat[i] for i in members]
            lons = [data.lon[i] for i in members]
        return (min(lats), min(lons), max(lats), max(lons))
    found = _memo(data, ("bounds", filters.key()), compute)
    return list(found) or None


# --- Clusters -------------------------------------------------------------------------------

def _projected(data: MapData) -> tuple[list[float], list[float]]:
    """Web Mercator x and y in [0, 1] of every site."""
    def compute():
        xs = [(lon + 180.0) / 360.0 for lon in data.lon]
        # Sites lie inside the regency: no latitude near the poles, where Mercator is undefined.
        sin, log, rad, k = math.sin, math.log, math.pi / 180.0, 4 * math.pi
        ys = [0.5 - log((1 + s) / (1 - s)) / k for s in (sin(lat * rad) for lat in data.lat)]
        return xs, ys
    found = data.positions_memo.get("xy")
    if found is None:
        found = data.positions_memo["xy"] = compute()
    return found


def _grid(data: MapData, filters: MapFilters, zoom: int, box: "Box | None") -> dict[tuple[int, int], list[int]]:
    """The filtered sites by grid cell at a zoom, within a box. Kept only for a whole scope (a
    low zoom, few cells); at a street's zoom only the box's sites are placed, each time."""
    def compute():
        xs, ys = _projected(data)
        cells = TILE_PX * 2 ** zoom / CELL_PX
        members = filtered(data, filters)
        if box is not None:
            x0, y0, x1, y1 = (value / cells for value in _cell_range(box, zoom))
            x1, y1 = x1 + 1 / cells, y1 + 1 / cells
            members = [i for i in members if x0 <= xs[i] < x1 and y0 <= ys[i] < y1]
        grid: dict[tuple[int, int], list[int]] = {}
        for i in members:
            grid.setdefault((int(xs[i] * cells), int(ys[i] * cells)), []).append(i)
        return grid
    if box is not None or zoom > KEPT_GRID_ZOOM:
        return compute()
    return _memo(data, ("grid", filters.key(), zoom), compute)


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float


def _cell_range(box: Box, zoom: int) -> tuple[int, int, int, int]:
    cells = TILE_PX * 2 ** zoom / CELL_PX

    def y_of(lat):
        sin = math.sin(math.radians(max(min(lat, 85.0511), -85.0511)))
        return 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)

    return (int((box.west + 180) / 360 * cells), int(y_of(box.north) * cells),
            int((box.east + 180) / 360 * cells), int(y_of(box.south) * cells))


def clusters(data: MapData, filters: MapFilters, zoom: int, box: Box | None) -> dict:
    """The groups and single sites of the map at a zoom level, inside a box (None: everywhere).

    Every site that passes the filters is in exactly one group or is one single site."""
    zoom = max(0, min(zoom, MAX_ZOOM))
    cls = classes(data, filters.layer)
    worst = "late" if filters.layer == "monev" else "kotor"
    x0, y0, x1, y1 = _cell_range(box, zoom) if box else (-1, -1, math.inf, math.inf)
    groups, singles = [], []
    for (cx, cy), members in _grid(data, filters, zoom, box).items():
        if not (x0 <= cx <= x1 and y0 <= cy <= y1):
            continue
        if len(members) == 1 or zoom >= SINGLE_ZOOM:
            singles.extend(members)
            continue
        lats = [data.lat[i] for i in members]
        lons = [data.lon[i] for i in members]
        groups.append({
            "lat": round(sum(lats) / len(lats), 5), "lon": round(sum(lons) / len(lons), 5), "n": len(members),
            "bad": sum(1 for i in members if cls[i] == worst),
            "bounds": [min(lats), min(lons), max(lats), max(lons)],
        })
    singles.sort()
    return {"count": len(filtered(data, filters)), "zoom": zoom, "clusters": groups,
            "sites": site_rows(data, singles, filters.layer)}


def latest_time(data: MapData) -> int | None:
    """The newest date of the scope's status (on the public map: the newest approved check)."""
    return _memo(data, "latest", lambda: max((t for t in data.status["t"] if t is not None), default=None))
