"""Loading the regency's kecamatan and desa from the shipped Kemendagri codes."""
import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan

DATA_DIR = Path(__file__).parent / "data"

#: Known bounding boxes (south, west, north, east); any other regency sets REGION_BBOX.
KNOWN_BBOXES = {"17.01": (-4.95, 102.55, -4.10, 103.45)}
#: Indonesia as a whole: the loosest sane check when a regency's box is unknown.
INDONESIA_BBOX = (-11.5, 94.5, 6.5, 141.5)


def _rows(name: str):
    with gzip.open(DATA_DIR / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def regency_name(code: str) -> str | None:
    return next((row["name"] for row in _rows("regencies") if row["code"] == code), None)


def desa_kind(code: str) -> str:
    """The fourth part of a village code starts with 1 for a kelurahan, 2 for a desa."""
    return "kelurahan" if code.split(".")[-1].startswith("1") else "desa"


@dataclass
class SeedResult:
    regency: str
    kecamatan: int
    desa: int


def seed_regions(regency_code: str) -> SeedResult:
    """Insert or update the kecamatan and desa of one regency; safe to run again."""
    name = regency_name(regency_code)
    if name is None:
        raise ValueError(f"Unknown regency code {regency_code!r}")
    existing_kec = {k.code: k for k in db.session.scalars(select(Kecamatan))}
    kecamatan_by_code = {}
    for row in _rows("districts"):
        if row["regency_code"] != regency_code:
            continue
        kec = existing_kec.get(row["code"]) or Kecamatan(code=row["code"])
        kec.name = row["name"]
        db.session.add(kec)
        kecamatan_by_code[row["code"]] = kec
    db.session.flush()
    existing_desa = {d.code: d for d in db.session.scalars(select(Desa))}
    desa_count = 0
    for row in _rows("villages"):
        kec = kecamatan_by_code.get(row["district_code"])
        if kec is None:
            continue
        desa = existing_desa.get(row["code"]) or Desa(code=row["code"])
        desa.name = row["name"]
        desa.kind = desa_kind(row["code"])
        desa.kecamatan_id = kec.id
        db.session.add(desa)
        desa_count += 1
    db.session.flush()
    return SeedResult(regency=name, kecamatan=len(kecamatan_by_code), desa=desa_count)


def region_bbox(config) -> tuple[float, float, float, float]:
    """(south, west, north, east) that every coordinate sent must fall in."""
    if config.get("REGION_BBOX"):
        south, west, north, east = (float(part) for part in config["REGION_BBOX"].split(","))
        return south, west, north, east
    return KNOWN_BBOXES.get(config["REGION_CODE"], INDONESIA_BBOX)


def in_bbox(bbox, lat: float, lon: float) -> bool:
    south, west, north, east = bbox
    return south <= lat <= north and west <= lon <= east
