"""The map's data in two parts, prebuilt per scope and shared by every web process.

* The **positions file**: every active site of the scope (id, position, name, kind, desa,
  kecamatan, the OPDs whose kegiatan it belongs to). It changes only when sites change, so it is
  served under its content hash with `Cache-Control: immutable`.
* The **status array**: per site of the positions file, in the same order, the latest score,
  its time, the monev status and its time, and the evidence flag. It changes with every synced
  check, so it carries a version; a client holding version v fetches only what changed since.

Both are stored gzip-compressed in the database (`MapSnapshot`), so a worker serves their bytes
as they are. A single generation counter (`MapGeneration`) is bumped in the same transaction as
any change of sites, statuses or kegiatan links; a snapshot built at the current generation is
current, so a conditional request costs one small query and never reads the site table.
"""
import functools
import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import accumulate, chain

from flask import current_app
from sqlalchemy import BigInteger, cast, event, func, select
from sqlalchemy.orm import Session

from webapp import scopes
from webapp.extensions import db
from webapp.maps import site_order
from webapp.maps.models import MapGeneration, MapSnapshot, MapStatusDelta
from webapp.maps.services import epoch, fast_rows
from webapp.monev.models import Kegiatan, kegiatan_site
from webapp.accounts.models import Opd
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.site_status import status_refreshed
from webapp.types import utcnow

#: Bump when the layout of the files changes.
FORMAT = 2
#: Positions are sent as integers of 1e-5 degree (about a metre), each the offset from the scope's
#: southernmost / westernmost site (`lat0`, `lon0`).
COORD_SCALE = 100_000
#: Times are sent as whole minutes (what the map shows) before `t0` (epoch seconds): the end of the
#: 30-day window holding the scope's newest time, so recent times are small numbers. `t0` stays
#: while the newest time is at most one window past it (those times are then negative); when it
#: moves (once in 30 to 60 days) no delta is kept for that step and clients fetch the whole array.
TIME_WINDOW = 30 * 86_400
#: Characters that may stand for the site's desa name inside its name (the first one no name holds).
DESA_MARKERS = "~^|`"
#: Status deltas kept per scope; a client further behind gets the whole array.
MAX_DELTAS = 200
GZIP_LEVEL = 6
#: The two files are compressed once by the job and served many times: the smallest setting.
FILE_GZIP_LEVEL = 9
#: Tables whose changes move the map (anything written to them bumps the generation).
WATCHED_TABLES = frozenset({"site", "site_status", "kegiatan", "kegiatan_site"})


@dataclass(frozen=True)
class SnapshotState:
    """What a conditional request needs: the scope's file hash and status version."""

    scope: str
    sites_hash: str
    status_version: int
    status_hash: str

    @property
    def etag(self) -> str:
        return f"{self.sites_hash}.{self.status_version}.{self.status_hash[:8]}"


# --- The generation counter -----------------------------------------------------------------

@functools.cache
def _bump_statement(dialect: str):
    """Built once per dialect: every commit that changes the map runs it, and building costs more than running."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(MapGeneration.__table__).values(id=1, value=1)
    return stmt.on_conflict_do_update(index_elements=["id"], set_={"value": MapGeneration.__table__.c.value + 1})


def bump_generation(connection) -> None:
    """Mark every scope's snapshot as outdated, inside the caller's transaction."""
    connection.execute(_bump_statement(connection.dialect.name))


def _changes_map(session: Session) -> bool:
    return any(isinstance(obj, (Site, SiteStatus, Kegiatan)) for obj in chain(session.new, session.dirty, session.deleted))


#: Set on a session whose transaction changed what the map shows; the bump runs just before its
#: commit, so the counter's row is locked for the commit only, not for the whole transaction.
CHANGED = "map_changed"


def _after_flush(session, flush_context):
    if _changes_map(session):
        session.info[CHANGED] = True


def _on_execute(state):
    # Bulk statements (merging sites, kegiatan links of a DPA import) bypass the flush.
    if (state.is_insert or state.is_update or state.is_delete) and \
            getattr(getattr(state.statement, "table", None), "name", None) in WATCHED_TABLES:
        state.session.info[CHANGED] = True


def _before_commit(session):
    # The commit's own flush comes after this event: count what it is about to write too.
    if session.info.pop(CHANGED, False) or _changes_map(session):
        bump_generation(session.connection())


def _after_rollback(session):
    session.info.pop(CHANGED, None)


def on_status_refreshed(sender, connection, site_ids) -> None:
    """The site-status refresh changed figures of these sites (with Core statements on the
    session's connection): the snapshots are outdated once its transaction commits."""
    db.session().info[CHANGED] = True


def connect() -> None:
    """Keep the generation current: listen to every session's writes and to the site-status refresh."""
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _on_execute),
                           ("before_commit", _before_commit), ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    status_refreshed.connect(on_status_refreshed)


# --- Reading the state ----------------------------------------------------------------------

_CURRENT = select(MapGeneration.value).where(MapGeneration.id == 1).scalar_subquery()
_STATE = select(
    func.coalesce(_CURRENT, 0).label("current"), MapSnapshot.generation, MapSnapshot.sites_hash,
    MapSnapshot.status_version, MapSnapshot.status_hash,
)


def current_state(scope: str) -> SnapshotState:
    """The scope's snapshot, rebuilt first when the data changed since it was built.

    When current (the usual case) this is one query of two one-row tables."""
    row = db.session.execute(_STATE.where(MapSnapshot.scope == scope)).first()
    if row is not None and row.generation == row.current:
        return SnapshotState(scope, row.sites_hash, row.status_version, row.status_hash)
    return rebuild(scope)


# --- Building -------------------------------------------------------------------------------

def _gzip(payload, level: int = GZIP_LEVEL) -> bytes:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return gzip.compress(text, level, mtime=0)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:20]


def _scope_sites(scope: str):
    return scopes.map_scope_sites(scope).where(Site.active.is_(True))


def sites_fingerprint(scope: str) -> str:
    """What the positions file depends on, by one aggregate over the scope's sites and kegiatan links."""
    count, id_sum, latest = db.session.execute(
        _scope_sites(scope).with_only_columns(func.count(Site.id), func.sum(cast(Site.id, BigInteger)),
                                              func.max(Site.updated_at))
    ).one()
    links = db.session.execute(
        select(func.count(), func.sum(cast(kegiatan_site.c.site_id, BigInteger) * 1_000_003 + kegiatan_site.c.kegiatan_id))
    ).one()
    opd_sum = db.session.scalar(select(func.sum(cast(Kegiatan.id, BigInteger) * 1_009 + Kegiatan.opd_id)))
    text = f"{FORMAT}|{count}|{id_sum}|{latest}|{links[0]}|{links[1]}|{opd_sum}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _deltas(values) -> list[int]:
    values = list(values)
    return [b - a for a, b in zip([0, *values], values)]


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def factor_names(names, kind_of, desa_names, kinds: dict) -> tuple[list[str], list[str], str | None]:
    """(rests, prefix per kind, marker): each name without its kind's shared beginning, its desa's
    name replaced by the marker; `prefix[k] + rest` with the marker put back gives the name again."""
    taken = set("".join(names))
    marker = next((m for m in DESA_MARKERS if m not in taken), None)
    if marker is not None:
        names = [n.replace(d, marker) if d else n for n, d in zip(names, desa_names)]
    by_kind: dict[str, list[str]] = {}
    for name, kind in zip(names, kind_of):
        by_kind.setdefault(kind, []).append(name)
    prefixes = {kind: _common_prefix(by_kind[kind]) for kind in kinds}
    return [n[len(prefixes[k]):] for n, k in zip(names, kind_of)], [prefixes[k] for k in kinds], marker


def build_positions(scope: str) -> dict:
    """The positions file of a scope: sites in id order, columns of equal length."""
    rows = list(fast_rows(
        _scope_sites(scope).with_only_columns(Site.id, Site.lat, Site.lon, Site.name, Site.kind, Site.desa_id,
                                              Site.kecamatan_id).order_by(Site.id)))
    ids, lats, lons, names, kind_of, desa_of, kec_of = zip(*rows) if rows else ((),) * 7
    desa = {d.id: d for d in db.session.execute(select(Desa.id, Desa.code, Desa.name))}
    kecamatan = {k.id: k for k in db.session.execute(select(Kecamatan.id, Kecamatan.code, Kecamatan.name))}
    kinds = {kind: i for i, kind in enumerate(dict.fromkeys(kind_of))}
    desa_index = {d: i for i, d in enumerate(dict.fromkeys(desa_of))}
    kec_index = {k: i for i, k in enumerate(dict.fromkeys(kec_of))}
    position = {site_id: i for i, site_id in enumerate(ids)}
    opds: dict[str, list[int]] = {}
    for opd_code, site_id in db.session.execute(
        select(Opd.code, kegiatan_site.c.site_id).join(Kegiatan, Kegiatan.id == kegiatan_site.c.kegiatan_id)
        .join(Opd, Opd.id == Kegiatan.opd_id).distinct().order_by(Opd.code, kegiatan_site.c.site_id)
    ):
        if site_id in position:
            opds.setdefault(opd_code, []).append(position[site_id])
    # A site's kecamatan is (almost always) its desa's: the places table holds each pair once.
    place_index = {pair: i for i, pair in enumerate(dict.fromkeys(zip(desa_of, kec_of)))}
    lat = [round(v * COORD_SCALE) for v in lats]
    lon = [round(v * COORD_SCALE) for v in lons]
    lat0, lon0 = min(lat, default=0), min(lon, default=0)
    rests, prefixes, marker = factor_names(names, kind_of, [desa[d].name for d in desa_of], kinds)
    return {
        "format": FORMAT,
        "count": len(rows),
        "id": _deltas(ids),
        "lat0": lat0, "lon0": lon0,
        "lat": [v - lat0 for v in lat],
        "lon": [v - lon0 for v in lon],
        "n": rests,
        "np": prefixes,
        "dm": marker,
        "k": [kinds[k] for k in kind_of],
        "kinds": list(kinds),
        "p": [place_index[pair] for pair in zip(desa_of, kec_of)],
        "places": [[desa_index[d], kec_index[k]] for d, k in place_index],
        "desa": [[desa[i].code, desa[i].name] for i in desa_index],
        "kecamatan": [[kecamatan[i].code, kecamatan[i].name] for i in kec_index],
        "opd": opds,
    }


def _score(value) -> float | int | None:
    if value is None:
        return None
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


def time_base(times, previous: int | None = None) -> int:
    """`t0`: the previous one while the newest of these epoch seconds is at most a window past it,
    else the end of the 30-day window holding the newest."""
    newest = max((int(t) for t in times if t is not None), default=0)
    if previous is not None and newest <= previous + TIME_WINDOW:
        return previous
    return (newest // TIME_WINDOW + 1) * TIME_WINDOW


def _minutes(seconds, t0: int) -> int | None:
    """Whole minutes before t0, rounded so that `t0 - 60 * value` is the time cut to its minute."""
    return None if seconds is None else (t0 - int(seconds) + 59) // 60


def build_status(scope: str, site_ids: list[int], previous_t0: int | None = None) -> dict:
    """The status array of a scope, aligned with its positions file (`site_ids` in that order)."""
    public = scope == scopes.PUBLIC_MAP_SCOPE
    # Plain driver rows: the times come as epoch seconds computed by the database.
    columns = (SiteStatus.site_id, SiteStatus.approved_score, epoch(SiteStatus.approved_at)) if public else (
        SiteStatus.site_id, SiteStatus.geber_score, epoch(SiteStatus.geber_at), SiteStatus.monev_status,
        epoch(SiteStatus.monev_at), SiteStatus.flagged)
    stmt = _scope_sites(scope)
    if not public:  # the public scope's query joins the status already
        stmt = stmt.join(SiteStatus, SiteStatus.site_id == Site.id)
    found = {row[0]: row[1:] for row in fast_rows(stmt.with_only_columns(*columns))}
    empty = (None,) * (len(columns) - 1)
    rows = [found.get(site_id, empty) for site_id in site_ids]
    t0 = time_base(chain((r[1] for r in rows), () if public else (r[3] for r in rows)), previous_t0)
    status = {"t0": t0, "s": [_score(r[0]) for r in rows], "t": [_minutes(r[1], t0) for r in rows]}
    if not public:
        status["m"] = [r[2] for r in rows]
        status["mt"] = [_minutes(r[3], t0) for r in rows]
        status["f"] = [1 if r[4] else 0 for r in rows]
    return status


def status_changes(old: dict, new: dict) -> list[list]:
    """[index, value per column...] of every site whose status differs (same positions file and `t0`)."""
    keys = [k for k in new if isinstance(new[k], list)]
    old_columns = [old.get(k) or [] for k in keys]
    new_columns = [new[k] for k in keys]
    changes = []
    for i, values in enumerate(zip(*new_columns)):
        if any(i >= len(column) or column[i] != value for column, value in zip(old_columns, values)):
            changes.append([i, *values])
    return changes


def site_ids_of(positions: dict) -> list[int]:
    return list(accumulate(positions["id"]))


def _upsert(dialect: str, values: dict, base_hash: str | None):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = MapSnapshot.__table__
    stmt = insert(table).values(**values)
    # Two processes may rebuild at once: the first to store its files wins, and the other's are
    # dropped (they were built on an array that is no longer the stored one), so each stored
    # delta leads from one stored array to the next and a chain of them never mixes two builds.
    condition = table.c.generation <= stmt.excluded.generation
    if base_hash is not None:
        condition = condition & (table.c.status_hash == base_hash)
    return stmt.on_conflict_do_update(
        index_elements=["scope"], set_={k: stmt.excluded[k] for k in values if k != "scope"}, where=condition,
    ).returning(table.c.scope)


def _insert_delta(dialect: str, values: dict):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(MapStatusDelta.__table__).values(**values).on_conflict_do_nothing()


def rebuild(scope: str) -> SnapshotState:
    """Build the scope's files from the current data (the positions only when its sites changed)
    and store them for every process; commits, so others share the work at once."""
    generation = db.session.scalar(select(MapGeneration.value).where(MapGeneration.id == 1)) or 0
    old = db.session.get(MapSnapshot, scope)
    fingerprint = sites_fingerprint(scope)
    if old is not None and old.sites_fingerprint == fingerprint:
        sites_gz, sites_hash, sites_order = old.sites_gz, old.sites_hash, old.sites_order
        site_ids = site_ids_of(json.loads(gzip.decompress(sites_gz)))
    else:
        positions = build_positions(scope)
        sites_gz = _gzip(positions, FILE_GZIP_LEVEL)
        sites_hash = _hash(sites_gz)
        site_ids = site_ids_of(positions)
        # Sorted from the columns exactly as a web process decodes them, so both sort alike.
        decoded = decode_positions(positions)
        sites_order = site_order.pack(decoded["lat"], decoded["lon"], decoded["names"])
    old_status = json.loads(gzip.decompress(old.status_gz)) if old is not None else None
    status = build_status(scope, site_ids, old_status.get("t0") if old_status else None)
    status_hash = _hash(json.dumps(status, separators=(",", ":")).encode())
    version = 1
    connection = db.session.connection()
    delta = None
    if old is not None:
        version = old.status_version
        if old.status_hash != status_hash or old.sites_hash != sites_hash:
            version += 1
            # A step that moved t0 changes every time: it has no delta, a client fetches the whole array.
            if old.sites_hash == sites_hash and old_status.get("t0") == status["t0"]:
                delta = status_changes(old_status, status)
        db.session.expunge(old)
    # Stored with its version and positions hash, so it is served as it is.
    status_gz = _gzip({"version": version, "sites": sites_hash, **status}, FILE_GZIP_LEVEL)
    stored = connection.execute(_upsert(connection.dialect.name, {
        "scope": scope, "generation": generation, "sites_fingerprint": fingerprint, "sites_hash": sites_hash,
        "sites_gz": sites_gz, "sites_order": sites_order, "status_version": version, "status_hash": status_hash, "status_gz": status_gz,
        "built_at": utcnow(),
    }, old.status_hash if old is not None else None)).first() is not None
    if not stored:
        # Another process stored its build first: serve that one (a later reader rebuilds if
        # it is behind the data).
        db.session.rollback()
        row = db.session.execute(_STATE.where(MapSnapshot.scope == scope)).one()
        return SnapshotState(scope, row.sites_hash, row.status_version, row.status_hash)
    if delta is not None:
        connection.execute(_insert_delta(connection.dialect.name, {
            "scope": scope, "version": version, "sites_hash": status_hash, "changes_gz": _gzip(delta)}))
        connection.execute(MapStatusDelta.__table__.delete().where(
            MapStatusDelta.scope == scope, MapStatusDelta.version <= version - MAX_DELTAS))
    db.session.commit()
    return SnapshotState(scope, sites_hash, version, status_hash)


# --- Reading the files ----------------------------------------------------------------------

def positions_gz(scope: str, sites_hash: str) -> bytes | None:
    """The stored positions file of the scope with this hash, or None (another scope's, or outdated)."""
    return db.session.scalar(select(MapSnapshot.sites_gz).where(MapSnapshot.scope == scope,
                                                               MapSnapshot.sites_hash == sites_hash))


def status_body(state: SnapshotState, since: int | None) -> tuple[bytes, bool]:
    """(gzip JSON, whole): the delta from version `since` when every step is kept, else the whole array."""
    if since is not None and since == state.status_version:
        return _gzip({"version": since, "since": since, "sites": state.sites_hash, "changes": []}), False
    if since is not None and 0 < since < state.status_version:
        rows = db.session.execute(
            select(MapStatusDelta.version, MapStatusDelta.sites_hash, MapStatusDelta.changes_gz)
            .where(MapStatusDelta.scope == state.scope, MapStatusDelta.version > since,
                   MapStatusDelta.version <= state.status_version).order_by(MapStatusDelta.version)
        ).all()
        # A delta chain is used only when it is complete and ends in the stored array.
        if len(rows) == state.status_version - since and rows[-1].sites_hash == state.status_hash:
            merged: dict[int, list] = {}
            for row in rows:
                for change in json.loads(gzip.decompress(row.changes_gz)):
                    merged[change[0]] = change
            body = {"version": state.status_version, "since": since, "sites": state.sites_hash,
                    "changes": [merged[i] for i in sorted(merged)]}
            return _gzip(body), False
    stored = db.session.scalar(select(MapSnapshot.status_gz).where(MapSnapshot.scope == state.scope))
    return stored, True


# --- Decoded, per process -------------------------------------------------------------------

@dataclass
class MapData:
    """A scope's two files decoded into columns, for clustering and lists in this process."""

    scope: str
    ids: list[int]
    lat: list[float]
    lon: list[float]
    names: list[str]
    kinds: list[str]
    kind: list[int]
    desa: list[list[str]]
    desa_of: list[int]
    kecamatan: list[list[str]]
    kecamatan_of: list[int]
    opd: dict[str, list[int]]
    status: dict[str, list]
    #: Memo of values derived from the status too (filters, zoom grids), valid as long as this object.
    memo: OrderedDict
    #: Memo of values derived from the positions alone, shared by every status of the same file.
    positions_memo: dict
    #: Per-site values derived from the status, each with the function that gives one site's value:
    #: a status moved on by a delta patches the sites that changed instead of computing all again.
    derived: dict = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.status.get("version")

    def derived_column(self, key, compute, value_of) -> list:
        """A per-site value of every site, computed once per status (`compute(data)`: all of them,
        `value_of(data, i)`: one site's, for patching)."""
        found = self.derived.get(key)
        if found is None:
            found = self.derived[key] = (compute(self), value_of)
        return found[0]

    def advanced(self, changes: list[list], version: int) -> "MapData":
        """This scope at a later status version: the columns copied with the changed sites patched,
        and so is every derived column; what depends on more than one site is computed again."""
        status = dict(self.status, version=version)
        keys = [k for k in self.status if isinstance(self.status[k], list)]
        for key in keys:
            status[key] = list(self.status[key])
        t0 = status["t0"]
        for change in changes:
            i = change[0]
            for key, value in zip(keys, change[1:]):
                # Times travel as minutes before t0 (the same t0 all along a chain of deltas).
                status[key][i] = t0 - value * 60 if value is not None and key in TIME_KEYS else value
        data = MapData(**{**self.__dict__, "status": status, "memo": OrderedDict(), "derived": {}})
        for key, (values, value_of) in self.derived.items():
            values = list(values)
            for change in changes:
                values[change[0]] = value_of(data, change[0])
            data.derived[key] = (values, value_of)
        return data


def decode_positions(positions: dict) -> dict:
    """The positions file as columns: ids summed back from their differences, coordinates from
    their offsets, names with their kind's beginning and their desa's name put back."""
    lat0, lon0 = positions["lat0"], positions["lon0"]
    ilat = [lat0 + v for v in positions["lat"]]
    ilon = [lon0 + v for v in positions["lon"]]
    lat = [v / COORD_SCALE for v in ilat]
    lon = [v / COORD_SCALE for v in ilon]
    places, desa = positions["places"], positions["desa"]
    desa_of = [places[p][0] for p in positions["p"]]
    kecamatan_of = [places[p][1] for p in positions["p"]]
    prefixes, marker = positions["np"], positions["dm"]
    names = [prefixes[k] + rest for k, rest in zip(positions["k"], positions["n"])]
    if marker is not None:
        names = [n.replace(marker, desa[d][1]) if marker in n else n for n, d in zip(names, desa_of)]
    return {"ids": site_ids_of(positions), "lat": lat, "lon": lon, "names": names,
            "kinds": positions["kinds"], "kind": positions["k"], "desa": desa, "desa_of": desa_of,
            "kecamatan": positions["kecamatan"], "kecamatan_of": kecamatan_of, "opd": positions["opd"],
            # The whole 1e-5 degrees as stored: the spatial index sums them exactly.
            "memo": {"ilat": ilat, "ilon": ilon}}


#: The status columns that hold times.
TIME_KEYS = ("t", "mt")


def decode_status(status: dict) -> dict:
    """The status array with its times as epoch seconds again (cut to the minute)."""
    t0 = status["t0"]
    decoded = dict(status)
    for key in TIME_KEYS:
        if key in status:
            decoded[key] = [None if v is None else t0 - v * 60 for v in status[key]]
    return decoded


def decode(scope: str, positions: dict, status: dict) -> MapData:
    columns = dict(positions)
    memo = columns.pop("memo")
    return MapData(scope=scope, status=status, memo=OrderedDict(), positions_memo=memo, **columns)


_DECODED: OrderedDict[tuple, MapData] = OrderedDict()
_POSITIONS: OrderedDict[tuple, dict] = OrderedDict()
_DECODED_LOCK = threading.Lock()


def _decoded_limit() -> int:
    return current_app.config.get("MAP_DECODED_SCOPES", 8)


def _remember(cache: OrderedDict, key, value) -> None:
    with _DECODED_LOCK:
        cache[key] = value
        while len(cache) > _decoded_limit():
            cache.popitem(last=False)


def _remember_newest(key: tuple, data: MapData) -> None:
    """Keep a decoded status, dropping the scope's older ones (a reader always asks for the current)."""
    with _DECODED_LOCK:
        for other in [k for k, held in _DECODED.items() if k[0] == data.scope and k != key
                      and (held.version or 0) < (data.version or 0)]:
            del _DECODED[other]
    _remember(_DECODED, key, data)


def _positions_of(scope: str, sites_hash: str) -> dict | None:
    key = (scope, sites_hash)
    with _DECODED_LOCK:
        found = _POSITIONS.get(key)
    if found is None:
        row = db.session.execute(select(MapSnapshot.sites_gz, MapSnapshot.sites_order).where(
            MapSnapshot.scope == scope, MapSnapshot.sites_hash == sites_hash)).first()
        if row is None:
            return None
        found = decode_positions(json.loads(gzip.decompress(row.sites_gz)))
        found["memo"].update(site_order.unpack(row.sites_order, len(found["ids"])))
        _remember(_POSITIONS, key, found)
    return found


def _held(state: SnapshotState) -> MapData | None:
    """The newest decoded copy of this scope and positions file older than the state, if any."""
    with _DECODED_LOCK:
        held = [data for (scope, sites_hash, _), data in _DECODED.items()
                if scope == state.scope and sites_hash == state.sites_hash
                and data.version is not None and data.version < state.status_version]
    return max(held, key=lambda data: data.version, default=None)


def _advance(held: MapData, state: SnapshotState) -> MapData | None:
    """The held copy moved on to the state by the stored deltas, or None when the chain is not complete."""
    since = held.version
    if state.status_version - since > MAX_DELTAS:
        return None
    rows = db.session.execute(
        select(MapStatusDelta.version, MapStatusDelta.sites_hash, MapStatusDelta.changes_gz)
        .where(MapStatusDelta.scope == state.scope, MapStatusDelta.version > since,
               MapStatusDelta.version <= state.status_version).order_by(MapStatusDelta.version)
    ).all()
    if len(rows) != state.status_version - since or rows[-1].sites_hash != state.status_hash:
        return None
    merged: dict[int, list] = {}
    for row in rows:
        for change in json.loads(gzip.decompress(row.changes_gz)):
            merged[change[0]] = change
    return held.advanced(list(merged.values()), state.status_version)


def map_data(state: SnapshotState) -> MapData:
    """The decoded files of a state, kept per process by content hash (so never outdated).

    After a status change a process that holds an earlier status of the same positions file
    applies the stored deltas to it (a few rows); otherwise only the status array is read and
    decoded again: the decoded positions (and what is derived from them, such as the spatial
    index) stay as long as the file does."""
    key = (state.scope, state.sites_hash, state.status_hash)
    with _DECODED_LOCK:
        found = _DECODED.get(key)
        if found is not None:
            _DECODED.move_to_end(key)
            return found
    held = _held(state)
    if held is not None:
        data = _advance(held, state)
        if data is not None:
            _remember_newest(key, data)
            return data
    for _ in range(3):
        row = db.session.execute(select(MapSnapshot.status_gz, MapSnapshot.sites_hash, MapSnapshot.status_hash)
                                 .where(MapSnapshot.scope == state.scope)).one()
        # Rebuilt by another process meanwhile: decode what is stored now, under its own key.
        key = (state.scope, row.sites_hash, row.status_hash)
        positions = _positions_of(state.scope, row.sites_hash)
        status = json.loads(gzip.decompress(row.status_gz))
        if positions is not None and status.get("sites") == row.sites_hash:
            break
    else:
        raise RuntimeError(f"the map files of {state.scope} kept changing while read")
    data = decode(state.scope, positions, decode_status(status))
    _remember_newest(key, data)
    return data


def clear_decoded() -> None:
    with _DECODED_LOCK:
        _DECODED.clear()
        _POSITIONS.clear()
