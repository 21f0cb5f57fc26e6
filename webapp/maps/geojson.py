"""Compact GeoJSON of map sites, and the HTTP answer that carries it (gzip, ETag, 304).

A regency map holds tens of thousands of points. Three things keep its answer cheap:

* the features are written by string formatting row by row (no dict per feature);
* the sites are cut into chunks by id range, each compressed on its own into a raw deflate
  segment that ends on a byte boundary (as `pigz --independent` does). Segments put one after
  the other form one valid gzip stream, so a chunk whose sites did not change is taken from
  the cache as it was, and a new answer after one status change rebuilds one chunk, not all;
* compression runs in a helper thread while the next chunk is formatted (zlib releases the GIL).
"""
import json
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from json.encoder import encode_basestring as quote

from flask import Response, current_app, request
# zlib-ng writes level 6 in less than half zlib's time, and offers crc32_combine.
from zlib_ng import zlib_ng as zlib

GZIP_LEVEL = 6
#: Sites per chunk, by id: site.id // CHUNK_IDS names the chunk.
CHUNK_IDS = 2048
#: Bytes of compressed chunks a process keeps (MAP_CACHE_BYTES overrides; 0 turns the cache off).
DEFAULT_CACHE_BYTES = 32 * 1024 * 1024
MIMETYPE = "application/geo+json"
#: Property names: id (site uuid), n (name), k (kind), d (desa name), s (score), t (latest date,
#: Unix seconds), m (monev status), f (flagged). Missing values are left out, not sent as null.
_HEAD = b'{"type":"FeatureCollection","features":['
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime, OS unknown
_FINAL_BLOCK = b"\x03\x00"  # an empty final block closes the deflate stream


def format_features(rows: Iterable, desa: dict[int, str], kinds: dict[str, str]) -> tuple[str, int]:
    """Comma-joined features from map rows (id, uuid text, name, kind, desa_id, lat, lon, score,
    epoch, monev, flagged); `desa` and `kinds` map to JSON strings (kinds fills itself)."""
    part: list[str] = []
    append = part.append
    for _, uid, name, kind, desa_id, lat, lon, score, at, monev, flagged in rows:
        extra = ""
        if score is not None:
            extra = f',"s":{score:.4g}'
        if at is not None:
            extra += f',"t":{at}'
        if monev is not None:
            extra += ',"m":' + quote(monev)
        if flagged:
            extra += ',"f":true'
        kind_json = kinds.get(kind)
        if kind_json is None:
            kind_json = kinds[kind] = quote(kind)
        if len(uid) == 32:
            # SQLite keeps a UUID as 32 hex digits; the API speaks the dashed form.
            uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        append(
            f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon:.5f},{lat:.5f}]}},'
            f'"properties":{{"id":"{uid}","n":{quote(name)},"k":{kind_json},"d":{desa.get(desa_id, "null")}{extra}}}}}'
        )
    return ",".join(part), len(part)


def by_chunk(rows: Iterable) -> Iterator[tuple[int, list]]:
    """Rows ordered by site id, grouped by chunk."""
    current, batch = None, []
    for row in rows:
        index = row[0] // CHUNK_IDS
        if index != current:
            if batch:
                yield current, batch
            current, batch = index, []
        batch.append(row)
    if batch:
        yield current, batch


@dataclass(frozen=True)
class Segment:
    """A chunk compressed on its own: raw deflate ending on a byte boundary, with what gzip's
    trailer needs to know of its text."""

    deflate: bytes
    crc: int
    length: int
    count: int = 0


def compress_segment(text: bytes, count: int = 0, level: int = GZIP_LEVEL) -> Segment:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    data = compressor.compress(text) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return Segment(data, zlib.crc32(text), len(text), count)


_HEAD_SEGMENT = compress_segment(_HEAD)
_COMMA_SEGMENT = compress_segment(b",")


def gzip_of(segments: list[Segment]) -> bytes:
    """One gzip member from independent segments: header, the segments, a final block, trailer."""
    crc, length = 0, 0
    for segment in segments:
        crc = zlib.crc32_combine(crc, segment.crc, segment.length)
        length += segment.length
    return b"".join([_GZIP_HEADER, *(s.deflate for s in segments), _FINAL_BLOCK,
                     struct.pack("<II", crc, length & 0xFFFFFFFF)])


class SegmentCache:
    """Compressed chunks by key, least recently used out first; per process, bounded in bytes.

    Safe to share between users: a key covers the scope, the filters and the chunk's data
    (count and latest update times of its rows), recomputed from the database per request.
    """

    def __init__(self):
        self._items: OrderedDict[str, Segment] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Segment | None:
        with self._lock:
            segment = self._items.get(key)
            if segment is not None:
                self._items.move_to_end(key)
            return segment

    def put(self, key: str, segment: Segment, limit: int) -> None:
        size = len(segment.deflate)
        if size > limit:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = segment
            self._size += size
            while self._size > limit:
                _, old = self._items.popitem(last=False)
                self._size -= len(old.deflate)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
        with _CHUNK_KEYS_LOCK:
            _CHUNK_KEYS.clear()


SEGMENTS = SegmentCache()

#: Chunk keys by answer fingerprint: an unchanged map asked for by a new client needs no
#: per-chunk query, only the cached segments.
_CHUNK_KEYS: OrderedDict[str, dict[int, str]] = OrderedDict()
_CHUNK_KEYS_MAX = 256
_CHUNK_KEYS_LOCK = threading.Lock()


def chunk_keys_for(fingerprint: str, compute: Callable[[], dict[int, str]]) -> dict[int, str]:
    """The chunk keys of an answer, computed once per fingerprint (the fingerprint covers them)."""
    with _CHUNK_KEYS_LOCK:
        keys = _CHUNK_KEYS.get(fingerprint)
        if keys is not None:
            _CHUNK_KEYS.move_to_end(fingerprint)
            return keys
    keys = compute()
    with _CHUNK_KEYS_LOCK:
        _CHUNK_KEYS[fingerprint] = keys
        while len(_CHUNK_KEYS) > _CHUNK_KEYS_MAX:
            _CHUNK_KEYS.popitem(last=False)
    return keys


def cache_limit() -> int:
    return current_app.config.get("MAP_CACHE_BYTES", DEFAULT_CACHE_BYTES)


def site_collection_gzip(chunk_keys: dict[int, str], rows_for: Callable[[list[int] | None], Iterable],
                         desa_names: dict[int, str], meta: Callable[[int], dict]) -> bytes:
    """The gzipped FeatureCollection of the chunks named in `chunk_keys` (index → cache key).

    Chunks found in the cache are used as they are; `rows_for(indexes)` reads the rows of the
    others (None: all of them), which are formatted and compressed here and cached.
    """
    limit = cache_limit()
    found = {i: SEGMENTS.get(key) for i, key in chunk_keys.items()} if limit else {}
    missing = [i for i in sorted(chunk_keys) if found.get(i) is None]
    if missing:
        desa = {key: quote(name) for key, name in desa_names.items()}
        kinds: dict[str, str] = {}
        wanted = None if len(missing) == len(chunk_keys) else missing
        with ThreadPoolExecutor(max_workers=1) as pool:
            futures = {}
            for index, rows in by_chunk(rows_for(wanted)):
                if index not in chunk_keys or found.get(index) is not None:
                    continue
                text, count = format_features(rows, desa, kinds)
                futures[index] = pool.submit(compress_segment, text.encode(), count)
            for index, future in futures.items():
                found[index] = future.result()
                if limit:
                    SEGMENTS.put(chunk_keys[index], found[index], limit)
    segments = [_HEAD_SEGMENT]
    count = 0
    for index in sorted(chunk_keys):
        segment = found.get(index)
        if segment is None or not segment.count:
            continue
        if count:
            segments.append(_COMMA_SEGMENT)
        segments.append(segment)
        count += segment.count
    tail = ('],"meta":' + json.dumps(meta(count), separators=(",", ":")) + "}").encode()
    segments.append(compress_segment(tail))
    return gzip_of(segments)


def site_collection_text(rows: Iterable, desa_names: dict[int, str], meta: Callable[[int], dict]) -> bytes:
    """The same FeatureCollection uncompressed, for the rare client that does not take gzip."""
    desa = {key: quote(name) for key, name in desa_names.items()}
    kinds: dict[str, str] = {}
    texts, count = [], 0
    for _, chunk in by_chunk(rows):
        text, n = format_features(chunk, desa, kinds)
        texts.append(text)
        count += n
    tail = '],"meta":' + json.dumps(meta(count), separators=(",", ":")) + "}"
    return _HEAD + ",".join(t for t in texts if t).encode() + tail.encode()


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


def site_collection_response(fingerprint: str, chunk_keys: Callable[[], dict[int, str]],
                             rows_for: Callable[[list[int] | None], Iterable], desa_names: Callable[[], dict[int, str]],
                             meta: Callable[[int], dict], cache_control: str, vary: str) -> Response:
    """The FeatureCollection answer of one fingerprint: a 304 when the client holds it, otherwise
    gzip built from cached chunks, or plain text for a client that does not take gzip."""
    gz = accepts_gzip()
    unchanged = not_modified(fingerprint, gz, cache_control, vary)
    if unchanged is not None:
        return unchanged
    if gz:
        body = site_collection_gzip(chunk_keys_for(fingerprint, chunk_keys), rows_for, desa_names(), meta)
    else:
        body = site_collection_text(rows_for(None), desa_names(), meta)
    return respond(body, fingerprint, gz, cache_control, vary)


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
