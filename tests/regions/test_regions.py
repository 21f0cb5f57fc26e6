import gzip
import json

import pytest
from sqlalchemy import func, select

from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan
from webapp.regions.services import DATA_DIR, desa_kind, seed_regions


def test_default_regency_has_11_kecamatan_and_158_desa(app_ctx):
    assert db.session.scalar(select(func.count(Kecamatan.id))) == 11
    assert db.session.scalar(select(func.count(Desa.id))) == 158
    names = set(db.session.scalars(select(Kecamatan.name)))
    assert {"Kota Manna", "Pasar Manna", "Kedurang"} <= names


@pytest.mark.parametrize(
    ("code", "kind"), [("17.01.05.1009", "kelurahan"), ("17.01.01.2001", "desa"), ("11.01.01.2004", "desa")]
)
def test_desa_kind_comes_from_the_code(code, kind):
    assert desa_kind(code) == kind


def test_seeding_again_changes_nothing(app_ctx):
    result = seed_regions("17.01")
    assert (result.kecamatan, result.desa) == (11, 158)
    assert db.session.scalar(select(func.count(Desa.id))) == 158
    db.session.rollback()


def test_any_other_regency_code_loads_the_same_way(app_ctx):
    result = seed_regions("17.02")
    assert result.regency == "Kabupaten Rejang Lebong"
    assert result.kecamatan > 0 and result.desa > 0
    db.session.rollback()


def test_unknown_regency_code_is_refused(app_ctx):
    with pytest.raises(ValueError, match="99.99"):
        seed_regions("99.99")


def test_the_odbl_attribution_ships_with_the_data():
    assert "Open Database License" in (DATA_DIR / "LICENSE.md").read_text()
    assert "idn-area-data" in (DATA_DIR / "SOURCE.md").read_text()
    with gzip.open(DATA_DIR / "villages.csv.gz", "rt") as handle:
        assert handle.readline().strip() == "code,district_code,name"


def test_standard_opds_are_seeded(app_ctx):
    codes = set(db.session.scalars(select(Opd.code)))
    assert {"BAPPEDA", "DLH", "PUPR", "DISDIK", "DINKES"} <= codes


def test_cli_seed_regions_reports_counts(runner):
    result = runner.invoke(args=["seed-regions"])
    assert result.exit_code == 0, result.output
    assert "11 kecamatan, 158 desa/kelurahan" in result.output


SQUARE = {"type": "Polygon", "coordinates": [[[102.9, -4.46], [102.91, -4.46], [102.91, -4.45], [102.9, -4.45], [102.9, -4.46]]]}


def test_import_boundaries_matches_by_code_and_by_name(runner, app, tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "17.01.05"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"name": "Kecamatan Pasar Manna"}, "geometry": SQUARE},
    ]}
    path = tmp_path / "batas.geojson"
    path.write_text(json.dumps(doc))
    result = runner.invoke(args=["import-boundaries", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 kecamatan" in result.output
    with app.app_context():
        assert db.session.scalar(select(Kecamatan).where(Kecamatan.code == "17.01.05")).boundary == SQUARE
        assert db.session.scalar(select(Kecamatan).where(Kecamatan.code == "17.01.11")).boundary == SQUARE


def test_import_boundaries_with_a_bad_feature_names_it_and_imports_nothing(runner, app, tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "17.01.05"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"code": "99.99.99"}, "geometry": SQUARE},
    ]}
    path = tmp_path / "batas.geojson"
    path.write_text(json.dumps(doc))
    result = runner.invoke(args=["import-boundaries", str(path)])
    assert result.exit_code == 1
    assert "Fitur 2" in result.output and "99.99.99" in result.output
    with app.app_context():
        assert db.session.scalar(select(Kecamatan).where(Kecamatan.code == "17.01.05")).boundary is None


def test_import_boundaries_rejects_a_file_that_is_not_geojson(runner, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("not json")
    result = runner.invoke(args=["import-boundaries", str(path)])
    assert result.exit_code == 1
    assert "GeoJSON" in result.output
