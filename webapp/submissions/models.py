import uuid as uuidlib
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType, UTCDateTime, utcnow
from webapp.vocabulary import AttachmentState, ReviewState, SyncState, state_type



class Submission(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Client-generated: the idempotency key of the sync protocol.
    uuid: Mapped[uuidlib.UUID] = mapped_column(Uuid, unique=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"), index=True)
    #: Denormalised form code and programme for filters and exports.
    form_code: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    #: Denormalised from the site: every scope filters on it.
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    kegiatan_id: Mapped[int | None] = mapped_column(ForeignKey("kegiatan.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[dict] = mapped_column(JSONType)
    #: sha256 of the canonical item: tells a replay (duplicate) from a conflict.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: GEBER weighted score 0..100; None for unscored forms.
    score: Mapped[float | None] = mapped_column(Float)
    status: Mapped[SyncState] = mapped_column(state_type(SyncState, "status"), default=SyncState.INCOMPLETE)
    #: Evidence flags, e.g. {"distance_m": 412.0, "accuracy_m": 80.0, "recorded_in_future": true}.
    flags: Mapped[dict] = mapped_column(JSONType, default=dict)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    review_state: Mapped[ReviewState] = mapped_column(state_type(ReviewState, "review_state"),
                                                      default=ReviewState.RECEIVED, index=True)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    form_version = relationship("FormVersion")
    user = relationship("User", foreign_keys=[user_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    site = relationship("Site")
    kegiatan = relationship("Kegiatan")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="submission", order_by="Attachment.id")

    __table_args__ = (
        Index("ix_submission_site_form_recorded", "site_id", "form_code", "recorded_at"),
        Index("ix_submission_kecamatan_form_recorded", "kecamatan_id", "form_code", "recorded_at"),
        #: Review queues: "GEBER checks waiting in this kecamatan".
        Index("ix_submission_review_queue", "review_state", "form_code", "kecamatan_id"),
        #: A kegiatan's visits by state and time: the desks look up each kegiatan's latest visit
        #: (submissions.latest.latest_for_each) and count visits per kegiatan from it alone.
        Index("ix_submission_kegiatan_form_recorded", "form_code", "kegiatan_id", "review_state", "recorded_at"),
    )


class Attachment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuidlib.UUID] = mapped_column(Uuid, unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    #: The form field the photo answers.
    field: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(40))
    #: Server-generated path under the storage root; None until the bytes arrive.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[AttachmentState] = mapped_column(state_type(AttachmentState, "state"), default=AttachmentState.PENDING)
    width: Mapped[int | None]
    height: Mapped[int | None]
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))

    submission: Mapped[Submission] = relationship(back_populates="attachments")
