"""What the map draws and lists, computed from a scope's decoded files (`snapshots.MapData`).

The browser never receives every site as a marker: per zoom level the sites are grouped on a
grid of CELL_PX screen pixels (as supercluster does, without its hierarchy), and only the groups
inside the visible box are sent, a group of one as a site. The site list is sent a page at a time,
worst first. Filters are applied here on the decoded columns, never by a query per request.
"""
import heapq
import math
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate, compress
from operator import itemgetter

from sqlalchemy import select

from webapp.extensions import db
from webapp.maps import site_order
from webapp.maps.services import MapFilters, wib_day_start
from webapp.maps.snapshots import COORD_SCALE, MapData
from webapp.sites.models import Site
from webapp.thresholds import BERSIH_MIN, CUKUP_MIN
from webapp.vocabulary import ScoreBand

#: Grid cell of the clustering, in screen pixels at the zoom asked for (the grid is site_order's).
CELL_PX, TILE_PX, MAX_ZOOM, LEVELS = site_order.CELL_PX, site_order.TILE_PX, site_order.MAX_ZOOM, site_order.LEVELS
#: From this zoom on every site is drawn on its own (a street's worth of sites).
SINGLE_ZOOM = 17
#: The texts of a scope's groups are kept up to this zoom (some 4,000 groups of 50,000 sites spread
#: over a regency at zoom 13); beyond, a view's box holds few groups and they are written each time.
KEPT_GROUPS_ZOOM = 13
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


def _class_of(layer: str):
    if layer == "monev":
        return lambda data, i: data.status["m"][i] or "belum"
    return lambda data, i: band(data.status["s"][i])


def classes(data: MapData, layer: str) -> list[str]:
    """The class of every site on a layer: its score band, or its monev status."""
    if layer == "monev":
        compute = lambda data: [m or "belum" for m in data.status["m"]]  # noqa: E731
    else:
        compute = lambda data: [band(s) for s in data.status["s"]]  # noqa: E731
    return data.derived_column(("classes", layer), compute, _class_of(layer))


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


def _name_rank(data: MapData) -> tuple[list[int], list[int]]:
    """Each site's place in name order, and the site at each place (computed once per positions file)."""
    found = data.positions_memo.get("name_rank")
    if found is None:
        by_rank = data.positions_memo.get("name_order") or site_order.name_order(data.names)
        rank = [0] * len(by_rank)
        for place, i in enumerate(by_rank):
            rank[i] = place
        found = data.positions_memo["name_rank"] = (rank, by_rank)
    return found


#: Bits of a sort key that hold the site's place in name order (unique per site: a key names its site).
RANK_BITS = 21
RANK_MASK = (1 << RANK_BITS) - 1


def _key(rank: int, score, name_rank: int) -> int:
    """An integer that sorts worst first: class rank, then score (none last), then name."""
    return ((rank << 11) + (1010 if score is None else round(score * 10))) << RANK_BITS | name_rank


def _order_keys(data: MapData, layer: str) -> list[int]:
    """The sort key of every site on a layer."""
    order = MONEV_ORDER if layer == "monev" else GEBER_ORDER
    class_of = _class_of(layer)

    def compute(data):
        # `_key` written out: this runs for every site of the scope, where a call per site shows.
        return [((order[c] << 11) + (1010 if s is None else round(s * 10))) << RANK_BITS | r
                for c, s, r in zip(classes(data, layer), data.status["s"], _name_rank(data)[0])]

    def value_of(data, i):
        return _key(order[class_of(data, i)], data.status["s"][i], _name_rank(data)[0][i])
    return data.derived_column(("order", layer), compute, value_of)


#: Pages up to this far into the list are picked by a partial sort; beyond, the whole list is sorted once.
PARTIAL_SORT_MAX = 2000


def _worst_first(data: MapData, filters: MapFilters, offset: int, end: int) -> list[int]:
    """The positions of the sites from `offset` to `end` in the list, worst first."""
    members = filtered(data, filters)
    keys = _order_keys(data, filters.layer)
    if end <= PARTIAL_SORT_MAX:
        # The keys are plain integers that name their site: the heap compares them without a key function.
        chosen = heapq.nsmallest(end, keys if len(members) == len(keys) else [keys[i] for i in members])
    else:
        chosen = _memo(data, ("list", filters.key()), lambda: sorted(
            keys if len(members) == len(keys) else [keys[i] for i in members]))
    by_rank = _name_rank(data)[1]
    return [by_rank[key & RANK_MASK] for key in chosen[offset:end]]


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
    page = _worst_first(data, filters, offset, offset + limit)
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

# At zoom z a cell is one of 2**(z + 2) per side (CELL_PX of a TILE_PX tile), so the finest grid
# (MAX_ZOOM) has 2**LEVELS cells per side and a cell at zoom z is a block of those.


def _take(values, positions) -> list:
    """values[i] for every i in positions (by operator.itemgetter, without a Python loop)."""
    if len(positions) > 1:
        return list(itemgetter(*positions)(values))
    return [values[i] for i in positions]


@dataclass
class SpatialIndex:
    """Sites in Z-order of their finest grid cell: the sites of any cell at any zoom are one run of
    it, found by bisection, and a run's count, position sums and bad sites come from prefix sums,
    so grouping costs per group, not per site. Columns are typed arrays: a few bytes per site
    rather than a Python object each."""

    order: array           #: positions (indexes into the files), in Z-order
    codes: array           #: their cell codes, ascending
    lat: array             #: coordinates in that order (a group's bounds are the min and max of its run)
    lon: array
    ilat: array            #: the same in whole 1e-5 degrees, whose sums are exact
    ilon: array

    def __post_init__(self):
        self.lat_sum = _prefix(self.ilat)
        self.lon_sum = _prefix(self.ilon)

    @classmethod
    def of(cls, order, codes, lat, lon, ilat, ilon) -> "SpatialIndex":
        return cls(array("l", order), array("q", codes), array("d", lat), array("d", lon), array("l", ilat),
                   array("l", ilon))

    def subset(self, keep: bytearray) -> "SpatialIndex":
        """The index of the sites marked in `keep` (by position)."""
        chosen = list(compress(range(len(self.order)), _take(keep, self.order)))
        return SpatialIndex.of(*(_take(column, chosen) for column in (
            self.order, self.codes, self.lat, self.lon, self.ilat, self.ilon)))


def _prefix(values) -> array:
    return array("q", accumulate(values, initial=0))


def _full_index(data: MapData) -> SpatialIndex:
    """The index of every site of the positions file (built once per file and process)."""
    found = data.positions_memo.get("index")
    if found is None:
        order, codes = data.positions_memo.get("zorder") or site_order.zorder(data.lat, data.lon)
        lat, lon = _take(data.lat, order), _take(data.lon, order)
        memo = data.positions_memo
        ilat = _take(memo["ilat"], order) if "ilat" in memo else [round(v * COORD_SCALE) for v in lat]
        ilon = _take(memo["ilon"], order) if "ilon" in memo else [round(v * COORD_SCALE) for v in lon]
        found = memo["index"] = SpatialIndex(order, codes, array("d", lat), array("d", lon), array("l", ilat),
                                             array("l", ilon))
    return found


def spatial_index(data: MapData, filters: MapFilters) -> SpatialIndex:
    """The index of the sites that pass the filters."""
    full = _full_index(data)
    members = filtered(data, filters)
    if len(members) == len(data.ids):
        return full

    def compute():
        keep = bytearray(len(data.ids))
        for i in members:
            keep[i] = 1
        return full.subset(keep)
    return _memo(data, ("index", filters.key()), compute)


def _bad_sums(data: MapData, index: SpatialIndex, filters: MapFilters) -> list[int]:
    """Prefix sums, in the index's order, of the sites of the worst class of the layer."""
    worst = "late" if filters.layer == "monev" else "kotor"
    class_of = _class_of(filters.layer)
    bad = data.derived_column(("bad", filters.layer), lambda data: [int(c == worst) for c in classes(data, filters.layer)],
                              lambda data, i: int(class_of(data, i) == worst))
    return _memo(data, ("bad", filters.key()), lambda: _prefix(_take(bad, index.order)))


class Encoded(list):
    """JSON texts of the items of a list, sent as they are (`prebuilt.encode` joins them)."""


def _group_parts(index: SpatialIndex, start: int, end: int) -> tuple[str, str]:
    """A group's JSON around its count of bad sites, the only part that depends on the status."""
    n = end - start
    lats, lons = index.lat[start:end], index.lon[start:end]
    lat = round((index.lat_sum[end] - index.lat_sum[start]) / n / COORD_SCALE, 5)
    lon = round((index.lon_sum[end] - index.lon_sum[start]) / n / COORD_SCALE, 5)
    return (f'{{"lat":{lat!r},"lon":{lon!r},"n":{n},"bad":',
            f',"bounds":[{min(lats)!r},{min(lons)!r},{max(lats)!r},{max(lons)!r}]}}')


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


def _runs(codes: list[int], shift: int, lo: int, hi: int):
    """(start, end) of each cell's run between lo and hi, cells `shift` bits of code wide."""
    while lo < hi:
        end = bisect_left(codes, ((codes[lo] >> shift) + 1) << shift, lo, hi)
        yield lo, end
        lo = end


def cells(codes: list[int], level: int, cell_box: tuple[int, int, int, int] | None):
    """(start, end) of the run of every non-empty cell of the grid with 2**level cells per side,
    inside `cell_box` (x0, y0, x1, y1 in that grid's cells, inclusive; None: everywhere).

    With a box, the Z-order is walked as the quadtree it is, from the whole world down: a quarter
    outside the box is skipped whole, one inside it is cut into runs, so the work follows the box."""
    shift = 2 * (LEVELS - level)
    if cell_box is None:
        yield from _runs(codes, shift, 0, len(codes))
        return
    x0, y0, x1, y1 = cell_box
    stack = [(0, 0, 0, 0, 0, len(codes))]  # (code prefix, x, y, depth, lo, hi)
    while stack:
        prefix, x, y, depth, lo, hi = stack.pop()
        size = level - depth  # the node covers cells [x << size, (x + 1) << size) of the grid
        left, top, right, bottom = x << size, y << size, ((x + 1) << size) - 1, ((y + 1) << size) - 1
        if right < x0 or left > x1 or bottom < y0 or top > y1:
            continue
        if x0 <= left and right <= x1 and y0 <= top and bottom <= y1:
            yield from _runs(codes, shift, lo, hi)
            continue
        child_shift = 2 * (LEVELS - depth - 1)
        bounds = [lo, *(bisect_left(codes, (prefix << 2 | q) << child_shift, lo, hi) for q in (1, 2, 3)), hi]
        for q in range(4):
            if bounds[q] < bounds[q + 1]:
                stack.append((prefix << 2 | q, x << 1 | q & 1, y << 1 | q >> 1, depth + 1, bounds[q], bounds[q + 1]))


def clusters(data: MapData, filters: MapFilters, zoom: int, box: Box | None) -> dict:
    """The groups and single sites of the map at a zoom level, inside a box (None: everywhere).

    Every site that passes the filters is in exactly one group or is one single site."""
    zoom = max(0, min(zoom, MAX_ZOOM))
    index = spatial_index(data, filters)
    bad = _bad_sums(data, index, filters)
    # A group's place and size depend on the positions only: its text is kept with the index
    # (up to a zoom where a scope has a few thousand groups; beyond, a view covers few of them).
    parts = {}
    if zoom <= KEPT_GROUPS_ZOOM:
        texts = data.positions_memo if index is _full_index(data) else data.memo
        parts = texts.setdefault(("groups", filters.key() if texts is data.memo else None, zoom), {})
    groups, singles = Encoded(), []
    for start, end in cells(index.codes, LEVELS - (MAX_ZOOM - zoom), _cell_range(box, zoom) if box else None):
        if end - start == 1 or zoom >= SINGLE_ZOOM:
            singles.extend(index.order[start:end])
            continue
        found = parts.get(start)
        if found is None:
            found = parts[start] = _group_parts(index, start, end)
        groups.append(f"{found[0]}{bad[end] - bad[start]}{found[1]}")
    singles.sort()
    return {"count": len(filtered(data, filters)), "zoom": zoom, "clusters": groups,
            "sites": site_rows(data, singles, filters.layer)}


def latest_time(data: MapData) -> int | None:
    """The newest date of the scope's status (on the public map: the newest approved check)."""
    return _memo(data, "latest", lambda: max((t for t in data.status["t"] if t is not None), default=None))
