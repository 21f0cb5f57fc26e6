"""Admin import of sites from a CSV file.

The whole file is checked first; nothing is written unless every row is good.
"""
import csv
import io
import uuid as uuidlib

from sqlalchemy import select

from webapp.extensions import db
from webapp.regions.imports import ImportError_, ImportResult
from webapp.regions.models import Desa
from webapp.regions.services import in_bbox
from webapp.sites.models import Site
from webapp.vocabulary import SiteKind

SITE_COLUMNS = ("name", "kind", "desa_code", "lat", "lon")


def import_sites(data: bytes, bbox, created_by=None) -> ImportResult:
    """Sites from CSV with columns name, kind, desa_code, lat, lon (and optional uuid)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(["Berkas harus teks UTF-8 (CSV)."]) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in SITE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportError_([f"Kolom wajib tidak ada: {', '.join(missing)}."])
    desa_by_code = {d.code: d for d in db.session.scalars(select(Desa))}
    known_uuids = set(db.session.scalars(select(Site.uuid)))
    rows, problems, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        where = f"Baris {line}"
        errors = []
        name = (row.get("name") or "").strip()
        if not name or len(name) > 200:
            errors.append("nama wajib diisi (paling panjang 200 karakter)")
        kind = (row.get("kind") or "").strip()
        if kind not in SiteKind.values():
            errors.append(f"jenis '{kind}' tidak dikenal")
        desa = desa_by_code.get((row.get("desa_code") or "").strip())
        if desa is None:
            errors.append(f"kode desa '{row.get('desa_code')}' tidak ada di kabupaten ini")
        try:
            lat, lon = float(row.get("lat") or ""), float(row.get("lon") or "")
            if not in_bbox(bbox, lat, lon):
                errors.append("koordinat di luar wilayah kabupaten")
        except ValueError:
            errors.append("lat/lon harus angka")
            lat = lon = None
        site_uuid = None
        if row.get("uuid"):
            try:
                site_uuid = uuidlib.UUID(row["uuid"].strip())
            except ValueError:
                errors.append("uuid tidak sah")
            else:
                if site_uuid in known_uuids or site_uuid in seen:
                    errors.append("uuid sudah dipakai")
                seen.add(site_uuid)
        if errors:
            problems.append(f"{where}: " + "; ".join(errors) + ".")
        else:
            rows.append((name, kind, desa, lat, lon, site_uuid or uuidlib.uuid4()))
    if problems:
        raise ImportError_(problems)
    if not rows:
        raise ImportError_(["Berkas tidak berisi satu baris data pun."])
    for name, kind, desa, lat, lon, site_uuid in rows:
        db.session.add(
            Site(uuid=site_uuid, name=name, kind=kind, desa_id=desa.id, kecamatan_id=desa.kecamatan_id,
                 lat=lat, lon=lon, created_by_id=getattr(created_by, "id", None))
        )
    db.session.flush()
    return ImportResult(sites=len(rows))
