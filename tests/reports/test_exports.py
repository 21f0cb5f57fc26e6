"""Exports: one column per question with Indonesian labels, scoping, streaming, GeoJSON, photo archives."""
import csv
import io
import json
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.factories import wib
from tests.reports import dataset
from webapp import storage
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.forms.services import find_version
from webapp.reports import exports
from webapp.submissions.models import Attachment
from webapp.submissions.photos import display_key

GEBER_QUESTIONS = [
    "Ada sampah berserakan di lokasi?", "Tempat sampah tersedia dan dipakai?", "Sampah dipilah (organik/anorganik)?",
    "Sampah diangkut teratur (tidak menumpuk di TPS)?", "Saluran air/drainase bersih dan lancar?",
    "Toilet/WC bersih dan berfungsi?", "Ada pembakaran sampah terbuka?",
    "Ada genangan air atau tempat berkembang biak nyamuk?", "Halaman/taman terawat?",
    "Ada jadwal piket/kerja bakti yang berjalan?", "Catatan", "Foto kondisi lokasi", "Titik lokasi (GPS)",
]


@pytest.fixture
def data(app):
    return dataset.build(app)


def _user(role, **kwargs):
    return factories.make_user(role, **kwargs)


def _csv(app, tmp_path, role="bappeda", form="geber_cek", **params):
    path = tmp_path / "out.csv"
    with app.app_context():
        user = _user(role, kecamatan_code=params.pop("kecamatan_code", None))
        params = {"form_version_id": find_version(form, 1).id, **params}
        exports.write_submissions_csv(path, user, params)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_csv_export_has_the_metadata_then_one_column_per_question_labelled_in_indonesian(app, tmp_path, data):
    rows = _csv(app, tmp_path)
    assert list(rows[0].keys()) == exports.META_COLUMNS + GEBER_QUESTIONS
    assert len(rows) == 11


def test_answers_are_rendered_readably(app, tmp_path, data):
    rows = _csv(app, tmp_path)
    first = rows[0]
    # Ordered by time of recording: the April 10 check of SD Negeri 1 Manna comes first.
    assert first["Waktu rekam (WIB)"] == "2026-04-10 10:00:00"
    assert first["Lokasi"] == "SD Negeri 1 Manna"
    assert first["Kecamatan"] == "Kota Manna"
    assert first["Desa/Kelurahan"] == data.desa_a
    assert first["Petugas"] == "Pengguna monitor"
    assert first["Skor"] == "50"
    assert first["Status tinjauan"] == "Disetujui"
    assert first["Ada sampah berserakan di lokasi?"] == "Tidak"
    assert first["Tempat sampah tersedia dan dipakai?"] == "Ya"
    assert first["Toilet/WC bersih dan berfungsi?"] == ""
    assert {r["Status tinjauan"] for r in rows} == {"Disetujui", "Diterima", "Ditolak"}


def test_a_camat_export_holds_their_kecamatan_only(app, tmp_path, data):
    rows = _csv(app, tmp_path, role="camat", kecamatan_code=factories.KOTA_MANNA)
    assert len(rows) == 10
    assert {r["Kecamatan"] for r in rows} == {"Kota Manna"}
    assert "Masjid Pino" not in {r["Lokasi"] for r in rows}


def test_filters_narrow_the_export_to_approved_submissions_of_a_wib_date_range(app, tmp_path, data):
    rows = _csv(app, tmp_path, start="2026-05-31", end="2026-05-31", approved_only=True)
    assert [(r["Lokasi"], r["Skor"], r["Waktu rekam (WIB)"]) for r in rows] == [
        ("Kantor Lurah B", "50", "2026-05-31 23:30:00")]
    rows = _csv(app, tmp_path, kecamatan_id=data.pino)
    assert [r["Lokasi"] for r in rows] == ["Masjid Pino"]


def test_the_visit_export_names_kegiatan_options_and_risk_rows(app, tmp_path, data):
    rows = _csv(app, tmp_path, form="monev_kunjungan", approved_only=True)
    may = next(r for r in rows if r["Waktu rekam (WIB)"] == "2026-05-10 10:00:00")
    assert may["Kegiatan"] == "K1 — Kegiatan K1"
    assert may["Status pelaksanaan"] == "Berisiko"
    assert may["Realisasi anggaran"] == "600000000"
    assert may["Risiko yang mengancam target"] == (
        "Kategori risiko: Pengadaan barang/jasa; Uraian risiko: Lelang ulang; Tingkat risiko: Tinggi | "
        "Kategori risiko: Cuaca; Uraian risiko: Hujan deras; Tingkat risiko: Sedang")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(app, tmp_path):
    with app.app_context():
        monitor = _user("monitor", kecamatan_code=factories.KOTA_MANNA)
        site = dataset.site(factories.KOTA_MANNA, 0, "=cmd|' /C calc'!A0")
        answers = {**factories.GEBER_PASS, "catatan": '=HYPERLINK("http://x","klik")'}
        dataset.submission(monitor, "geber_cek", wib(2026, 5, 1), answers, site_obj=site, score=90)
        db.session.commit()
        bappeda = _user("bappeda")
        params = {"form_version_id": find_version("geber_cek", 1).id}
        exports.write_submissions_csv(tmp_path / "a.csv", bappeda, params)
        exports.write_submissions_xlsx(tmp_path / "a.xlsx", bappeda, params)
    row = next(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text("utf-8-sig"))))
    assert row["Catatan"] == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert row["Lokasi"] == "'=cmd|' /C calc'!A0"
    ws = load_workbook(tmp_path / "a.xlsx")["Kiriman"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("Catatan") + 1)
    assert cell.data_type == "s"
    assert cell.value == "'=HYPERLINK(\"http://x\",\"klik\")"
    assert ws.cell(row=2, column=header.index("Lokasi") + 1).value == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["=1+1", "+62 812 3456", "-2+3", "@SUM(A1:A2)", "\t=1"])
def test_every_formula_start_is_neutralised_in_xlsx_as_in_csv(app, tmp_path, text):
    with app.app_context():
        monitor = _user("monitor", kecamatan_code=factories.KOTA_MANNA)
        site = dataset.site(factories.KOTA_MANNA, 0, "SD 1")
        dataset.submission(monitor, "geber_cek", wib(2026, 5, 1), {**factories.GEBER_PASS, "catatan": text},
                           site_obj=site, score=90)
        db.session.commit()
        params = {"form_version_id": find_version("geber_cek", 1).id}
        bappeda = _user("bappeda")
        exports.write_submissions_csv(tmp_path / "a.csv", bappeda, params)
        exports.write_submissions_xlsx(tmp_path / "a.xlsx", bappeda, params)
    in_csv = next(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text("utf-8-sig"))))["Catatan"]
    ws = load_workbook(tmp_path / "a.xlsx")["Kiriman"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("Catatan") + 1)
    assert cell.value == in_csv == "'" + text
    assert cell.data_type == "s"


def test_report_tables_neutralise_typed_text_too(tmp_path):
    from openpyxl import Workbook

    from webapp.reports import xlsx

    workbook = Workbook()
    xlsx.write_row(workbook.active, 1, ["+62 812", "@x", "-1", -1, 5, "biasa"])
    workbook.save(tmp_path / "t.xlsx")
    values = [c.value for c in load_workbook(tmp_path / "t.xlsx").active[1]]
    assert values == ["'+62 812", "'@x", "'-1", -1, 5, "biasa"]


def test_the_xlsx_export_has_typed_cells_and_the_same_rows_as_the_csv(app, tmp_path, data):
    path = tmp_path / "out.xlsx"
    with app.app_context():
        user = _user("bappeda")
        count = exports.write_submissions_xlsx(path, user, {"form_version_id": find_version("geber_cek", 1).id})
    ws = load_workbook(path)["Kiriman"]
    rows = list(ws.iter_rows(values_only=True))
    assert count == 11 and len(rows) == 12
    assert list(rows[0]) == exports.META_COLUMNS + GEBER_QUESTIONS
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert first["Waktu rekam (WIB)"] == datetime(2026, 4, 10, 10, 0)
    assert first["Skor"] == 50
    assert first["Versi formulir"] == 1
    assert ws.freeze_panes == "B2"


def test_rows_stream_in_batches_and_none_is_lost_between_them(app, tmp_path, data, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    progress = []
    path = tmp_path / "out.csv"
    with app.app_context():
        user = _user("bappeda")
        count = exports.write_submissions_csv(path, user, {"form_version_id": find_version("geber_cek", 1).id},
                                              progress.append)
    assert count == 11
    assert len(list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))) == 12
    assert progress == sorted(progress) and len(progress) == 5


def test_the_sites_geojson_holds_the_sites_in_scope_as_points(app, tmp_path, data):
    with app.app_context():
        camat = _user("camat", kecamatan_code=factories.KOTA_MANNA)
        bappeda = _user("bappeda")
        assert exports.write_sites_geojson(tmp_path / "camat.geojson", camat, {}) == 3
        assert exports.write_sites_geojson(tmp_path / "all.geojson", bappeda, {}) == 4
    doc = json.loads((tmp_path / "camat.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert {f["properties"]["kecamatan"] for f in doc["features"]} == {"Kota Manna"}
    feature = next(f for f in doc["features"] if f["properties"]["nama"] == "SD Negeri 1 Manna")
    assert feature["geometry"] == {"type": "Point", "coordinates": [factories.LON, factories.LAT]}
    assert feature["properties"]["jenis_label"] == "Sekolah"
    assert feature["properties"]["desa"] == data.desa_a


def _photo(app, sub_id, processed=True):
    with app.app_context():
        import uuid as uuidlib

        att = Attachment(uuid=uuidlib.uuid4(), submission_id=sub_id, field="foto", sha256="0" * 64, bytes=4,
                         content_type="image/jpeg", state="processed" if processed else "pending")
        db.session.add(att)
        db.session.commit()
        if processed:
            storage.write_bytes(display_key(att), b"\xff\xd8jpegbytes\xff\xd9")
        return att.uuid


def test_a_photo_archive_holds_the_served_copies_and_a_manifest_that_also_names_the_missing_ones(app, tmp_path):
    with app.app_context():
        monitor = _user("monitor", kecamatan_code=factories.KOTA_MANNA)
        s1 = dataset.site(factories.KOTA_MANNA, 0, "SD Negeri 1 Manna")
        s3 = dataset.site(factories.PINO, 0, "Masjid Pino")
        sub = dataset.check(monitor, s1, 80, wib(2026, 5, 3))
        pino = dataset.check(monitor, s3, 70, wib(2026, 5, 4))
        old = dataset.check(monitor, s1, 60, wib(2026, 4, 1))
        db.session.commit()
        ids = sub.id, pino.id, old.id, sub.uuid
    done = _photo(app, ids[0])
    waiting = _photo(app, ids[0], processed=False)
    _photo(app, ids[1])
    _photo(app, ids[2])
    path = tmp_path / "foto.zip"
    with app.app_context():
        camat = _user("camat", kecamatan_code=factories.KOTA_MANNA)
        files = exports.write_photos_zip(path, camat, {"start": "2026-05-01", "end": "2026-05-31"})
    assert files == 1
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert f"foto/2026-05-03/{ids[3]}_foto_1.jpg" in names
        assert archive.read(f"foto/2026-05-03/{ids[3]}_foto_1.jpg") == b"\xff\xd8jpegbytes\xff\xd9"
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert sorted(names) == sorted(["manifest.csv", f"foto/2026-05-03/{ids[3]}_foto_1.jpg"])
    assert [(m["UUID foto"], m["Berkas"] != "", m["Keterangan"]) for m in manifest] == [
        (str(done), True, ""),
        (str(waiting), False, "Foto belum diproses server; tidak disertakan."),
    ]
    assert manifest[0]["Pertanyaan"] == "Foto kondisi lokasi"
    assert manifest[0]["Lokasi"] == "SD Negeri 1 Manna"
    assert manifest[0]["Ukuran berkas (byte)"] == "13"
    import hashlib

    assert manifest[0]["SHA-256 berkas"] == hashlib.sha256(b"\xff\xd8jpegbytes\xff\xd9").hexdigest()


def test_an_export_for_a_form_version_that_no_longer_exists_fails_with_a_reason(app, tmp_path):
    with app.app_context():
        user = _user("bappeda")
        with pytest.raises(exports.ExportError, match="Versi formulir tidak ditemukan"):
            exports.write_submissions_csv(tmp_path / "x.csv", user, {"form_version_id": 99999})
        assert db.session.scalar(select(User.id).where(User.id == user.id))
