"""The OPD's monthly realisation report (laporan realisasi fisik dan keuangan) per kegiatan."""
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow
from webapp.vocabulary import OpdReportState, state_type


class OpdReport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kegiatan_id: Mapped[int] = mapped_column(ForeignKey("kegiatan.id", ondelete="CASCADE"))
    #: Denormalised from the kegiatan: the opd scope filters on it.
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    #: 1..12, the month the figures close.
    month: Mapped[int] = mapped_column(Integer)
    state: Mapped[OpdReportState] = mapped_column(state_type(OpdReportState, "state"), default=OpdReportState.DRAFT)
    #: Cumulative disbursement (SP2D) to the end of the month, whole rupiah.
    realisation_rp: Mapped[int] = mapped_column(BigInteger)
    #: Cumulative physical progress at the end of the month, 0..100.
    physical_pct: Mapped[float] = mapped_column(Float)
    #: Output achieved, in the kegiatan's target unit.
    output_value: Mapped[float | None] = mapped_column(Float)
    driving_factors: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    planned_action: Mapped[str | None] = mapped_column(Text)
    #: Required when physical progress is lower than the previous month's report.
    decrease_reason: Mapped[str | None] = mapped_column(Text)
    return_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    kegiatan = relationship("Kegiatan")
    opd = relationship("Opd")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    returned_by = relationship("User", foreign_keys=[returned_by_id])

    __table_args__ = (
        #: One report per kegiatan and month: a second one is a conflict, never an overwrite.
        UniqueConstraint("kegiatan_id", "year", "month", name="uq_opd_report_kegiatan_month"),
        Index("ix_opd_report_year_month_opd", "year", "month", "opd_id"),
    )

    @property
    def state_label(self) -> str:
        return OpdReportState.label_of(self.state)
