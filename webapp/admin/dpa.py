"""What the console's DPA pages read: the kegiatan list with its filters."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.monev.models import Kegiatan


def kegiatan_listing(args, limit: int) -> dict:
    """Kegiatan by search (name or code), OPD and fiscal year: the first `limit`, the total, the choices."""
    q, opd, year = args.get("q", "")[:100], args.get("opd", ""), args.get("tahun", "")
    stmt = select(Kegiatan).options(selectinload(Kegiatan.plan), selectinload(Kegiatan.opd))
    if q:
        stmt = stmt.where(or_(func.lower(Kegiatan.name).like(f"%{q.lower()}%"), Kegiatan.code.like(f"{q}%")))
    if opd:
        stmt = stmt.join(Opd, Opd.id == Kegiatan.opd_id).where(Opd.code == opd)
    if year.isdigit() and len(year) == 4:
        stmt = stmt.where(Kegiatan.fiscal_year == int(year))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Kegiatan.id).subquery()))
    kegiatan = list(db.session.scalars(stmt.order_by(Kegiatan.fiscal_year.desc(), Kegiatan.code).limit(limit)))
    years = list(db.session.scalars(select(Kegiatan.fiscal_year).distinct().order_by(Kegiatan.fiscal_year.desc())))
    return {"kegiatan": kegiatan, "total": total, "q": q, "opd": opd, "year": year, "years": years,
            "opds": list(db.session.scalars(select(Opd).order_by(Opd.name)))}
