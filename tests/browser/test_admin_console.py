"""An admin runs the regency from /admin in Chromium, then a monitor's visit meets the imported plan.

The walk: 200 users from a file (initial passwords downloaded once), a 300-kegiatan DPA with
plans — first with errors, read from the preview, then fixed — a user deactivated (their next API
call is a 401), a password reset (the user must set a new one), two sites merged; a monitor then
syncs a monev visit against an imported kegiatan and the Bappeda desk shows the deviation from the
DPA's monthly plan, not from the straight line.
"""
import csv
import importlib
import io
import re
import uuid

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.browser.conftest import FieldApp, browser, live_server  # noqa: F401
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.monev.models import Kegiatan
from webapp.sites.models import Site
from webapp.submissions.models import Submission

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 360, "height": 740}
bench_import = importlib.import_module("bench.import")


def _context(browser, live_server, viewport=LAPTOP):  # noqa: F811
    ctx = browser.new_context(base_url=live_server.url, viewport=viewport, locale="id-ID",
                              timezone_id="Asia/Jakarta", accept_downloads=True)
    ctx.set_default_timeout(30_000)
    return ctx


def _login(page, username, password=factories.PASSWORD):
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit]")


def _api(page, method, path, body=None):
    """A call as the field app makes it: JSON, with the CSRF token from /api/v1/session."""
    return page.evaluate("""async ([method, path, body]) => {
        const headers = {'Content-Type': 'application/json'};
        if (method !== 'GET') {
            const session = await fetch('/api/v1/session', {credentials: 'same-origin'});
            if (session.ok) headers['X-CSRFToken'] = (await session.json()).csrf_token;
        }
        const response = await fetch(path, {method, headers, credentials: 'same-origin',
                                            body: body ? JSON.stringify(body) : undefined});
        return {status: response.status, body: await response.text()};
    }""", [method, path, body])


def _dpa_rows(rows: int, site_uuid) -> list[list]:
    sheet = load_workbook(io.BytesIO(bench_import.make_dpa(rows)), read_only=True).worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    first = table[1]
    first[header.index("kode_kecamatan")] = factories.KOTA_MANNA
    first[header.index("kode_lokasi")] = str(site_uuid)
    return table


def _xlsx(table, path):
    workbook = Workbook()
    for row in table:
        workbook.active.append(row)
    workbook.save(path)


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_admin_runs_the_regency_from_the_console(app, browser, live_server, make_user, make_site, tmp_path):  # noqa: F811
    make_user("admin", username="admin.kab")
    make_user("bappeda", username="bappeda.kab")
    leaving = make_user("monitor", username="petugas.keluar", kecamatan_code=factories.KOTA_MANNA)
    forgetful = make_user("monitor", username="petugas.lupa", kecamatan_code=factories.KOTA_MANNA)
    visited = make_site(factories.KOTA_MANNA, name="Ruas Jalan Pasar Baru")
    keep = make_site(factories.KOTA_MANNA, name="TPS Pasar Baru")
    duplicate = make_site(factories.KOTA_MANNA, name="TPS pasar baru (dobel)")

    admin_ctx = _context(browser, live_server)
    admin = admin_ctx.new_page()
    _login(admin, "admin.kab")
    admin.goto("/admin/")
    assert admin.locator("h1").inner_text() == "Konsol admin"

    # --- 200 users from a file; the initial passwords come once, as an XLSX ---
    users_csv = tmp_path / "pengguna.csv"
    with open(users_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["username", "nama", "peran", "kode_kecamatan", "kode_opd", "telepon", "email"])
        for n in range(200):
            writer.writerow([f"petugas.{n:03d}", f"Petugas {n}", "monitor", f"17.01.{n % 11 + 1:02d}", "", "", ""])
    admin.goto("/admin/pengguna/impor")
    admin.set_input_files("#file", str(users_csv))
    admin.click("form.upload button[type=submit]")
    assert "200 baru" in admin.locator(".preview-counts").inner_text()
    admin.click("text=Impor sekarang")
    with admin.expect_download() as download:
        admin.click("#download-passwords")
    with open(download.value.path(), "rb") as handle:
        slips = load_workbook(io.BytesIO(handle.read())).active
    assert slips.max_row == 201
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username.like("petugas.%"))) == 202

    # --- a 300-kegiatan DPA: the preview names the bad rows; the fixed file goes in whole ---
    table = _dpa_rows(300, visited.uuid)
    header = table[0]
    broken = [row[:] for row in table]
    broken[5][header.index("pagu")] = -1_000
    broken[9][header.index("fisik_jul")] = 1
    bad_file = tmp_path / "dpa-salah.xlsx"
    _xlsx(broken, bad_file)
    admin.goto("/admin/kegiatan/impor")
    admin.set_input_files("#file", str(bad_file))
    admin.click("form.upload button[type=submit]")
    errors = admin.locator("tr.row-error").all_inner_texts()
    assert len(errors) == 2
    assert "pagu: harus lebih dari 0" in errors[0] and "fisik_jul: rencana kumulatif turun" in errors[1]
    assert admin.locator("text=Impor sekarang").count() == 0
    good_file = tmp_path / "dpa.xlsx"
    _xlsx(table, good_file)
    admin.set_input_files("#file", str(good_file))
    admin.click("form.upload button[type=submit]")
    assert "300 baru" in admin.locator(".preview-counts").inner_text()
    admin.click("text=Impor sekarang")
    admin.wait_for_url(re.compile(r".*/admin/kegiatan$"))
    assert "300 sub kegiatan" in admin.content()
    with app.app_context():
        assert db.session.scalar(select(func.count(Kegiatan.id))) == 300
        visited_code = table[1][header.index("kode_sub_kegiatan")]

    # --- deactivate a user: their phone's next call is a 401 ---
    phone_ctx = _context(browser, live_server, PHONE)
    phone = phone_ctx.new_page()
    _login(phone, "petugas.keluar")
    assert _api(phone, "GET", "/api/v1/bootstrap")["status"] == 200
    admin.goto(f"/admin/pengguna/{leaving.id}")
    admin.click("text=Nonaktifkan")
    assert "dinonaktifkan" in admin.locator(".flash").inner_text()
    assert _api(phone, "GET", "/api/v1/bootstrap")["status"] == 401
    phone_ctx.close()

    # --- reset a password: shown once; the user must choose a new one ---
    admin.goto(f"/admin/pengguna/{forgetful.id}")
    admin.click("text=Atur ulang kata sandi")
    temporary = admin.locator("#temporary-password").inner_text()
    monitor_ctx = _context(browser, live_server, PHONE)
    monitor = monitor_ctx.new_page()
    _login(monitor, "petugas.lupa", temporary)
    monitor.wait_for_url(re.compile(r".*/akun/kata-sandi$"))
    assert _no_horizontal_scroll(monitor)
    monitor.fill("#current", temporary)
    monitor.fill("#new", "jembatan-kayu-manna-7")
    monitor.click("main form button[type=submit]")
    monitor.wait_for_url(re.compile(r".*/beranda$"))

    # --- merge two sites: the duplicate's submissions move to the survivor ---
    dup_item = factories.geber_item(duplicate.uuid)
    assert '"created"' in _api(monitor, "POST", "/api/v1/submissions/batch", {"submissions": [dup_item]})["body"]
    admin.goto(f"/admin/lokasi/{duplicate.id}")
    admin.select_option("#target", str(keep.id))
    admin.click("text=Gabungkan ke lokasi tujuan")
    assert "digabung ke TPS Pasar Baru" in admin.locator(".flash").inner_text()
    with app.app_context():
        assert db.session.scalar(select(Submission.site_id).where(Submission.uuid == uuid.UUID(dup_item["uuid"]))) == keep.id
        assert db.session.get(Site, duplicate.id).merged_into_id == keep.id

    # --- a monev visit against an imported kegiatan, filled in the field app's form and synced;
    # the desk compares it with the DPA's plan ---
    field_app = FieldApp(monitor, tmp_path)
    monitor.goto("/lapangan")
    field_app.wait_ready()
    field_app.fill_monev_visit(visited.name, visited_code)  # 45,5 % physical progress, at risk
    field_app.submit()
    field_app.sync_until_empty()
    with app.app_context():
        from webapp.review.services import review

        sub = db.session.scalar(select(Submission).join(User, User.id == Submission.user_id)
                                .where(User.username == "petugas.lupa", Submission.form_code == "monev_kunjungan"))
        kegiatan = db.session.scalar(select(Kegiatan).where(Kegiatan.code == visited_code))
        assert sub.kegiatan_id == kegiatan.id and sub.answers["progres_fisik"] == 45.5
        review(db.session.scalar(select(User).where(User.username == "bappeda.kab")), sub, "approve")
        db.session.commit()
        from webapp.monev import planning
        from webapp.reports.periods import wib_date

        planned = planning.planned_progress(kegiatan, wib_date(sub.recorded_at))
        assert planned.basis == planning.PLAN and planned.pct - 45.5 > 10
    desk_ctx = _context(browser, live_server)
    desk = desk_ctx.new_page()
    _login(desk, "bappeda.kab")
    desk.goto("/bappeda")
    row = desk.locator("section[aria-labelledby=h-deviations] tr", has_text=kegiatan.name).first
    assert f"{planned.pct:g}".replace(".", ",") in row.inner_text() or f"{planned.pct:g}" in row.inner_text()
    assert "Tertinggal jadwal" in row.inner_text()
    assert "garis lurus" not in row.inner_text()

    # --- the console at a phone's width: nothing wider than the screen but the tables' own scroll ---
    admin.set_viewport_size(PHONE)
    for path in ("/admin/", "/admin/pengguna", "/admin/kegiatan/impor", f"/admin/lokasi/{keep.id}"):
        admin.goto(path)
        assert _no_horizontal_scroll(admin), path
    for ctx in (admin_ctx, monitor_ctx, desk_ctx):
        ctx.close()
