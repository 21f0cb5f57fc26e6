from datetime import date

from sqlalchemy import BigInteger, Column, Date, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db

kegiatan_site = Table(
    "kegiatan_site",
    db.metadata,
    Column("kegiatan_id", Integer, ForeignKey("kegiatan.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", Integer, ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class Program(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)

    opd = relationship("Opd")
    kegiatan: Mapped[list["Kegiatan"]] = relationship(back_populates="program")


class Kegiatan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    #: Denormalised from the programme: the opd scope filters on it.
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    #: Budget ceiling in whole rupiah.
    pagu: Mapped[int] = mapped_column(BigInteger)
    target_indicator: Mapped[str] = mapped_column(String(300))
    target_unit: Mapped[str] = mapped_column(String(40))
    target_value: Mapped[float] = mapped_column(Float)
    planned_output: Mapped[str | None] = mapped_column(Text)
    #: The planned schedule; planned progress is linear between the two dates.
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    program: Mapped[Program] = relationship(back_populates="kegiatan")
    opd = relationship("Opd")
    sites = relationship("Site", secondary=kegiatan_site, backref="kegiatan")
