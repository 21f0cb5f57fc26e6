"""Factories that return saved objects; each takes the fields a test cares about."""
import itertools
import uuid
from datetime import date

from sqlalchemy import select

from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.monev.models import Kegiatan, Program
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site

PASSWORD = "rahasia-123"
_counter = itertools.count(1)

#: Kota Manna, the kecamatan of the demo camat, and a neighbour for out-of-scope checks.
KOTA_MANNA = "17.01.05"
PINO = "17.01.03"
#: A point inside Kota Manna (the regency's bounding box).
LAT, LON = -4.455, 102.905


def kecamatan(code: str) -> Kecamatan:
    return db.session.scalar(select(Kecamatan).where(Kecamatan.code == code))


def first_desa(kecamatan_code: str) -> Desa:
    kec = kecamatan(kecamatan_code)
    return db.session.scalar(select(Desa).where(Desa.kecamatan_id == kec.id).order_by(Desa.code).limit(1))


def first_desa_code(kecamatan_code: str) -> str:
    """The first desa code of a kecamatan, read from the shipped data (no database needed)."""
    from webapp.regions.services import _rows

    return min(row["code"] for row in _rows("villages") if row["district_code"] == kecamatan_code)


def opd(code: str) -> Opd:
    return db.session.scalar(select(Opd).where(Opd.code == code))


def make_user(role: str = "monitor", kecamatan_code: str | None = None, opd_code: str | None = None,
              username: str | None = None, active: bool = True) -> User:
    if role == "camat" and kecamatan_code is None:
        kecamatan_code = KOTA_MANNA
    if role == "opd" and opd_code is None:
        opd_code = "DLH"
    user = User(
        username=username or f"{role}{next(_counter)}",
        full_name=f"Pengguna {role}",
        role=role,
        kecamatan_id=kecamatan(kecamatan_code).id if kecamatan_code else None,
        opd_id=opd(opd_code).id if opd_code else None,
        active=active,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_site(kecamatan_code: str = KOTA_MANNA, name: str | None = None, kind: str = "sekolah",
              lat: float = LAT, lon: float = LON, **kwargs) -> Site:
    desa = first_desa(kecamatan_code)
    site = Site(uuid=kwargs.pop("uuid", uuid.uuid4()), name=name or f"Lokasi {next(_counter)}", kind=kind,
                desa_id=desa.id, kecamatan_id=desa.kecamatan_id, lat=lat, lon=lon, **kwargs)
    db.session.add(site)
    db.session.commit()
    return site


def make_kegiatan(opd_code: str = "DLH", sites=(), pagu: int = 500_000_000, name: str | None = None,
                  year: int = 2026, **kwargs) -> Kegiatan:
    owner = opd(opd_code)
    n = next(_counter)
    program = Program(code=f"P{n}", name=f"Program {n}", opd_id=owner.id, fiscal_year=year)
    kegiatan = Kegiatan(
        code=kwargs.pop("code", f"K{n}"), name=name or f"Kegiatan {n}", program=program, opd_id=owner.id,
        fiscal_year=year, pagu=pagu, target_indicator="Panjang saluran", target_unit="m", target_value=100,
        start_date=kwargs.pop("start_date", date(year, 1, 1)), end_date=kwargs.pop("end_date", date(year, 12, 31)),
        **kwargs,
    )
    kegiatan.sites.extend(db.session.get(Site, site.id) for site in sites)
    db.session.add(kegiatan)
    db.session.commit()
    return kegiatan
