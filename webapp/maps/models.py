"""The map's prebuilt data, shared by every web process: per scope a positions file and a status
array (both stored gzip-compressed), the status deltas between versions, and the generation
counter that says whether they are still current."""
from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow


class MapGeneration(db.Model):
    """One row: bumped in the same transaction as any change of sites, their status or kegiatan links."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class MapSnapshot(db.Model):
    """The prebuilt map data of one scope (see `webapp.scopes.map_scope_key`)."""

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The MapGeneration value read before the data was: equal to the current one means current.
    generation: Mapped[int] = mapped_column(BigInteger)
    #: What the positions were built from (count, ids, update times, kegiatan links).
    sites_fingerprint: Mapped[str] = mapped_column(String(64))
    #: The content hash of the positions file, part of its URL.
    sites_hash: Mapped[str] = mapped_column(String(32))
    sites_gz: Mapped[bytes] = mapped_column(LargeBinary)
    #: The sites of the positions file in Z-order and in name order (`site_order.pack`), for the
    #: web processes only; None for files built before it was kept (they sort for themselves).
    sites_order: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Grows by one whenever the status array's content changes.
    status_version: Mapped[int] = mapped_column(Integer)
    status_hash: Mapped[str] = mapped_column(String(32))
    status_gz: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MapStatusDelta(db.Model):
    """What changed in a scope's status array from version - 1 to version (positions unchanged)."""

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    sites_hash: Mapped[str] = mapped_column(String(32))
    #: JSON list of [index, score, time, monev, flagged], gzip-compressed.
    changes_gz: Mapped[bytes] = mapped_column(LargeBinary)


class MapView(db.Model):
    """A view of a scope's map built ahead by the job (the unfiltered groups at a low zoom, the first
    page of the list), stored gzip-compressed under the snapshot state it was built from."""

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    view: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: `SnapshotState.etag` of the files it was computed from: another state means outdated.
    state: Mapped[str] = mapped_column(String(64))
    body_gz: Mapped[bytes] = mapped_column(LargeBinary)
