"""Admin imports: kecamatan/desa boundaries (GeoJSON) and sites (CSV).

Each import checks the whole file first and writes nothing unless every row is good.
"""
import csv
import io
import json
import uuid as uuidlib
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan
from webapp.regions.services import in_bbox
from webapp.sites.models import Site
from webapp.vocabulary import SiteKind


class ImportError_(ValueError):
    """A bad file: `problems` lists each row (or feature) and what is wrong with it."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


@dataclass
class ImportResult:
    kecamatan: int = 0
    desa: int = 0
    sites: int = 0
    skipped: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    return " ".join(str(name).lower().replace("kecamatan", "").replace("desa", "").replace("kelurahan", "").split())


def import_boundaries(data: bytes) -> ImportResult:
    """Attach polygons to kecamatan or desa, matched by code (preferred) or by name."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportError_([f"Berkas bukan GeoJSON yang sah: {exc}"]) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ImportError_(["Berkas harus berupa GeoJSON FeatureCollection."])
    kecamatan = list(db.session.scalars(select(Kecamatan)))
    desa = list(db.session.scalars(select(Desa)))
    by_code = {k.code: k for k in kecamatan} | {d.code: d for d in desa}
    kec_by_name = {_norm(k.name): k for k in kecamatan}
    desa_by_name: dict[str, list[Desa]] = {}
    for d in desa:
        desa_by_name.setdefault(_norm(d.name), []).append(d)
    matches, problems = [], []
    for index, feature in enumerate(doc["features"], start=1):
        where = f"Fitur {index}"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(f"{where}: geometri harus Polygon atau MultiPolygon.")
            continue
        if not isinstance(geometry.get("coordinates"), list):
            problems.append(f"{where}: koordinat tidak ada.")
            continue
        code = str(props.get("code") or props.get("kode") or props.get("KODE") or "").strip()
        name = props.get("name") or props.get("nama") or props.get("NAMA") or ""
        target = by_code.get(code)
        if target is None and name:
            level = str(props.get("level") or "").lower()
            if level != "desa" and _norm(name) in kec_by_name:
                target = kec_by_name[_norm(name)]
            elif len(desa_by_name.get(_norm(name), [])) == 1:
                target = desa_by_name[_norm(name)][0]
            elif len(desa_by_name.get(_norm(name), [])) > 1:
                problems.append(f"{where}: nama desa '{name}' ada lebih dari satu; beri kode wilayah.")
                continue
        if target is None:
            problems.append(f"{where}: wilayah '{code or name}' tidak ditemukan di kabupaten ini.")
            continue
        matches.append((target, geometry))
    if problems:
        raise ImportError_(problems)
    result = ImportResult()
    for target, geometry in matches:
        target.boundary = geometry
        if isinstance(target, Kecamatan):
            result.kecamatan += 1
        else:
            result.desa += 1
    db.session.flush()
    return result


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
