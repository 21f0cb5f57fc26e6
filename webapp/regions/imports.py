"""Admin import of kecamatan/desa boundaries (GeoJSON); sites come in through webapp/sites/imports.py.

Each import checks the whole file first and writes nothing unless every row is good.
"""
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan


class ImportError_(Invalid):
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
