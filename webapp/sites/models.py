import uuid as uuidlib
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Uuid
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

class Site(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Generated on the phone, so a site made offline keeps its identity through sync.
    uuid: Mapped[uuidlib.UUID] = mapped_column(Uuid, unique=True, default=uuidlib.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    desa_id: Mapped[int] = mapped_column(ForeignKey("desa.id"), index=True)
    #: Denormalised from the desa: every scope and map filter is by kecamatan.
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    #: A deactivated site stays with its history but is no longer offered to the phones.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    #: Set when an admin merged this duplicate into another site; its submissions moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))

    desa = relationship("Desa")
    kecamatan = relationship("Kecamatan")
    created_by = relationship("User")
    status: Mapped["SiteStatus | None"] = relationship(back_populates="site", uselist=False)


class SiteStatus(db.Model):
    """The latest figures of a site, kept current by a job so the map never scans submissions."""

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    geber_score: Mapped[float | None] = mapped_column(Float)
    geber_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    geber_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", use_alter=True))
    #: The latest approved check only: what published figures and the public map show.
    approved_score: Mapped[float | None] = mapped_column(Float)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monev_status: Mapped[str | None] = mapped_column(String(16))
    monev_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged: Mapped[bool] = mapped_column(default=False)
    #: The map's ETag reads max(updated_at): indexed so an unchanged map costs one index lookup.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    site: Mapped[Site] = relationship(back_populates="status")

    __table_args__ = (Index("ix_site_status_score", "geber_score"),)
