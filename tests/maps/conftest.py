"""Builders for the map tests: sites with a given latest status, submissions, processed photos.

Each builder runs in its own app context and hands back plain values, so a test can make HTTP
requests afterwards without sharing flask-login's cached user.
"""
import gzip
import io
import json
import uuid as uuidlib
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import select

from tests import factories
from webapp import storage
from webapp.extensions import db
from webapp.forms.services import find_version
from webapp.regions.models import Desa
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import thumb_key

NOW = datetime.now(timezone.utc)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


class MapBuilder:
    def __init__(self, app):
        self.app = app

    def site(self, kecamatan_code: str = factories.KOTA_MANNA, desa_index: int = 0, name: str | None = None,
             kind: str = "sekolah", lat: float = factories.LAT, lon: float = factories.LON, site_id: int | None = None,
             **status) -> SimpleNamespace:
        """A site in the desa_index-th desa of a kecamatan, with a SiteStatus row when status fields are given."""
        with self.app.app_context():
            kec = factories.kecamatan(kecamatan_code)
            desa = db.session.scalars(select(Desa).where(Desa.kecamatan_id == kec.id).order_by(Desa.code)).all()[desa_index]
            site = Site(id=site_id, uuid=uuidlib.uuid4(), name=name or f"Lokasi {uuidlib.uuid4().hex[:6]}", kind=kind,
                        desa_id=desa.id, kecamatan_id=kec.id, lat=lat, lon=lon)
            db.session.add(site)
            db.session.flush()
            if status:
                db.session.add(SiteStatus(site_id=site.id, **status))
            db.session.commit()
            return SimpleNamespace(id=site.id, uuid=site.uuid, name=site.name, desa_code=desa.code,
                                   desa_name=desa.name, kecamatan_id=kec.id)

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
        with self.app.app_context():
            version = find_version(form, 1)
            sub = Submission(
                uuid=uuidlib.uuid4(), form_version_id=version.id, form_code=form, user_id=user.id,
                site_id=site.id, kecamatan_id=site.kecamatan_id, recorded_at=recorded_at or days_ago(1),
                lat=factories.LAT, lon=factories.LON, accuracy_m=8.0, answers=answers or {},
                content_hash=uuidlib.uuid4().hex, score=score, status="complete", flags={}, flagged=False,
                review_state=review_state,
            )
            db.session.add(sub)
            db.session.flush()
            photo_uuid = None
            if photo:
                att = Attachment(uuid=uuidlib.uuid4(), submission_id=sub.id, field="foto", sha256="0" * 64,
                                 bytes=100, content_type="image/jpeg", state="processed",
                                 storage_key="originals/test.jpg", width=64, height=48)
                db.session.add(att)
                db.session.flush()
                storage.write_bytes(thumb_key(att), jpeg_bytes())
                photo_uuid = att.uuid
            db.session.commit()
            return SimpleNamespace(id=sub.id, uuid=sub.uuid, photo_uuid=photo_uuid)


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def geojson_of(response) -> dict:
    """The body of a map answer, gzipped or not."""
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


def ids_of(response) -> set[str]:
    return {f["properties"]["id"] for f in geojson_of(response)["features"]}


@pytest.fixture
def build(app):
    return MapBuilder(app)
