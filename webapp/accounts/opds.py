"""The usual regional departments (OPD) of an Indonesian regency, and who heads each one."""
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import Opd, User
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.vocabulary import Role

#: (code, short name, full name)
STANDARD_OPDS = [
    ("BAPPEDA", "Bappeda Litbang", "Badan Perencanaan Pembangunan Daerah, Penelitian dan Pengembangan"),
    ("DLH", "DLH", "Dinas Lingkungan Hidup"),
    ("PUPR", "Dinas PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DISDIK", "Dinas Pendidikan", "Dinas Pendidikan dan Kebudayaan"),
    ("DINKES", "Dinas Kesehatan", "Dinas Kesehatan"),
    ("PERKIM", "Dinas Perkim", "Dinas Perumahan dan Kawasan Permukiman"),
    ("DISHUB", "Dinas Perhubungan", "Dinas Perhubungan"),
    ("DINSOS", "Dinas Sosial", "Dinas Sosial"),
    ("DPMD", "DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
    ("PERTANIAN", "Dinas Pertanian", "Dinas Pertanian dan Ketahanan Pangan"),
    ("PERIKANAN", "Dinas Perikanan", "Dinas Perikanan"),
    ("DISPERINDAG", "Disperindag", "Dinas Perindustrian dan Perdagangan"),
    ("DISPARPORA", "Disparpora", "Dinas Pariwisata, Pemuda dan Olahraga"),
    ("DUKCAPIL", "Disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("KOMINFO", "Diskominfo", "Dinas Komunikasi, Informatika dan Persandian"),
    ("BPKD", "BPKD", "Badan Pengelola Keuangan Daerah"),
    ("BPBD", "BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("SATPOLPP", "Satpol PP", "Satuan Polisi Pamong Praja"),
    ("SETDA", "Setda", "Sekretariat Daerah"),
    ("INSPEKTORAT", "Inspektorat", "Inspektorat Daerah"),
]


def seed_opds() -> int:
    """Insert the standard OPDs that are missing; returns how many exist afterwards."""
    existing = set(db.session.scalars(select(Opd.code)))
    for code, short, name in STANDARD_OPDS:
        if code not in existing:
            db.session.add(Opd(code=code, short_name=short, name=name))
    db.session.flush()
    return len(existing | {code for code, _, _ in STANDARD_OPDS})


def set_head(code: str, name: str, nip: str | None, title: str | None = None) -> Opd:
    """Record who heads an OPD and signs its printed reports; an unknown code is refused."""
    opd = db.session.scalar(select(Opd).where(Opd.code == code.upper()))
    if opd is None:
        raise Invalid(errors={"opd": [f"OPD {code} tidak dikenal."]})
    nip = (nip or "").replace(" ", "") or None
    if nip is not None and not (nip.isdigit() and len(nip) == 18):
        raise Invalid(errors={"nip": ["NIP terdiri dari 18 angka."]})
    opd.head_name, opd.head_nip, opd.head_title = name.strip() or None, nip, (title or "").strip() or None
    db.session.flush()
    return opd


def heads_query():
    """The query of the active OPD users marked as the head of their OPD (one per OPD)."""
    return select(User).where(User.active.is_(True), User.is_head.is_(True), User.role == Role.OPD,
                              User.opd_id.is_not(None)).order_by(User.opd_id, User.id)


def head_of(opd_id: int | None) -> User | None:
    """The active user who heads this OPD, or None when the admin has marked none."""
    if not opd_id:
        return None
    return db.session.scalar(heads_query().where(User.opd_id == opd_id).limit(1))


def heads_fingerprint(opd_ids) -> tuple:
    """(OPD id, name, NIP) of the heads of these OPDs (a list or a select of ids), for report digests."""
    return tuple(map(tuple, db.session.execute(
        heads_query().where(User.opd_id.in_(opd_ids)).with_only_columns(User.opd_id, User.full_name, User.nip))))


def head_taken_message(opd_id: int | None) -> str:
    """Why a second head of an OPD is refused, naming the user who heads it (active or not)."""
    opd = db.session.get(Opd, opd_id) if opd_id else None
    head = db.session.scalar(select(User).where(User.opd_id == opd_id, User.is_head.is_(True)).limit(1))
    if opd is None or head is None:
        return _("OPD ini sudah punya kepala; satu OPD hanya boleh punya satu kepala. Muat ulang halaman lalu ulangi.")
    return _("%(opd)s sudah punya kepala: %(name)s (%(username)s). Satu OPD hanya boleh punya satu kepala; "
             "lepaskan dulu tanda kepala pengguna itu.", opd=opd.name, name=head.full_name, username=head.username)
