"""The admin's CSV import of sites (flask import-sites): all rows or none."""
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.sites.models import Site


def test_import_sites_adds_every_row(runner, app, tmp_path):
    path = tmp_path / "lokasi.csv"
    path.write_text(
        "name,kind,desa_code,lat,lon\n"
        "SD Negeri 1 Manna,sekolah,17.01.05.1009,-4.455,102.905\n"
        "Pasar Bawah,pasar,17.01.11.1003,-4.47,102.89\n"
    )
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Site.id))) == 2


def test_import_sites_with_a_bad_row_names_the_row_and_writes_nothing(runner, app, tmp_path):
    path = tmp_path / "lokasi.csv"
    path.write_text(
        "name,kind,desa_code,lat,lon\n"
        "SD Negeri 1 Manna,sekolah,17.01.05.1009,-4.455,102.905\n"
        "Pasar Bawah,kolam,17.01.11.1003,-4.47,102.89\n"
        "Jakarta,kantor,17.01.11.1003,-6.2,106.8\n"
    )
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 1
    assert "Baris 3" in result.output and "kolam" in result.output
    assert "Baris 4" in result.output and "luar wilayah" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Site.id))) == 0


def test_import_sites_requires_the_columns(runner, tmp_path):
    path = tmp_path / "lokasi.csv"
    path.write_text("nama,lat\nx,1\n")
    result = runner.invoke(args=["import-sites", str(path)])
    assert result.exit_code == 1
    assert "Kolom wajib" in result.output
