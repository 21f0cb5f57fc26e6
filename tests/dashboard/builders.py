"""Builders for the desk, review and follow-up tests: rows made directly with the models.

Each runs in its own app context and hands back plain values (ids, UUIDs), so a test can make
HTTP requests afterwards without sharing flask-login's cached user.
"""
import io
import re
import uuid as uuidlib
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from PIL import Image
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.forms.services import find_version
from webapp.regions.models import Desa
from webapp.sites.models import Site
from webapp.submissions.models import Attachment, Submission

NOW = datetime.now(timezone.utc)

GEBER_PASS = {
    "sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True, "sampah_diangkut": True,
    "drainase_lancar": True, "pembakaran_sampah": False, "genangan_air": False, "halaman_terawat": True,
    "jadwal_piket": True,
}


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def add_site(app, kecamatan_code: str = factories.KOTA_MANNA, desa_index: int = 0, name: str | None = None,
             kind: str = "sekolah") -> SimpleNamespace:
    """A site in the desa_index-th desa (by code) of a kecamatan."""
    with app.app_context():
        kec = factories.kecamatan(kecamatan_code)
        desa = db.session.scalars(select(Desa).where(Desa.kecamatan_id == kec.id).order_by(Desa.code)).all()[desa_index]
        site = Site(uuid=uuidlib.uuid4(), name=name or f"Lokasi {uuidlib.uuid4().hex[:6]}", kind=kind, desa_id=desa.id,
                    kecamatan_id=kec.id, lat=factories.LAT, lon=factories.LON)
        db.session.add(site)
        db.session.commit()
        return SimpleNamespace(id=site.id, uuid=site.uuid, desa_id=desa.id, desa_name=desa.name,
                               kecamatan_id=kec.id, name=site.name)


def add_submission(app, user, site=None, form: str = "geber_cek", score: float | None = None,
                   review_state: str = "received", recorded_at: datetime | None = None, answers: dict | None = None,
                   flags: dict | None = None, kegiatan=None, photos: int = 0, review_note: str | None = None) -> SimpleNamespace:
    """A submission as the sync service would have stored it, in the review state asked for."""
    with app.app_context():
        version = find_version(form, 1)
        sub = Submission(
            uuid=uuidlib.uuid4(), form_version_id=version.id, form_code=form, user_id=user.id,
            site_id=site.id if site else None, kecamatan_id=site.kecamatan_id if site else None,
            kegiatan_id=kegiatan.id if kegiatan else None, recorded_at=recorded_at or NOW - timedelta(hours=1),
            lat=factories.LAT, lon=factories.LON, accuracy_m=8.0,
            answers=answers if answers is not None else (dict(GEBER_PASS) if form == "geber_cek" else {}),
            content_hash=uuidlib.uuid4().hex, score=score, status="complete", flags=flags or {},
            flagged=bool(flags), review_state=review_state, review_note=review_note,
        )
        db.session.add(sub)
        db.session.flush()
        for n in range(photos):
            db.session.add(Attachment(uuid=uuidlib.uuid4(), submission_id=sub.id, field="foto", sha256="0" * 64,
                                      bytes=100, content_type="image/jpeg", state="pending"))
        db.session.commit()
        return SimpleNamespace(id=sub.id, uuid=sub.uuid, site_id=sub.site_id)


def visit_answers(kegiatan_code: str, progress: float, realisation: int, status: str = "on_track",
                  risks=(), rekomendasi: str | None = None, penanggung_jawab: str | None = None,
                  tenggat: str | None = None) -> dict:
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
            assignee_opd_id=factories.opd(opd_code).id if opd_code else None,
            assignee_kecamatan_id=factories.kecamatan(kecamatan_code).id if kecamatan_code else None,
            site_id=site.id if site else None, kegiatan_id=kegiatan.id if kegiatan else None,
            created_by_id=created_by.id if created_by else None,
        )
        db.session.add(followup)
        db.session.commit()
        return followup.id


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30), exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "KameraRahasia"  # Make
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def csrf(html: str) -> str:
    """The page's CSRF token (every logged-in page has one, in the logout form at least)."""
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)
