"""The budget documents (DPA) behind monev: Program → Kegiatan → Sub Kegiatan, and monthly plans.

Codes follow the Permendagri 90/2019 nomenclature: program `1.03.03`, kegiatan `1.03.03.2.01`,
sub kegiatan `1.03.03.2.01.0001`. The monitored unit — what visits, reports and follow-ups point
at — is the sub kegiatan, kept in the `Kegiatan` model (its `code` is the sub kegiatan code);
`KegiatanGroup` is the kegiatan level that groups them. Codes repeat every fiscal year and, for
the supporting programmes, across OPDs, so a code is unique per fiscal year and OPD.
"""
from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Column, Date, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint, and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType, UTCDateTime, utcnow

MONTHS = 12

kegiatan_site = Table(
    "kegiatan_site",
    db.metadata,
    Column("kegiatan_id", Integer, ForeignKey("kegiatan.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", Integer, ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class Program(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)

    opd = relationship("Opd")
    kegiatan: Mapped[list["Kegiatan"]] = relationship(back_populates="program")

    __table_args__ = (UniqueConstraint("fiscal_year", "opd_id", "code", name="uq_program_year_opd_code"),)


class KegiatanGroup(db.Model):
    """A kegiatan of the DPA (e.g. `1.03.03.2.01`): the level between a programme and its sub kegiatan."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)

    program: Mapped[Program] = relationship()

    __table_args__ = (UniqueConstraint("fiscal_year", "opd_id", "code", name="uq_kegiatan_group_year_opd_code"),)


class Kegiatan(db.Model):
    """A sub kegiatan of the DPA: budget, output target, place, schedule and monthly plan."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    #: The DPA's kegiatan level; empty for activities entered before the DPA import existed.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("kegiatan_group.id"), index=True)
    #: Denormalised from the programme: the opd scope filters on it.
    opd_id: Mapped[int] = mapped_column(ForeignKey("opd.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    #: Budget ceiling in whole rupiah.
    pagu: Mapped[int] = mapped_column(BigInteger)
    target_indicator: Mapped[str] = mapped_column(String(300))
    target_unit: Mapped[str] = mapped_column(String(40))
    target_value: Mapped[float] = mapped_column(Float)
    planned_output: Mapped[str | None] = mapped_column(Text)
    #: Where the work happens, as the DPA names it (sites, when known, are in `sites`).
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    desa_id: Mapped[int | None] = mapped_column(ForeignKey("desa.id"))
    #: The planned schedule. Planned progress comes from the monthly plan; the straight line
    #: between these two dates is only the fallback for a kegiatan without one.
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    program: Mapped[Program] = relationship(back_populates="kegiatan")
    group: Mapped[KegiatanGroup | None] = relationship()
    opd = relationship("Opd")
    kecamatan = relationship("Kecamatan")
    desa = relationship("Desa")
    sites = relationship("Site", secondary=kegiatan_site, backref="kegiatan")
    #: The plan in force (None when the kegiatan has no monthly plan).
    plan: Mapped["KegiatanPlan | None"] = relationship(
        primaryjoin=lambda: and_(KegiatanPlan.kegiatan_id == Kegiatan.id, KegiatanPlan.superseded_at.is_(None)),
        viewonly=True, uselist=False,
    )
    #: Every plan the kegiatan has had, newest first (a DPA Perubahan supersedes the previous one).
    plan_revisions: Mapped[list["KegiatanPlan"]] = relationship(
        back_populates="kegiatan", order_by=lambda: KegiatanPlan.revision.desc(), cascade="all, delete-orphan",
    )

    __table_args__ = (UniqueConstraint("fiscal_year", "opd_id", "code", name="uq_kegiatan_year_opd_code"),)


class KegiatanPlan(db.Model):
    """One dated revision of a kegiatan's monthly plan (anggaran kas and physical target).

    Both series are cumulative at the end of each month, January to December: `physical_pct`
    in percent (ends at 100), `cash` in whole rupiah (ends at the pagu of that revision).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kegiatan_id: Mapped[int] = mapped_column(ForeignKey("kegiatan.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    #: Twelve cumulative planned physical progress figures (%), one per month.
    physical_pct: Mapped[list] = mapped_column(JSONType)
    #: Twelve cumulative planned disbursements (Rp), one per month.
    cash: Mapped[list] = mapped_column(JSONType)
    pagu: Mapped[int] = mapped_column(BigInteger)
    #: The file the plan came from, as the person who imported it named it.
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: When a newer revision replaced this one; None for the plan in force.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kegiatan: Mapped[Kegiatan] = relationship(back_populates="plan_revisions")
    created_by = relationship("User")

    __table_args__ = (UniqueConstraint("kegiatan_id", "revision", name="uq_kegiatan_plan_revision"),)
