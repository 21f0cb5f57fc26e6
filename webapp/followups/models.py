from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow
from webapp.vocabulary import FollowUpState, state_type


class FollowUp(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    source_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    kegiatan_id: Mapped[int | None] = mapped_column(ForeignKey("kegiatan.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    #: Exactly one assignee: an OPD or a kecamatan.
    assignee_opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    assignee_kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    #: The person who answers for it: a user of the assignee OPD or kecamatan.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[FollowUpState] = mapped_column(state_type(FollowUpState, "status"), default=FollowUpState.OPEN,
                                                  index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    #: Storage key of the evidence photo given when the follow-up was closed.
    evidence_key: Mapped[str | None] = mapped_column(String(200))
    #: When the work was reported done; kept once verified, cleared when reopened.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Reported done after its due date (a WIB calendar day); set with `completed_at`.
    completed_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: Why Bappeda reopened it last (the full story is in the audit trail).
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    #: "YYYY-MM" of the Rakor (monthly coordination meeting) that decided it.
    rakor_month: Mapped[str | None] = mapped_column(String(7), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    source_submission = relationship("Submission")
    kegiatan = relationship("Kegiatan")
    site = relationship("Site")
    assignee_opd = relationship("Opd")
    assignee_kecamatan = relationship("Kecamatan")
    created_by = relationship("User", foreign_keys=[created_by_id])
    owner = relationship("User", foreign_keys=[owner_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])
