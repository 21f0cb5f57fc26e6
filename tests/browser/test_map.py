"""The map in headless Chromium, with the CDN and the tile server unreachable (as without internet).

Leaflet must come from the app's own copy, the server's groups must be drawn, a
filter must change what is shown, and a site named `<img src=x onerror=alert(1)>` must show
those characters in the popup, the side panel and the list with no dialog ever opening.
Screenshots at 360×740 and 1280×800 go to PANTAU_ARTIFACTS.
"""
import random
import re

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, wait_for_animations, wait_until
from tests.factories import days_ago

pytestmark = pytest.mark.browser

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 800}}
XSS = "<img src=x onerror=alert(1)>"
CENTRES = {factories.KOTA_MANNA: (-4.455, 102.905), factories.PINO: (-4.380, 103.030)}


@pytest.fixture
def sites(make_user, make_kegiatan, map_builder):
    """Thirty sites around Kota Manna and ten around Pino, in every band, one with a hostile name."""
    rng = random.Random(5)  # a fixed layout, so the screenshots look the same in every run
    made = {factories.KOTA_MANNA: [], factories.PINO: []}
    scores = [95, 88, 82, 76, 71, 64, 58, 47, 33, None]
    for code, count in ((factories.KOTA_MANNA, 30), (factories.PINO, 10)):
        lat, lon = CENTRES[code]
        for n in range(count):
            score = scores[n % len(scores)]
            status = {} if score is None else {"geber_score": score, "geber_at": days_ago(n % 20 + 1),
                                               "flagged": n % 7 == 3}
            made[code].append(map_builder.site(
                code, desa_index=n % 3, name=f"SD Negeri {n + 1} {'Manna' if code == factories.KOTA_MANNA else 'Pino'}",
                lat=lat + rng.uniform(-0.02, 0.02), lon=lon + rng.uniform(-0.02, 0.02), **status))
    hostile = map_builder.site(factories.KOTA_MANNA, name=XSS, lat=-4.46, lon=102.91, geber_score=41, geber_at=days_ago(2))
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    check = map_builder.submission(monitor, hostile, score=41, recorded_at=days_ago(2), photo=True)
    map_builder.set_status(hostile.id, geber_submission_id=check.id)

    class Ref:
        id = made[factories.KOTA_MANNA][0].id

    make_kegiatan("PUPR", sites=[Ref], name="Normalisasi Saluran Drainase Kota Manna")
    map_builder.set_status(Ref.id, monev_status="at_risk", monev_at=days_ago(3))
    return {"made": made, "hostile": hostile}


def _open(browser, live_server, size: str, block_local_leaflet: bool = False):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size], locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block")
    context.set_default_timeout(20_000)
    # No internet: the CDN and the tile server do not answer.
    context.route(re.compile(r"^https://unpkg\.com/.*"), lambda route: route.abort("internetdisconnected"))
    context.route(re.compile(r"^https://[a-z.]*tile\.openstreetmap\.org/.*"), lambda route: route.abort("internetdisconnected"))
    if block_local_leaflet:
        context.route(re.compile(r".*/static/vendor/leaflet.*"), lambda route: route.abort())
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"error: {error}"))
    page.on("console", lambda msg: page.problems.append(f"csp: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return context, page


def _login(page, username: str):
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/beranda$"))


def _ready(page):
    wait_until(page, "() => document.querySelector('#map-app').dataset.state === 'ready'")


def _map_ready(page):
    wait_until(page, "() => document.querySelector('#map-app').dataset.map === 'ready'")
    # The groups of the visible box come from the server after the map settles; wait until drawn.
    wait_until(page, "() => document.querySelector('#map-app').dataset.markers === 'ready'")
    wait_until(page, "() => document.querySelectorAll('.leaflet-marker-icon').length > 0")


def _shoot(page, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wait_for_animations(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _list_names(page) -> list[str]:
    return page.eval_on_selector_all("#site-list-body .site-name", "els => els.map(e => e.textContent)")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_map_clusters_markers_from_the_local_leaflet_and_a_filter_changes_them(
        browser, live_server, sites, make_user, size):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, size)
    try:
        _login(page, bappeda.username)
        page.goto("/peta")
        _ready(page)
        _map_ready(page)
        sources = page.evaluate("() => ({...document.documentElement.dataset})")
        assert sources["leafletSource"] == "local"
        assert page.locator(".cluster").count() >= 1, "markers are clustered"
        assert len(_list_names(page)) == 41
        # Nothing but the map's own tiles reaches past the screen's edge (the legend wraps at 360 px).
        overflow = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.leaflet-container') && e.getBoundingClientRect().right > innerWidth + 0.5)
            .map(e => e.tagName + '.' + e.className)""")
        assert overflow == [], overflow
        _shoot(page, f"peta-{size}")

        page.locator("#map-filters-box > summary").click() if size == "360" else None
        page.select_option("#f-kecamatan", factories.PINO)
        wait_until(page, "() => document.querySelectorAll('#site-list-body li').length === 10")
        _ready(page)
        assert "kecamatan=17.01.03" in page.url
        assert all(name.endswith("Pino") for name in _list_names(page))
        # What the map draws adds up to the ten sites of Pino (clusters count their members).
        wait_until(page, """() => document.querySelector('#map-app').dataset.markers === 'ready' &&
            [...document.querySelectorAll('.leaflet-marker-icon')].reduce((n, el) =>
            n + (el.classList.contains('cluster') ? Number(el.querySelector('.cluster-count').textContent) : 1), 0) === 10""")

        page.select_option("#f-band", "kotor")
        wait_until(page, "() => document.querySelectorAll('#site-list-body li').length === 3")
        assert "band=kotor" in page.url
        # The filtered view is shareable: opening its URL shows the same.
        page.goto(page.url)
        _ready(page)
        assert len(_list_names(page)) == 3
        assert page.locator("#f-band").input_value() == "kotor"

        # The monev layer shows activity sites by their status.
        page.locator("#map-filters-box > summary").click() if size == "360" else None
        page.select_option("#f-kecamatan", "")
        page.check("input[name=layer][value=monev]")
        wait_until(page, "() => document.querySelectorAll('#site-list-body li').length === 1")
        assert "layer=monev" in page.url and "band=" not in page.url
        assert page.locator("#site-list-body .badge").text_content().endswith("Berisiko")
        assert page.locator(".legend-list[data-layer=monev]").is_visible()
        assert not page.locator(".legend-list[data-layer=geber]").is_visible()
        _shoot(page, f"peta-monev-{size}")
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_typed_site_name_shows_as_text_in_the_popup_panel_and_list(browser, live_server, sites, make_user, size):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, size)
    try:
        _login(page, bappeda.username)
        page.goto("/peta?band=kotor")
        _ready(page)
        _map_ready(page)
        row = page.locator("#site-list-body li", has=page.locator(f"button:text-is('{XSS}')"))
        assert row.count() == 1
        row.locator("button").click()
        popup = page.locator(".leaflet-popup .popup-title")
        popup.wait_for()
        assert popup.text_content() == XSS
        panel = page.locator("#site-panel .panel-title")
        assert panel.text_content() == XSS
        page.locator("#site-panel .panel-photo").wait_for()
        page.locator(".leaflet-popup .popup-photo").wait_for()
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("#site-panel a", has_text="Riwayat lokasi").get_attribute("href") == f"/lokasi/{sites['hostile'].uuid}"
        _shoot(page, f"peta-popup-{size}")
        page.locator("#site-panel").scroll_into_view_if_needed()
        _shoot(page, f"peta-panel-{size}")
        page.goto(f"/lokasi/{sites['hostile'].uuid}")
        assert page.locator("h1").text_content() == XSS
        _shoot(page, f"lokasi-{size}")
        assert page.problems == []
    finally:
        context.close()


def test_the_server_groups_are_drawn_and_a_group_click_leads_to_a_site_whose_popup_loads_its_details(
        browser, live_server, sites, make_user):
    """The browser holds the groups of the visible box, never every site: a click on a group zooms
    in until single sites show; a site's popup then fetches its details (history link) on demand."""
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, "1280")
    try:
        _login(page, bappeda.username)
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "/api/v1/map/" in r.url else None)
        page.goto("/peta")
        _ready(page)
        _map_ready(page)
        assert page.evaluate("() => document.documentElement.dataset.leafletSource") == "local"
        counts = page.eval_on_selector_all(".leaflet-marker-icon.cluster .cluster-count", "els => els.map(e => +e.textContent)")
        singles = page.locator(".leaflet-marker-icon.pin").count()
        assert counts and sum(counts) + singles == 41
        assert page.locator(".leaflet-marker-icon").count() < 41, "grouped, not one marker per site"
        assert any("/api/v1/map/clusters?" in url and "z=" in url and "bbox=" in url for url in requests)
        for _ in range(8):
            if page.locator(".leaflet-marker-icon.pin").count():
                break
            page.locator(".leaflet-marker-icon.cluster").first.click()
            wait_until(page, "() => document.querySelector('#map-app').dataset.markers === 'ready'")
            wait_for_animations(page)
        marker = page.locator(".leaflet-marker-icon.pin").first
        name = marker.get_attribute("title")
        requests.clear()
        marker.click()
        page.locator(".leaflet-popup .popup-title").wait_for()
        assert page.locator(".leaflet-popup .popup-title").text_content() == name
        page.locator(".leaflet-popup .popup-extra a", has_text="Riwayat lokasi").wait_for()
        assert any(re.search(r"/api/v1/map/sites/[0-9a-f-]{36}$", url) for url in requests)
        assert page.problems == []
    finally:
        context.close()


def test_a_marker_click_opens_its_popup_and_panel(browser, live_server, sites, make_user):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, "1280")
    try:
        _login(page, bappeda.username)
        page.goto(f"/peta?kecamatan={factories.KOTA_MANNA}&band=bersih")
        _ready(page)
        _map_ready(page)
        # Zoom in until single markers show, then click one.
        for _ in range(6):
            if page.locator(".leaflet-marker-icon.pin").count():
                break
            page.locator(".leaflet-control-zoom-in").click()
            wait_for_animations(page)
        marker = page.locator(".leaflet-marker-icon.pin").first
        name = marker.get_attribute("title")
        marker.click()
        page.locator(".leaflet-popup .popup-title").wait_for()
        assert page.locator(".leaflet-popup .popup-title").text_content() == name
        assert page.locator("#site-panel .panel-title").text_content() == name
        assert page.problems == []
    finally:
        context.close()


def test_the_popup_and_panel_of_an_activity_site_link_its_kegiatan_page(browser, live_server, sites, make_user):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, "360")
    try:
        _login(page, bappeda.username)
        page.goto("/peta?layer=monev")
        _ready(page)
        _map_ready(page)
        assert _list_names(page) == ["SD Negeri 1 Manna"]
        page.locator("#site-list-body li button").first.click()
        link = page.locator(".leaflet-popup a.kegiatan-link")
        link.wait_for()
        assert link.text_content() == "Normalisasi Saluran Drainase Kota Manna"
        href = link.get_attribute("href")
        assert href.startswith("/kegiatan/") and "opd=PUPR" in href
        assert page.locator("#site-panel a.kegiatan-link").get_attribute("href") == href
        link.click()
        page.wait_for_url(re.compile(r".*/kegiatan/.*"))
        assert "Normalisasi Saluran Drainase Kota Manna" in page.locator("h1").text_content()
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_kecamatan_summary_draws_circles_and_a_table(browser, live_server, sites, make_user, size):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, size)
    try:
        _login(page, bappeda.username)
        page.goto("/peta?ringkasan=1")
        _ready(page)
        _map_ready(page)
        wait_until(page, "() => document.querySelectorAll('#summary-body tr').length === 11")
        wait_until(page, "() => document.querySelectorAll('.leaflet-summary-pane path').length === 2")
        labels = page.eval_on_selector_all(".kec-label strong", "els => els.map(e => e.textContent)")
        assert sorted(labels) == ["Kota Manna", "Pino"]
        _shoot(page, f"peta-ringkasan-{size}")
        page.locator("#summary-box").scroll_into_view_if_needed()
        _shoot(page, f"peta-ringkasan-tabel-{size}")
        assert page.problems == []
    finally:
        context.close()


def test_without_leaflet_the_map_page_still_works_as_a_list(browser, live_server, sites, make_user):
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, "360", block_local_leaflet=True)
    try:
        _login(page, bappeda.username)
        page.goto("/peta")
        _ready(page)
        wait_until(page, "() => document.querySelector('#map-app').dataset.map === 'failed'", timeout=30_000)
        assert page.locator("#map-notice").is_visible()
        assert len(_list_names(page)) == 41
        page.locator("#site-list-body button", has_text="SD Negeri 1 Manna").first.click()
        assert page.locator("#site-panel .panel-title").text_content() == "SD Negeri 1 Manna"
        _shoot(page, "peta-tanpa-leaflet-360")
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_public_map_needs_no_login_and_shows_approved_scores(browser, live_server, sites, map_builder, size):
    for site in sites["made"][factories.KOTA_MANNA][:12]:
        map_builder.set_status(site.id, approved_score=85, approved_at=days_ago(4))
    map_builder.set_status(sites["hostile"].id, approved_score=41, approved_at=days_ago(2))
    context, page = _open(browser, live_server, size)
    try:
        page.goto("/publik")
        _ready(page)
        _map_ready(page)
        assert len(_list_names(page)) == 13
        assert XSS in _list_names(page)
        assert page.locator("#data-date").text_content().startswith("Data per")
        _shoot(page, f"publik-{size}")
        assert page.problems == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_aksi_layer_toggles_and_its_popup_shows_the_figures_as_text(
        browser, live_server, app, sites, make_user, size):
    """The "Aksi GEBER" layer: a checkbox in the filters draws the clean-up actions; a marker's
    popup gives date, participants, kg, bags, OPDs and group (typed text stays text)."""
    from tests.factories import add_submission
    from tests.geber.test_aksi_totals import aksi_answers
    from webapp.extensions import db
    from webapp.submissions.models import Submission

    monitor = make_user("monitor", kecamatan_code=factories.PINO)
    action = add_submission(app, monitor, None, form="geber_aksi", recorded_at=days_ago(1),
                            answers=aksi_answers(40, 120.5, 12, ("DLH", "PUPR"), XSS))
    with app.app_context():
        # Apart from the site clusters, so the marker can be clicked at any zoom.
        row = db.session.get(Submission, action.id)
        row.lat, row.lon = -4.41, 102.98
        db.session.commit()
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, size)
    try:
        _login(page, bappeda.username)
        page.goto("/peta")
        _ready(page)
        _map_ready(page)
        assert page.locator(".leaflet-marker-icon.pin-aksi").count() == 0
        assert not page.locator("#legend-aksi").is_visible()

        page.locator("#map-filters-box > summary").click() if size == "360" else None
        page.check("#f-aksi")
        wait_until(page, "() => document.querySelector('#map-app').dataset.aksi === 'ready'")
        wait_until(page, "() => document.querySelectorAll('.leaflet-marker-icon.pin-aksi').length === 1")
        assert "aksi=1" in page.url
        assert page.locator("#aksi-status").text_content() == "1 aksi GEBER di peta"
        assert page.locator("#legend-aksi").is_visible()
        assert len(_list_names(page)) == 41, "the sites stay on the map under the actions"

        page.locator("#map-filters-box > summary").click() if size == "360" else None
        page.locator(".leaflet-marker-icon.pin-aksi").click()
        popup = page.locator(".leaflet-popup .aksi-popup")
        popup.wait_for()
        facts = dict(zip(popup.locator("dt").all_text_contents(), popup.locator("dd").all_text_contents()))
        assert facts == {
            "Tanggal aksi": "1 Nov 2026", "Peserta": "40 orang", "Sampah terkumpul": "120,5 kg · 12 kantong",
            "OPD yang ikut": "DLH, Dinas PUPR", "Sekolah/kelompok": XSS,
        }
        assert popup.locator(".popup-place").text_content() == "Pino"
        assert page.locator("img[src='x']").count() == 0
        _shoot(page, f"peta-aksi-{size}")

        # The shared URL opens with the layer on; unticking it removes the markers.
        page.goto(page.url)
        _ready(page)
        wait_until(page, "() => document.querySelectorAll('.leaflet-marker-icon.pin-aksi').length === 1")
        page.locator("#map-filters-box > summary").click() if size == "360" else None
        page.uncheck("#f-aksi")
        wait_until(page, "() => document.querySelectorAll('.leaflet-marker-icon.pin-aksi').length === 0")
        assert "aksi=1" not in page.url and page.locator("#aksi-status").is_hidden()
        assert page.problems == []
    finally:
        context.close()
