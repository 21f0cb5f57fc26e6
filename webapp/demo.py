"""Demo accounts, sites and activities so a new user sees a working app at once."""
import os
import random
import uuid
from datetime import date

from sqlalchemy import func, select

from webapp.accounts.models import Opd, User
from webapp.accounts.services import create_user
from webapp.extensions import db
from webapp.monev.models import Kegiatan
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
    """The example DPA shipped with the app, for this year, imported through the DPA import;
    each kegiatan is tied to a demo site of its kecamatan."""
    from webapp.monev.dpa import import_dpa
    from webapp.monev.dpa_files import example_rows, rows_to_csv

    if db.session.scalar(select(func.count(Kegiatan.id))):
        return 0
    year = year or date.today().year
    kecamatan_ids = {k.code: k.id for k in db.session.scalars(select(Kecamatan))}
    rows = example_rows()
    for index, row in enumerate(rows):
        example_year = row["tahun"]
        row["tahun"] = str(year)
        for column in ("tanggal_mulai", "tanggal_selesai"):
            row[column] = row[column].replace(example_year, str(year))
        sites = list(db.session.scalars(
            select(Site.uuid).where(Site.kecamatan_id == kecamatan_ids.get(row["kode_kecamatan"])).order_by(Site.id)
        ))
        if sites:
            row["kode_lokasi"] = str(sites[index % len(sites)])
    preview = import_dpa(rows_to_csv(rows), "contoh-dpa.csv")
    return preview.count("new")


def _demo_photo(rng: random.Random) -> bytes:
    """A small generated picture: a sky, the ground, and a few blocks, so thumbnails look like photos."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), (135 + rng.randrange(60), 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 220, 480, 360], fill=(90 + rng.randrange(60), 130 + rng.randrange(40), 60))
    for _ in range(6):
        x, y = rng.randrange(440), 150 + rng.randrange(150)
        draw.rectangle([x, y, x + 30 + rng.randrange(50), y + 20 + rng.randrange(40)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


GEBER_ITEMS = ("sampah_berserakan", "tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar",
               "toilet_bersih", "pembakaran_sampah", "genangan_air", "halaman_terawat", "jadwal_piket")
FAIL_WHEN_TRUE = {"sampah_berserakan", "pembakaran_sampah", "genangan_air"}


def create_demo_submissions(rng: random.Random | None = None) -> int:
    """GEBER checks and monitoring visits over the last six weeks, sent through the sync service."""
    from webapp.review.services import review
    from webapp.submissions.site_status import refresh_site_status
    from webapp.submissions.models import Submission
    from webapp.submissions.photos import process_photo, store_attachment
    from webapp.submissions.services import ingest_batch, mark_complete_if_all_arrived

    if db.session.scalar(select(func.count(Submission.id))):
        return 0
    rng = rng or random.Random(2025)
    camat = db.session.scalar(select(User).where(User.username == "camat.kotamanna"))
    bappeda = db.session.scalar(select(User).where(User.username == "bappeda"))
    if bappeda is None:
        return 0
    created = 0
    site_ids: set[int] = set()
    for kec in db.session.scalars(select(Kecamatan).order_by(Kecamatan.code)):
        monitor = _kecamatan_monitor(kec)
        items, photos = _demo_items(monitor, rng)
        if not items:
            continue
        outcome = ingest_batch(monitor, items)
        db.session.flush()
        for att_uuid, data in photos.items():
            att = store_attachment(monitor, uuid.UUID(att_uuid), data)
            db.session.flush()
            process_photo.run_inline(att.id)
        created += sum(1 for r in outcome.results if r.status == "created")
        site_ids |= outcome.site_ids
    for sub in db.session.scalars(select(Submission)):
        mark_complete_if_all_arrived(sub.id)
    for n, sub in enumerate(db.session.scalars(select(Submission).order_by(Submission.recorded_at))):
        if n % 4 != 3:
            reviewer = camat if camat and sub.form_code.startswith("geber") and sub.kecamatan_id == camat.kecamatan_id else bappeda
            review(reviewer, sub, "approve")
    refresh_site_status(*site_ids)
    return created


def _kecamatan_monitor(kec: Kecamatan) -> User:
    """The demo monitor posted to a kecamatan ("petugas" for Kota Manna)."""
    username = "petugas" if kec.code == "17.01.05" else f"petugas.{kec.code.replace('.', '')}"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(username, demo_password(), "monitor", full_name=f"Petugas Lapangan {kec.name}",
                           kecamatan_code=kec.code)
    return user


def _demo_items(monitor: User, rng: random.Random) -> tuple[list[dict], dict[str, bytes]]:
    import hashlib
    from datetime import datetime, timedelta, timezone

    sites = list(db.session.scalars(select(Site).where(Site.kecamatan_id == monitor.kecamatan_id).order_by(Site.id)))
    now = datetime.now(timezone.utc)
    items, photos = [], {}
    for site in sites:
        quality = rng.random()
        for week in range(rng.randrange(1, 4)):
            data = _demo_photo(rng)
            att_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            photos[att_uuid] = data
            answers = {}
            for name in GEBER_ITEMS:
                clean = rng.random() < 0.35 + 0.6 * quality + 0.05 * week
                answers[name] = (not clean) if name in FAIL_WHEN_TRUE else clean
            items.append({
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "form": "geber_cek", "form_version": 1,
                "recorded_at": (now - timedelta(days=7 * week + rng.randrange(6), hours=rng.randrange(8))).isoformat(),
                "location": {"lat": site.lat + rng.uniform(-0.0004, 0.0004), "lon": site.lon + rng.uniform(-0.0004, 0.0004),
                             "accuracy_m": rng.choice([6.0, 9.5, 14.0, 35.0, 72.0])},
                "site": {"uuid": str(site.uuid)},
                "answers": {**answers, "catatan": rng.choice(["", "Sampah plastik di selokan depan.",
                                                               "Sudah ada jadwal kerja bakti Jumat."]),
                            "foto": [att_uuid]},
                "attachments": [{"uuid": att_uuid, "field": "foto", "sha256": hashlib.sha256(data).hexdigest(),
                                 "bytes": len(data), "content_type": "image/jpeg"}],
            })
    kegiatan = list(db.session.scalars(select(Kegiatan)))
    for k in kegiatan:
        if not k.sites or k.sites[0].kecamatan_id != monitor.kecamatan_id:
            continue
        progress = rng.uniform(20, 80)
        items.append({
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "form": "monev_kunjungan", "form_version": 1,
            "recorded_at": (now - timedelta(days=rng.randrange(3, 20))).isoformat(),
            "location": {"lat": k.sites[0].lat, "lon": k.sites[0].lon, "accuracy_m": 10.0},
            "site": {"uuid": str(k.sites[0].uuid)},
            "answers": {"kegiatan": k.code, "progres_fisik": round(progress, 1),
                        "realisasi_anggaran": int(k.pagu * min(1.0, (progress + rng.uniform(-5, 25)) / 100)),
                        "status": "at_risk" if progress < 45 else "on_track",
                        "risiko": [{"kategori": "cuaca", "uraian": "Curah hujan tinggi menghambat pengecoran.",
                                    "tingkat": "sedang"}],
                        "rekomendasi": "Tambah tenaga kerja dan atur ulang jadwal pengecoran.",
                        "penanggung_jawab": k.opd.code},
            "attachments": [],
        })
    return items, photos
