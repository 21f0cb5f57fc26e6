"""Realistic items of the sync protocol, as the phone sends them."""
import hashlib
import io
import uuid
from datetime import datetime, timezone

from PIL import Image

from tests.factories import LAT, LON

CLEAN_ANSWERS = {
    "sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True, "sampah_diangkut": True,
    "drainase_lancar": True, "toilet_bersih": True, "pembakaran_sampah": False, "genangan_air": False,
    "halaman_terawat": True, "jadwal_piket": True,
}


def jpeg_bytes(width: int = 64, height: int = 48, color=(30, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG", quality=80)
    return out.getvalue()


def declare(data: bytes, field: str = "foto", content_type: str = "image/jpeg", att_uuid: str | None = None) -> dict:
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


def new_site_ref(desa_code: str = "17.01.05.1009", name: str = "TPS Pasar Baru", lat: float = LAT, lon: float = LON) -> dict:
    return {"uuid": str(uuid.uuid4()), "new": {"name": name, "kind": "tps", "desa_code": desa_code, "lat": lat, "lon": lon}}


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
