"""The console's imports: users in bulk and the DPA — preview, errors, one transaction, revisions."""
import base64
import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import AuthActions
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.monev.dpa_files import example_rows, rows_to_csv
from webapp.monev.models import Kegiatan

HEADER = ["username", "nama", "peran", "kode_kecamatan", "kode_opd", "telepon", "email"]


def _users_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(admin, url, data: bytes, name: str):
    return admin.post(url, {"file": (io.BytesIO(data), name)}, page=url, content_type="multipart/form-data")


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_bulk_users_preview_marks_each_row_and_writes_nothing(app, admin, make_user):
    make_user("monitor", username="petugas.lama", kecamatan_code="17.01.05")
    before = _user_count(app)
    data = _users_csv([
        ["petugas.baru", "Petugas Baru", "monitor", "17.01.05", "", "0812 3456 7890", ""],
        ["petugas.lama", "Petugas Lama Pindah", "monitor", "17.01.03", "", "", ""],
        ["camat.salah", "Camat Salah", "camat", "", "", "", ""],
        ["opd.salah", "OPD Salah", "opd", "", "TIDAKADA", "", "bukan-email"],
        ["petugas.baru", "Dua Kali", "monitor", "17.01.05", "", "", ""],
    ])
    response = _upload(admin, "/admin/pengguna/impor", data, "pengguna.csv")
    assert response.status_code == 422
    page = response.text
    assert "kode_kecamatan: wajib untuk camat" in page
    assert "kode_opd: OPD &#39;TIDAKADA&#39; tidak dikenal" in page and "bukan alamat email" in page
    assert "username: petugas.baru sudah ada di baris 2" in page
    assert "Impor sekarang" not in page
    assert _user_count(app) == before


def test_bulk_users_commit_in_one_go_and_offer_the_initial_passwords_once(app, admin, make_user):
    make_user("monitor", username="petugas.lama", kecamatan_code="17.01.05")
    rows = [[f"petugas.{n:03d}", f"Petugas {n}", "monitor", "17.01.05", "", "", ""] for n in range(20)]
    rows.append(["petugas.lama", "Petugas Lama", "camat", "17.01.03", "", "", ""])
    preview = _upload(admin, "/admin/pengguna/impor", _users_csv(rows), "pengguna.csv")
    assert preview.status_code == 200 and "20 baru" in preview.text and "1 berubah" in preview.text
    done = admin.post("/admin/pengguna/impor", {"token": _token(preview.text), "filename": "pengguna.csv",
                                                "confirm": "1"}, page="/admin/pengguna/impor")
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    payload = re.search(r'base64,([A-Za-z0-9+/=]+)"', done.text).group(1)
    sheet = load_workbook(io.BytesIO(base64.b64decode(payload))).active
    slips = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(slips) == 20 and slips[0][0] == "petugas.000"
    with app.app_context():
        stored = db.session.scalar(select(User).where(User.username == "petugas.000"))
        assert stored.must_change_password and slips[0][2] not in stored.password_hash
        assert db.session.scalar(select(User.role).where(User.username == "petugas.lama")) == "camat"
    login = AuthActions(app.test_client()).login("petugas.000", slips[0][2])
    assert login.headers["Location"].endswith("/akun/kata-sandi")
    # The same file again: nothing new, nothing changed.
    again = _upload(admin, "/admin/pengguna/impor", _users_csv(rows), "pengguna.csv")
    assert "0 baru" in again.text and "21 tetap" in again.text


def test_the_users_template_downloads_as_xlsx(admin):
    response = admin.get("/admin/pengguna/impor/templat.xlsx")
    assert response.status_code == 200
    header = next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert list(header) == [*HEADER, "kepala"]


def test_the_dpa_page_previews_refuses_errors_and_commits_with_revisions(app, admin):
    rows = example_rows()
    rows[2]["pagu"] = "-5"
    bad = _upload(admin, "/admin/kegiatan/impor", rows_to_csv(rows), "dpa.csv")
    assert bad.status_code == 422 and "pagu: harus lebih dari 0" in bad.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Kegiatan.id))) == 0
    rows = example_rows()
    good = _upload(admin, "/admin/kegiatan/impor", rows_to_csv(rows), "dpa-murni.csv")
    assert good.status_code == 200 and "6 baru" in good.text
    done = admin.post("/admin/kegiatan/impor", {"token": _token(good.text), "filename": "dpa-murni.csv",
                                                "confirm": "1"}, page="/admin/kegiatan/impor")
    assert done.status_code == 302
    rows[1]["fisik_jun"] = "40"
    revised = _upload(admin, "/admin/kegiatan/impor", rows_to_csv(rows), "dpa-perubahan.csv")
    assert "1 berubah" in revised.text and "rencana_fisik" in revised.text
    admin.post("/admin/kegiatan/impor", {"token": _token(revised.text), "filename": "dpa-perubahan.csv",
                                         "confirm": "1"}, page="/admin/kegiatan/impor")
    with app.app_context():
        kegiatan_id = db.session.scalar(select(Kegiatan.id).where(Kegiatan.code == "1.03.03.2.01.0024"))
    page = admin.get(f"/admin/kegiatan/{kegiatan_id}").text
    assert "Revisi 2" in page and "Revisi 1" in page and "dpa-murni.csv" in page and "dpa-perubahan.csv" in page


def test_a_file_that_is_not_a_table_is_a_clear_422(admin):
    response = _upload(admin, "/admin/kegiatan/impor", b"\x89PNG\r\n\x1a\n\x00\x00", "dpa.png")
    assert response.status_code == 422 and "bukan CSV atau XLSX" in response.text


def test_the_dpa_template_downloads(admin):
    response = admin.get("/admin/kegiatan/templat.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).sheetnames == ["DPA", "Petunjuk"]


# --- the shared upload → preview → confirm step, and the sweep of abandoned previews ---------------

def _kept_files(app) -> list:
    folder = __import__("pathlib").Path(app.config["STORAGE_ROOT"]) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_both_imports_refuse_a_file_over_10_mb_and_keep_nothing(app, admin, monkeypatch):
    from webapp.admin import uploads

    # The limit made small, so the test client does not spool a 10 MB body to disk.
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 4096)
    big = b"username\n" + b"x" * 5000
    before = _kept_files(app)
    for url in ("/admin/kegiatan/impor", "/admin/pengguna/impor"):
        response = _upload(admin, url, big, "besar.csv")
        assert response.status_code == 413 and "lebih dari 10 MB" in response.text, url
    assert _kept_files(app) == before


def test_a_preview_whose_file_is_gone_asks_for_the_upload_again(app, admin):
    for url in ("/admin/kegiatan/impor", "/admin/pengguna/impor"):
        response = admin.post(url, {"token": "hilang", "filename": "x.csv", "confirm": "1"}, page=url)
        assert response.status_code == 302 and response.headers["Location"].endswith(url)
        assert "Berkas pratinjau sudah tidak ada" in admin.get(url).text


def test_a_confirmed_import_removes_its_kept_file_and_a_refused_one_keeps_none(app, admin):
    good = _upload(admin, "/admin/pengguna/impor", _users_csv([["budi", "Budi", "monitor", "17.01.03", "", "", ""]]),
                   "pengguna.csv")
    token = _token(good.text)
    assert token in _kept_files(app)
    before = [name for name in _kept_files(app) if name != token]
    admin.post("/admin/pengguna/impor", {"token": token, "filename": "pengguna.csv", "confirm": "1"},
               page="/admin/pengguna/impor")
    assert _kept_files(app) == before
    bad = _upload(admin, "/admin/pengguna/impor", _users_csv([["budi", "Budi", "raja", "", "", "", ""]]), "salah.csv")
    assert bad.status_code == 422 and 'name="token"' not in bad.text
    assert _kept_files(app) == before


def test_the_nightly_sweep_removes_previews_left_for_more_than_a_day(app, admin):
    import os
    import time

    from webapp import schedule
    from webapp.jobs_sweep import scheduled_sweep

    rows = example_rows()
    others = _kept_files(app)
    old = _token(_upload(admin, "/admin/kegiatan/impor", rows_to_csv(rows), "kemarin.csv").text)
    fresh = _token(_upload(admin, "/admin/kegiatan/impor", rows_to_csv(rows), "hari-ini.csv").text)
    folder = __import__("pathlib").Path(app.config["STORAGE_ROOT"]) / "imports"
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(folder / old, (day_and_a_bit, day_and_a_bit))
    assert schedule.entry("sapu-malam").func == "webapp.jobs_sweep.scheduled_sweep"
    with app.app_context():
        scheduled_sweep("2026-12-04T19:30:00+00:00")
    kept = _kept_files(app)
    assert fresh in kept and old not in kept and set(kept) <= set(others) | {fresh}
    # The fresh preview still confirms; the abandoned one asks for the upload again.
    done = admin.post("/admin/kegiatan/impor", {"token": fresh, "filename": "hari-ini.csv", "confirm": "1"},
                      page="/admin/kegiatan/impor")
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/kegiatan")
    gone = admin.post("/admin/kegiatan/impor", {"token": old, "filename": "kemarin.csv", "confirm": "1"},
                      page="/admin/kegiatan/impor")
    assert gone.headers["Location"].endswith("/admin/kegiatan/impor")
