"""Demo accounts, sites and activities so a new user sees a working app at once."""
import os
import random
import uuid
from datetime import date

from sqlalchemy import func, select

from webapp.accounts.models import Opd, User
from webapp.accounts.services import create_user
from webapp.extensions import db
from webapp.monev.models import Kegiatan, Program
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site

#: Rough centres of the kecamatan of Bengkulu Selatan, for placing demo sites only.
DEMO_CENTRES = {
    "17.01.01": (-4.700, 103.080), "17.01.02": (-4.420, 102.980), "17.01.03": (-4.380, 103.030),
    "17.01.04": (-4.460, 102.930), "17.01.05": (-4.455, 102.905), "17.01.06": (-4.320, 102.950),
    "17.01.07": (-4.680, 103.020), "17.01.08": (-4.480, 102.990), "17.01.09": (-4.400, 103.180),
    "17.01.10": (-4.500, 102.970), "17.01.11": (-4.470, 102.890),
}

DEMO_ACCOUNTS = [
    # username, role, full name, kecamatan, opd
    ("admin", "admin", "Admin Pantau", None, None),
    ("bappeda", "bappeda", "Analis Bappeda Litbang", None, "BAPPEDA"),
    ("camat.kotamanna", "camat", "Camat Kota Manna", "17.01.05", None),
    ("dlh", "opd", "Operator Dinas Lingkungan Hidup", None, "DLH"),
    ("petugas", "monitor", "Petugas Lapangan Kota Manna", "17.01.05", None),
]

SITE_NAMES = {
    "sekolah": "SD Negeri {n} {desa}",
    "kantor": "Kantor Desa {desa}",
    "pasar": "Pasar {desa}",
    "fasilitas_kesehatan": "Puskesmas Pembantu {desa}",
    "tempat_ibadah": "Masjid Al-Ikhlas {desa}",
    "ruang_publik": "Lapangan {desa}",
    "permukiman": "Permukiman RT {n} {desa}",
    "tps": "TPS {desa}",
    "sungai_drainase": "Drainase Jalan {desa}",
}

DEMO_KEGIATAN = [
    # opd, program, kegiatan, pagu, indicator, unit, value
    ("PUPR", "Program Penyelenggaraan Jalan", "Rehabilitasi Jalan Desa Padang Panjang – Ketaping", 2_450_000_000,
     "Panjang jalan direhabilitasi", "km", 3.2),
    ("PUPR", "Program Pengelolaan Sumber Daya Air", "Normalisasi Saluran Drainase Kota Manna", 875_000_000,
     "Panjang saluran dinormalisasi", "m", 1200),
    ("DLH", "Program Pengelolaan Persampahan", "Pengadaan Tempat Sampah Terpilah di Sekolah", 310_000_000,
     "Sekolah menerima tempat sampah terpilah", "sekolah", 40),
    ("DLH", "Program Pengelolaan Persampahan", "Pembangunan TPS3R Kelurahan Pasar Baru", 640_000_000,
     "TPS3R beroperasi", "unit", 1),
    ("DINKES", "Program Pemenuhan Upaya Kesehatan", "Rehabilitasi Puskesmas Pembantu", 520_000_000,
     "Pustu direhabilitasi", "unit", 3),
    ("DISDIK", "Program Pengelolaan Pendidikan", "Pembangunan Ruang Kelas Baru SD", 1_150_000_000,
     "Ruang kelas baru", "ruang", 6),
]

DEFAULT_DEMO_PASSWORD = "pantau-demo"


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def create_demo_accounts() -> list[tuple[str, str, str]]:
    """The demo users that are missing; returns (username, role, password) for each demo account."""
    password = demo_password()
    logins = []
    for username, role, full_name, kec, opd in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(username, password, role, full_name=full_name, kecamatan_code=kec, opd_code=opd)
        logins.append((username, role, password))
    return logins


def create_demo_sites(rng: random.Random | None = None, per_kecamatan: int = 8) -> int:
    """A handful of plausible sites in every kecamatan (only when there are none yet)."""
    if db.session.scalar(select(func.count(Site.id))):
        return 0
    rng = rng or random.Random(1701)
    creator = db.session.scalar(select(User).where(User.username == "petugas"))
    created = 0
    for kec in db.session.scalars(select(Kecamatan).order_by(Kecamatan.code)):
        centre = DEMO_CENTRES.get(kec.code)
        desa = list(db.session.scalars(select(Desa).where(Desa.kecamatan_id == kec.id)))
        if centre is None or not desa:
            continue
        kinds = list(SITE_NAMES)
        for n in range(per_kecamatan):
            d = desa[n % len(desa)]
            kind = kinds[(n + len(kec.code)) % len(kinds)]
            db.session.add(
                Site(
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    name=SITE_NAMES[kind].format(n=n + 1, desa=d.name),
                    kind=kind,
                    desa_id=d.id,
                    kecamatan_id=kec.id,
                    lat=round(centre[0] + rng.uniform(-0.025, 0.025), 6),
                    lon=round(centre[1] + rng.uniform(-0.025, 0.025), 6),
                    created_by_id=getattr(creator, "id", None),
                )
            )
            created += 1
    db.session.flush()
    return created


def create_demo_kegiatan(year: int | None = None) -> int:
    """Programmes and activities with budgets and targets, each tied to a site."""
    if db.session.scalar(select(func.count(Kegiatan.id))):
        return 0
    year = year or date.today().year
    opds = {o.code: o for o in db.session.scalars(select(Opd))}
    sites = list(db.session.scalars(select(Site).order_by(Site.id)))
    programs: dict[tuple[str, str], Program] = {}
    for index, (opd_code, program_name, name, pagu, indicator, unit, value) in enumerate(DEMO_KEGIATAN, start=1):
        opd = opds[opd_code]
        program = programs.get((opd_code, program_name))
        if program is None:
            program = Program(code=f"{year}.{opd_code}.{len(programs) + 1:02d}", name=program_name,
                              opd_id=opd.id, fiscal_year=year)
            db.session.add(program)
            programs[(opd_code, program_name)] = program
        kegiatan = Kegiatan(
            code=f"{year}.{opd_code}.K{index:02d}", name=name, program=program, opd_id=opd.id, fiscal_year=year,
            pagu=pagu, target_indicator=indicator, target_unit=unit, target_value=value,
            planned_output=f"{value:g} {unit} {indicator.lower()}",
            start_date=date(year, 2, 1), end_date=date(year, 11, 30),
        )
        if sites:
            site = sites[(index * 7) % len(sites)]
            kegiatan.sites.append(site)
        db.session.add(kegiatan)
    db.session.flush()
    return len(DEMO_KEGIATAN)
