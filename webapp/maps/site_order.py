"""The two orders of a scope's sites that the map sorts by: the Z-order of their cells (for grouping)
and name order (for the list).

Sorting 50,000 sites costs a web process a few hundred milliseconds, and it would pay that again
in every process after every change of the sites. So the job that builds the positions file also
sorts them once and stores both orders beside it, packed as typed arrays (a few hundred KB, never
sent to a browser); a process reads them back in a few milliseconds and sorts only when they are
missing (files built before they existed, or a MapData made by hand).
"""
import math
import zlib
from array import array

#: Grid levels of the finest grid: at MAX_ZOOM, cells of CELL_PX on tiles of TILE_PX (see clusters).
MAX_ZOOM = 22
TILE_PX = 256
CELL_PX = 64
LEVELS = MAX_ZOOM + (TILE_PX // CELL_PX).bit_length() - 1
#: A byte with its bits spread to the even bits of 16 (for interleaving x and y, as a Z-order curve).
_SPREAD = [sum(((b >> k) & 1) << (2 * k) for k in range(8)) for b in range(256)]
#: Packed layout version: a blob of another version is ignored (the orders are sorted again).
PACK_VERSION = 1


def _spread(v: int) -> int:
    return _SPREAD[v & 255] | _SPREAD[(v >> 8) & 255] << 16 | _SPREAD[(v >> 16) & 255] << 32


def cell_codes(lat: list[float], lon: list[float]) -> list[int]:
    """Each site's finest grid cell as a Z-order code (x and y bits interleaved, Web Mercator)."""
    side = 1 << LEVELS
    # Sites lie inside the regency: no latitude near the poles, where Mercator is undefined.
    sin, log, rad, k = math.sin, math.log, math.pi / 180.0, 4 * math.pi
    xs = [min(int((v + 180.0) / 360.0 * side), side - 1) for v in lon]
    ys = [min(int((0.5 - log((1 + s) / (1 - s)) / k) * side), side - 1) for s in (sin(v * rad) for v in lat)]
    return [_spread(x) | _spread(y) << 1 for x, y in zip(xs, ys)]


def zorder(lat: list[float], lon: list[float]) -> tuple[array, array]:
    """(positions in Z-order, their codes ascending)."""
    codes = cell_codes(lat, lon)
    order = sorted(range(len(codes)), key=codes.__getitem__)
    return array("l", order), array("q", (codes[i] for i in order))


def name_order(names: list[str]) -> array:
    """Positions in the order of their names (case-folded; equal names by position)."""
    folded = list(map(str.casefold, names))
    return array("l", sorted(range(len(folded)), key=folded.__getitem__))


def pack(lat: list[float], lon: list[float], names: list[str]) -> bytes:
    """Both orders of a scope's sites, compressed, for storing beside its positions file."""
    order, codes = zorder(lat, lon)
    by_name = name_order(names)
    header = array("q", (PACK_VERSION, len(order)))
    return zlib.compress(b"".join(a.tobytes() for a in (header, order, codes, by_name)), 1)


def unpack(blob: bytes | None, count: int) -> dict:
    """{"zorder": (order, codes), "name_order": positions} from `pack`, or {} when the blob is
    missing or not of this layout and count (the caller then sorts itself)."""
    if not blob:
        return {}
    raw = zlib.decompress(blob)
    header = array("q")
    header.frombytes(raw[:16])
    if tuple(header) != (PACK_VERSION, count):
        return {}
    columns, start = [], 16
    for typecode in ("l", "q", "l"):
        column = array(typecode)
        end = start + column.itemsize * count
        column.frombytes(raw[start:end])
        columns.append(column)
        start = end
    order, codes, by_name = columns
    return {"zorder": (order, codes), "name_order": by_name}
