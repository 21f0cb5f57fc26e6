"""The one place tests make their data: reference look-ups, rows, images, times and sync items.

Three kinds of maker live here:
- `make_user`, `make_site`, `make_kegiatan` save and return model objects; they need an app
  context, and tests reach them through the fixtures of the same name (conftest.py), which run
  each call in its own context and hand back a detached object;
- `add_site`, `add_submission`, `add_followup` and `MapBuilder` take the app, open their own
  context and return plain values (ids, UUIDs), so a test can make HTTP requests afterwards
  without sharing flask-login's cached user; tests take them as fixtures of the same name,
  which pass the app (`add_site(factories.PINO, name=...)`);
- plain values with no database: `jpeg_bytes`/`image_bytes`, `days_ago`/`wib`, and the items of
  the sync protocol as the phone sends them (`geber_item`, `monev_item`, `new_site_ref`, `declare`).
"""
import hashlib
import io
import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from PIL import Image
from sqlalchemy import select

from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.forms.services import find_version
from webapp.monev.models import Kegiatan, Program
from webapp.regions.models import Desa, Kecamatan
from webapp.reports.periods import WIB
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import thumb_key

PASSWORD = "rahasia-123"
_counter = itertools.count(1)

#: Kota Manna, the kecamatan of the demo camat, and a neighbour for out-of-scope checks.
KOTA_MANNA = "17.01.05"
PINO = "17.01.03"
#: A point inside Kota Manna (the regency's bounding box).
LAT, LON = -4.455, 102.905
#: "Now" for the whole run, so relative times (`days_ago`) compare the same way in every test.
NOW = datetime.now(timezone.utc)

#: A GEBER check where every item passes, as the phone sends it (the optional toilet item included).
CLEAN_ANSWERS = {
    "sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True, "sampah_diangkut": True,
    "drainase_lancar": True, "toilet_bersih": True, "pembakaran_sampah": False, "genangan_air": False,
    "halaman_terawat": True, "jadwal_piket": True,
}
#: The same passing check as stored rows carry it, without the optional toilet item.
GEBER_PASS = {name: value for name, value in CLEAN_ANSWERS.items() if name != "toilet_bersih"}


# ---- times ------------------------------------------------------------------------------

def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def wib(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A wall-clock time in Western Indonesia (UTC+7)."""
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


# ---- images -----------------------------------------------------------------------------

def jpeg_bytes(width: int = 64, height: int = 48, color=(30, 120, 60)) -> bytes:
    """A small plain JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30), exif: bool = False,
                gradient: bool = False) -> bytes:
    """An image in any Pillow format; `exif` adds a camera make, `gradient` a pattern so a big
    JPEG is not trivially tiny (what a phone camera gives)."""
    image = Image.new("RGB", size, color)
    if gradient:
        pixels = image.load()
        for x in range(0, size[0], 8):
            for y in range(0, size[1], 8):
                pixels[x, y] = (x * 255 // size[0], y * 255 // size[1], 128)
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "KameraRahasia"  # Make
        kwargs["exif"] = data.tobytes()
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


# ---- reference data (needs an app context) ----------------------------------------------

def kecamatan(code: str) -> Kecamatan:
    return db.session.scalar(select(Kecamatan).where(Kecamatan.code == code))


def desa(kecamatan_code: str, index: int = 0) -> Desa:
    """The index-th desa (by code) of a kecamatan."""
    kec = kecamatan(kecamatan_code)
    return db.session.scalars(select(Desa).where(Desa.kecamatan_id == kec.id).order_by(Desa.code)).all()[index]


def first_desa(kecamatan_code: str) -> Desa:
    kec = kecamatan(kecamatan_code)
    return db.session.scalar(select(Desa).where(Desa.kecamatan_id == kec.id).order_by(Desa.code).limit(1))


def first_desa_code(kecamatan_code: str) -> str:
    """The first desa code of a kecamatan, read from the shipped data (no database needed)."""
    from webapp.regions.services import _rows

    return min(row["code"] for row in _rows("villages") if row["district_code"] == kecamatan_code)


def opd(code: str) -> Opd:
    return db.session.scalar(select(Opd).where(Opd.code == code))


# ---- saved model objects (need an app context; the fixtures of the same name give one) ---

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
    place = first_desa(kecamatan_code)
    site = Site(uuid=kwargs.pop("uuid", uuid.uuid4()), name=name or f"Lokasi {next(_counter)}", kind=kind,
                desa_id=place.id, kecamatan_id=place.kecamatan_id, lat=lat, lon=lon, **kwargs)
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


# ---- rows made directly with the models, each in its own app context --------------------

def add_site(app, kecamatan_code: str = KOTA_MANNA, desa_index: int = 0, name: str | None = None,
             kind: str = "sekolah") -> SimpleNamespace:
    """A site in the desa_index-th desa (by code) of a kecamatan."""
    with app.app_context():
        place = desa(kecamatan_code, desa_index)
        site = Site(uuid=uuid.uuid4(), name=name or f"Lokasi {uuid.uuid4().hex[:6]}", kind=kind, desa_id=place.id,
                    kecamatan_id=place.kecamatan_id, lat=LAT, lon=LON)
        db.session.add(site)
        db.session.commit()
        return SimpleNamespace(id=site.id, uuid=site.uuid, desa_id=place.id, desa_name=place.name,
                               kecamatan_id=place.kecamatan_id, name=site.name)


def add_submission(app, user, site=None, form: str = "geber_cek", score: float | None = None,
                   review_state: str = "received", recorded_at: datetime | None = None, answers: dict | None = None,
                   flags: dict | None = None, kegiatan=None, photos: int = 0, review_note: str | None = None) -> SimpleNamespace:
    """A submission as the sync service would have stored it, in the review state asked for."""
    with app.app_context():
        version = find_version(form, 1)
        sub = Submission(
            uuid=uuid.uuid4(), form_version_id=version.id, form_code=form, user_id=user.id,
            site_id=site.id if site else None, kecamatan_id=site.kecamatan_id if site else None,
            kegiatan_id=kegiatan.id if kegiatan else None, recorded_at=recorded_at or NOW - timedelta(hours=1),
            lat=LAT, lon=LON, accuracy_m=8.0,
            answers=answers if answers is not None else (dict(GEBER_PASS) if form == "geber_cek" else {}),
            content_hash=uuid.uuid4().hex, score=score, status="complete", flags=flags or {},
            flagged=bool(flags), review_state=review_state, review_note=review_note,
        )
        db.session.add(sub)
        db.session.flush()
        for _n in range(photos):
            db.session.add(Attachment(uuid=uuid.uuid4(), submission_id=sub.id, field="foto", sha256="0" * 64,
                                      bytes=100, content_type="image/jpeg", state="pending"))
        db.session.commit()
        return SimpleNamespace(id=sub.id, uuid=sub.uuid, site_id=sub.site_id)


def visit_answers(kegiatan_code: str, progress: float, realisation: int, status: str = "on_track",
                  risks=(), rekomendasi: str | None = None, penanggung_jawab: str | None = None,
                  tenggat: str | None = None) -> dict:
    """The answers of a monitoring visit; risks are (kategori, tingkat) pairs."""
    answers = {"kegiatan": kegiatan_code, "progres_fisik": progress, "realisasi_anggaran": realisation,
               "status": status, "risiko": [{"kategori": c, "uraian": "x", "tingkat": t} for c, t in risks]}
    if rekomendasi:
        answers["rekomendasi"] = rekomendasi
    if penanggung_jawab:
        answers["penanggung_jawab"] = penanggung_jawab
    if tenggat:
        answers["tenggat"] = tenggat
    return answers


def add_followup(app, title: str = "Bersihkan saluran", due: date | None = None, status: str = "open",
                 opd_code: str | None = None, kecamatan_code: str | None = None, site=None, created_by=None,
                 kegiatan=None) -> int:
    with app.app_context():
        followup = FollowUp(
            title=title, due_date=due or date.today() + timedelta(days=10), status=status,
            assignee_opd_id=opd(opd_code).id if opd_code else None,
            assignee_kecamatan_id=kecamatan(kecamatan_code).id if kecamatan_code else None,
            site_id=site.id if site else None, kegiatan_id=kegiatan.id if kegiatan else None,
            created_by_id=created_by.id if created_by else None,
        )
        db.session.add(followup)
        db.session.commit()
        return followup.id


class MapBuilder:
    """Sites with a given latest status and submissions with processed photos, as the map reads them."""

    def __init__(self, app):
        self.app = app

    def site(self, kecamatan_code: str = KOTA_MANNA, desa_index: int = 0, name: str | None = None,
             kind: str = "sekolah", lat: float = LAT, lon: float = LON, site_id: int | None = None,
             **status) -> SimpleNamespace:
        """A site in the desa_index-th desa of a kecamatan, with a SiteStatus row when status fields are given."""
        with self.app.app_context():
            place = desa(kecamatan_code, desa_index)
            site = Site(id=site_id, uuid=uuid.uuid4(), name=name or f"Lokasi {uuid.uuid4().hex[:6]}", kind=kind,
                        desa_id=place.id, kecamatan_id=place.kecamatan_id, lat=lat, lon=lon)
            db.session.add(site)
            db.session.flush()
            if status:
                db.session.add(SiteStatus(site_id=site.id, **status))
            db.session.commit()
            return SimpleNamespace(id=site.id, uuid=site.uuid, name=site.name, desa_code=place.code,
                                   desa_name=place.name, kecamatan_id=place.kecamatan_id)

    def set_status(self, site_id: int, **fields) -> None:
        with self.app.app_context():
            status = db.session.get(SiteStatus, site_id) or SiteStatus(site_id=site_id)
            for key, value in fields.items():
                setattr(status, key, value)
            db.session.add(status)
            db.session.commit()

    def submission(self, user, site, form: str = "geber_cek", score: float | None = None,
                   review_state: str = "received", recorded_at: datetime | None = None,
                   answers: dict | None = None, photo: bool = False) -> SimpleNamespace:
        """A stored submission; with photo=True a processed photo whose thumbnail exists on disk."""
        from webapp import storage

        with self.app.app_context():
            version = find_version(form, 1)
            sub = Submission(
                uuid=uuid.uuid4(), form_version_id=version.id, form_code=form, user_id=user.id,
                site_id=site.id, kecamatan_id=site.kecamatan_id, recorded_at=recorded_at or days_ago(1),
                lat=LAT, lon=LON, accuracy_m=8.0, answers=answers or {},
                content_hash=uuid.uuid4().hex, score=score, status="complete", flags={}, flagged=False,
                review_state=review_state,
            )
            db.session.add(sub)
            db.session.flush()
            photo_uuid = None
            if photo:
                att = Attachment(uuid=uuid.uuid4(), submission_id=sub.id, field="foto", sha256="0" * 64,
                                 bytes=100, content_type="image/jpeg", state="processed",
                                 storage_key="originals/test.jpg", width=64, height=48)
                db.session.add(att)
                db.session.flush()
                storage.write_bytes(thumb_key(att), jpeg_bytes(32, 24))
                photo_uuid = att.uuid
            db.session.commit()
            return SimpleNamespace(id=sub.id, uuid=sub.uuid, photo_uuid=photo_uuid)


# ---- items of the sync protocol, as the phone sends them --------------------------------

def declare(data: bytes, field: str = "foto", content_type: str = "image/jpeg", att_uuid: str | None = None) -> dict:
    """The declaration of a photo inside a submission item."""
    return {"uuid": att_uuid or str(uuid.uuid4()), "field": field, "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data), "content_type": content_type}


def geber_item(site_uuid, photos: list[bytes] | None = None, answers: dict | None = None, **overrides) -> dict:
    photos = [jpeg_bytes()] if photos is None else photos
    attachments = [declare(p) for p in photos]
    item = {
        "uuid": str(uuid.uuid4()),
        "form": "geber_cek",
        "form_version": 1,
        "recorded_at": datetime.now(timezone.utc).isoformat(),
        "location": {"lat": LAT, "lon": LON, "accuracy_m": 8.0},
        "site": {"uuid": str(site_uuid)},
        "answers": {**CLEAN_ANSWERS, "foto": [a["uuid"] for a in attachments], **(answers or {})},
        "attachments": attachments,
    }
    item.update(overrides)
    return item


def new_site_ref(desa_code: str = "17.01.05.1009", name: str = "TPS Pasar Baru", lat: float = LAT,
                 lon: float = LON) -> dict:
    """A site made offline, sent inside its first submission."""
    place = {"name": name, "kind": "tps", "desa_code": desa_code, "lat": lat, "lon": lon}
    return {"uuid": str(uuid.uuid4()), "new": place}


def monev_item(site_uuid, kegiatan_code: str, **answers) -> dict:
    return {
        "uuid": str(uuid.uuid4()), "form": "monev_kunjungan", "form_version": 1,
        "recorded_at": datetime.now(timezone.utc).isoformat(),
        "location": {"lat": LAT, "lon": LON, "accuracy_m": 12.0},
        "site": {"uuid": str(site_uuid)},
        "answers": {"kegiatan": kegiatan_code, "progres_fisik": 45.5, "realisasi_anggaran": 250_000_000,
                    "status": "at_risk", **answers},
        "attachments": [],
    }
