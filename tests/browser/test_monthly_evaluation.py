"""The monthly cycle in Chromium: an OPD files the month's report for two kegiatan, a monitor's
visit disagrees with one of them, Bappeda sees the verification flag on the desk and on the
kegiatan page's S-curve. Screenshots of the new pages at 360 and 1366 px go to PANTAU_ARTIFACTS."""
import re

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, browser, live_server  # noqa: F401
from webapp.followups.services import today_wib

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 900}}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _login(browser, live_server, username, size="1366"):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size], locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(beranda|lapangan).*"))
    return context, page


def _shoot(page, name: str, size: str):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{name} scrolls sideways at {size}px: {width}px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"evaluasi-{name}-{size}.png"), full_page=True)


def _file_report(page, code: str, month_value: str, rupiah: str, physical: str):
    page.goto(f"/opd?bulan={month_value}")
    page.click(f"tr[data-kegiatan='{code}'] a")
    page.fill("#realisation_rp", rupiah)
    page.fill("#physical_pct", physical)
    page.fill("#problems", "Cuaca hujan menghambat pengecoran.")
    page.click("button[value=kirim]")
    page.wait_for_url(re.compile(r".*/opd\?bulan=.*"))
    row = page.locator(f"tr[data-kegiatan='{code}']")
    assert "Terkirim" in row.inner_text()


def test_an_opd_report_contradicted_by_a_visit_is_flagged_for_bappeda(
        app, browser, live_server, field_app, make_user, make_site, make_kegiatan):  # noqa: F811
    today = today_wib()
    month_value = f"{today.year}-{today.month:02d}"
    opd = make_user("opd", opd_code="DLH")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    bappeda = make_user("bappeda")
    market = make_site(name="Pasar Bawah Manna", kind="pasar")
    school = make_site(name="SD Negeri 5 Manna")
    tps = make_kegiatan("DLH", sites=[market], code="1.03.01.2.01.0001", name="Pembangunan TPS3R Pasar Bawah",
                        year=today.year, pagu=640_000_000)
    bins = make_kegiatan("DLH", sites=[school], code="1.03.01.2.01.0002", name="Tempat Sampah Terpilah Sekolah",
                         year=today.year, pagu=310_000_000)

    # The OPD files the month's report for both kegiatan.
    context, page = _login(browser, live_server, opd.username)
    _file_report(page, tps.code, month_value, "450.000.000", "80")
    _file_report(page, bins.code, month_value, "280.000.000", "92,5")
    for size in SIZES:
        page.set_viewport_size(SIZES[size])
        page.goto(f"/opd?bulan={month_value}")
        _shoot(page, "meja-opd", size)
        page.goto(f"/opd/laporan/{tps.code}/{today.year}/{today.month}")
        _shoot(page, "laporan-opd", size)
    assert page.errors == []
    context.close()

    # A monitor visits the TPS3R and sees far less than the OPD reported (45,5 % against 80 %).
    field_app.login(monitor.username)
    field_app.fill_monev_visit(market.name, tps.code)
    field_app.submit()
    field_app.sync_until_empty()

    # Bappeda: the desk lists the kegiatan with the verification flag, and its page marks the S-curve.
    context, page = _login(browser, live_server, bappeda.username)
    page.goto(f"/bappeda?bulan={month_value}")
    flagged = page.locator(f"#table-flagged tr[data-kegiatan='{tps.code}']")
    assert flagged.locator(".flag-verification").count() == 1
    assert page.locator(f"#table-flagged tr[data-kegiatan='{bins.code}'] .flag-verification").count() == 0
    for size in SIZES:
        page.set_viewport_size(SIZES[size])
        page.goto(f"/bappeda?bulan={month_value}")
        _shoot(page, "meja-bappeda", size)
    page.set_viewport_size(SIZES["1366"])
    page.goto(f"/bappeda?bulan={month_value}#evaluasi")
    page.click(f"#table-flagged tr[data-kegiatan='{tps.code}'] a")
    page.wait_for_url(re.compile(rf".*/kegiatan/{re.escape(tps.code)}$"))
    mark = page.locator(f"#s-curve-physical [data-mark=observed][data-index='{today.month - 1}']")
    assert mark.count() == 1 and mark.is_visible()
    row = page.locator(f"#table-physical tr[data-month='{today.month}']")
    assert "45,5%" in row.inner_text() and "80%" in row.inner_text() and "Verifikasi berbeda" in row.inner_text()
    assert page.locator(".timeline-visit").count() == 1 and page.locator(".timeline-report").count() == 1
    for size in SIZES:
        page.set_viewport_size(SIZES[size])
        _shoot(page, "halaman-kegiatan", size)
    page.emulate_media(media="print")
    assert page.locator("#s-curve-physical").is_visible() and page.locator("#table-physical").is_visible()
    page.pdf(path=str(ARTIFACTS / "evaluasi-halaman-kegiatan.pdf")) if hasattr(page, "pdf") else None
    assert page.errors == []
    context.close()

    # The camat desk's weekly trend page renders too.
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    context, page = _login(browser, live_server, camat.username)
    for size in SIZES:
        page.set_viewport_size(SIZES[size])
        page.goto("/camat")
        assert page.locator("#table-geber-trend").count() == 1
        _shoot(page, "meja-camat", size)
    assert page.errors == []
    context.close()
