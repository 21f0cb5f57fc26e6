"""The map page, a site's history page and what they render on the server."""
import json
import re
from html import unescape

from tests import factories
from tests.factories import days_ago

XSS = "<img src=x onerror=alert(1)>"


def _config(page: str) -> dict:
    raw = re.search(r'id="map-app" data-config="([^"]+)"', page).group(1)
    return json.loads(unescape(raw))


def test_the_map_page_asks_for_a_login(client):
    response = client.get("/peta")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_the_map_is_in_the_menu_of_bappeda(login_as):
    page = login_as("bappeda").get("/beranda").get_data(as_text=True)
    assert 'href="/peta"' in page


def test_the_map_page_preselects_the_filters_in_its_url(login_as):
    page = login_as("bappeda").get("/peta?kind=pasar&band=kotor&kecamatan=17.01.03&flagged=1").get_data(as_text=True)
    assert '<option value="pasar" selected>' in page
    assert '<option value="kotor" selected>' in page
    assert '<option value="17.01.03" selected>' in page
    assert re.search(r'name="flagged" value="1" checked', page)


def test_an_invalid_filter_in_the_page_url_is_ignored_with_a_notice(login_as):
    response = login_as("bappeda").get("/peta?band=hijau&kind=pasar")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sebagian filter tidak valid" in page
    assert '<option value="pasar" selected>' in page


def test_a_camat_chooses_among_their_own_kecamatan_only(login_as):
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/peta").get_data(as_text=True)
    kecamatan_select = re.search(r'<select id="f-kecamatan".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', kecamatan_select) == [factories.KOTA_MANNA]


def test_the_map_page_hands_its_script_the_cdn_with_integrity_and_a_local_copy_that_exists(login_as):
    client = login_as("bappeda")
    config = _config(client.get("/peta").get_data(as_text=True))
    assert "sitesUrl" not in config, "the map asks for groups and list pages, never every site"
    assert config["detailUrl"] == "/api/v1/map/sites/{id}"
    for name in ("leaflet_js", "leaflet_css"):
        entry = config["vendor"][name]
        assert entry["cdn"].startswith("https://unpkg.com/")
        assert entry["integrity"].startswith("sha384-")
        local = client.get(entry["local"])
        local.close()
        assert local.status_code == 200, entry["local"]
    assert config["strings"]["bersih"] == "Bersih"


def test_the_map_page_speaks_english_when_asked(login_as):
    config = _config(login_as("bappeda").get("/peta?lang=en").get_data(as_text=True))
    assert config["kinds"]["pasar"]
    assert config["strings"]["belum"]


def test_the_history_lists_the_sites_submissions_newest_first(login_as, map_builder):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    site = map_builder.site(name="SD Negeri 3", geber_score=72, geber_at=days_ago(1))
    map_builder.submission(monitor, site, score=55.5, recorded_at=days_ago(9), review_state="approved")
    map_builder.submission(monitor, site, score=72, recorded_at=days_ago(1), photo=True)
    page = login_as("bappeda").get(f"/lokasi/{site.uuid}").get_data(as_text=True)
    assert "SD Negeri 3" in page
    body = page[page.index("<tbody>"):]
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>", body, re.S)
    assert len(rows) == 2
    # Newest first; scores in the Indonesian style.
    assert body.index("Kotor · 55,5") > body.index("Cukup · 72")
    assert "Disetujui" in page and "Diterima" in page
    assert "/foto/" in page
    # Bappeda reviews everything: each row opens the submission's review page.
    assert len(re.findall(r'href="/tinjauan/[0-9a-f-]{36}"', body)) == 2


def test_the_history_shows_a_typed_name_as_text(login_as, map_builder):
    site = map_builder.site(name=XSS)
    page = login_as("bappeda").get(f"/lokasi/{site.uuid}").get_data(as_text=True)
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_history_of_an_opd_user_leaves_out_checks_outside_its_scope(login_as, map_builder, make_kegiatan):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    site = map_builder.site(name="Lokasi Drainase")

    class Ref:
        id = site.id

    make_kegiatan("PUPR", sites=[Ref])
    map_builder.submission(monitor, site, score=40, recorded_at=days_ago(3))
    page = login_as("opd", opd_code="PUPR").get(f"/lokasi/{site.uuid}").get_data(as_text=True)
    assert "Lokasi Drainase" in page
    assert "Belum ada kiriman untuk lokasi ini yang boleh Anda lihat." in page
