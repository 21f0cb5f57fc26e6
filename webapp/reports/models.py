import uuid as uuidlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType, UTCDateTime, utcnow
from webapp.vocabulary import JobState, state_type


class ReportJob(db.Model):
    """A report or export the user asked for; the page polls it for progress."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuidlib.UUID] = mapped_column(Uuid, unique=True, default=uuidlib.uuid4)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: None for scheduled runs.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: The OPD a report is limited to (its RFK or RKPD evaluation); None for regency-wide ones.
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    #: A digest of the inputs the file was built from: a request whose inputs have not changed
    #: since reuses that file instead of building it again.
    data_version: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[JobState] = mapped_column(state_type(JobState, "state"), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    #: Path under the storage root of the finished file.
    result_key: Mapped[str | None] = mapped_column(String(200))
    result_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    opd = relationship("Opd")

    __table_args__ = (Index("ix_report_job_kind_data_version", "kind", "data_version"),)


class RkpdNarrative(db.Model):
    """What goes under the table of an OPD's RKPD evaluation for a triwulan or the year, as
    reviewed and edited by Bappeda or the OPD: it replaces the text gathered from the OPD's
    monthly reports. One line of a field is one item of its section."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    #: The triwulan 1..4, or 0 for the evaluation of the whole year.
    quarter: Mapped[int] = mapped_column(Integer)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    driving: Mapped[str] = mapped_column(Text, default="")
    inhibiting: Mapped[str] = mapped_column(Text, default="")
    next_quarter: Mapped[str] = mapped_column(Text, default="")
    next_rkpd: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opd = relationship("Opd")
    updated_by = relationship("User")

    __table_args__ = (UniqueConstraint("year", "quarter", "opd_id", name="uq_rkpd_narrative_period_opd"),)
