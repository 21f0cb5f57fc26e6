"""Desk pages: who opens which, scope by URL parameter, escaping, chart data blocks."""
import json
import re

import pytest

from tests import factories
from tests.factories import days_ago, visit_answers

PAGES = ["/camat", "/bappeda", "/opd", "/kiriman-saya", "/tinjauan", "/tindak-lanjut"]
#: role → pages it opens (every other desk answers 403)
OPENS = {
    "camat": {"/camat", "/kiriman-saya", "/tinjauan", "/tindak-lanjut"},
    "bappeda": set(PAGES),
    "admin": set(PAGES),
    "opd": {"/opd", "/kiriman-saya", "/tindak-lanjut"},
    "monitor": {"/kiriman-saya"},
}
SCOPE = {"camat": {"kecamatan_code": factories.KOTA_MANNA}, "opd": {"opd_code": "DLH"},
         "monitor": {"kecamatan_code": factories.KOTA_MANNA}}


@pytest.mark.parametrize("role", list(OPENS))
def test_each_role_opens_its_own_desks_only(login_as, role):
    client = login_as(role, **SCOPE.get(role, {}))
    for page in PAGES:
        expected = 200 if page in OPENS[role] else 403
        assert client.get(page).status_code == expected, (role, page)


@pytest.mark.parametrize("page", PAGES)
def test_desks_ask_for_a_login(client, page):
    response = client.get(page)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_the_menu_offers_the_desks_of_the_role(login_as):
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/beranda").text
    for label in ("Meja Camat", "Tinjauan", "Tindak Lanjut"):
        assert label in page
    assert "Meja Bappeda" not in page


def test_a_camat_cannot_switch_to_another_kecamatan_by_url(app, login_as, add_site):
    add_site(factories.PINO, name="Sekolah di Pino")
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/camat?kecamatan=" + factories.PINO)
    assert page.status_code == 200
    assert "Kecamatan Kota Manna" in page.text
    assert "Sekolah di Pino" not in page.text


def test_bappeda_picks_a_kecamatan_on_the_camat_desk(app, login_as, add_site):
    add_site(factories.PINO, name="Sekolah di Pino")
    page = login_as("bappeda").get("/camat?kecamatan=" + factories.PINO)
    assert "Kecamatan Pino" in page.text
    assert "Sekolah di Pino" in page.text


def test_an_opd_user_cannot_switch_to_another_opd_by_url(app, login_as, make_kegiatan):
    make_kegiatan("PUPR", name="Jalan milik PUPR")
    page = login_as("opd", opd_code="DLH").get("/opd?opd=PUPR")
    assert "Dinas Lingkungan Hidup" in page.text
    assert "Jalan milik PUPR" not in page.text


def test_names_typed_by_users_are_escaped_on_the_camat_desk(app, login_as, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(name="<img src=x onerror=alert(1)>")
    add_submission(monitor, site, score=20, review_state="approved")
    add_submission(monitor, site, score=30)
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/camat").text
    assert "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 2


def test_the_bappeda_desk_shows_deviations_and_money_in_rupiah(app, login_as, make_user, make_kegiatan,
        add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    kegiatan = make_kegiatan("PUPR", sites=[site], pagu=1_000_000_000, name="Jalan </script><b>Ketaping</b>")
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=kegiatan, review_state="approved",
                   answers=visit_answers(kegiatan.code, 10, 450_000_000, status="late", risks=[("pengadaan", "tinggi")]))
    page = login_as("bappeda").get("/bappeda").text
    assert "Realisasi mendahului progres" in page
    assert "Rp 450.000.000" in page and "Rp 1.000.000.000" in page
    assert "Pengadaan barang/jasa" in page
    assert "</script><b>" not in page
    blocks = re.findall(r'<script type="application/json" id="chart-(\w+)">(.*?)</script>', page, re.S)
    charts = {name: json.loads(body) for name, body in blocks}
    assert set(charts) == {"progress", "risks", "followups", "geber", "coverage"}
    assert charts["progress"]["rows"][0]["values"] == {"progress": 10.0, "budget": 45.0}
    assert 'src="/static/js/charts.js"' in page


def test_the_opd_desk_lists_followups_with_their_answer_forms(app, login_as, add_followup):
    add_followup(opd_code="DLH", title="Ganti kontainer sampah", status="in_progress")
    add_followup(opd_code="PUPR", title="Bukan urusan DLH")
    page = login_as("opd", opd_code="DLH").get("/opd").text
    assert "Ganti kontainer sampah" in page and "Bukan urusan DLH" not in page
    assert 'enctype="multipart/form-data"' in page and 'name="photo"' in page and 'name="csrf_token"' in page


def test_the_monitor_page_puts_returned_work_first_with_the_reason(app, auth, client, make_user, add_site,
        add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(name="Kantor Lurah")
    add_submission(monitor, site, score=90, review_state="approved")
    add_submission(monitor, site, score=50, review_state="returned", review_note="Foto tempat sampah belum ada",
                   recorded_at=days_ago(5))
    auth.login(monitor.username)
    page = client.get("/kiriman-saya").text
    assert page.index("Perlu perbaikan</span>") < page.index("Disetujui</span>")
    assert "Foto tempat sampah belum ada" in page


def test_the_bappeda_desk_lists_the_deviating_kegiatan_and_links_the_full_list(app, login_as, make_user, make_kegiatan,
        add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    behind = make_kegiatan("PUPR", sites=[site], pagu=1_000_000_000, name="Jalan tertinggal")
    make_kegiatan("PUPR", sites=[site], pagu=1_000_000_000, name="Belum dikunjungi sama sekali")
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=behind, review_state="approved",
                   answers=visit_answers(behind.code, 0, 0, status="late"))
    page = login_as("bappeda").get("/bappeda").text
    section = page.split('aria-labelledby="h-deviations"', 1)[1].split("</section>", 1)[0]
    assert f'data-kegiatan="{behind.code}"' in section and "Belum dikunjungi sama sekali" not in section
    assert 'href="/bappeda/kegiatan"' in section and "Lihat semua kegiatan (2)" in section


def test_the_full_kegiatan_list_pages_by_fifty_and_filters_by_opd(app, login_as, make_kegiatan):
    for _n in range(52):
        make_kegiatan("PUPR", pagu=100_000_000)
    make_kegiatan("DLH", pagu=100_000_000, name="Kegiatan lingkungan")
    client = login_as("bappeda")
    first = client.get("/bappeda/kegiatan").text
    assert first.count("<tr data-kegiatan=") == 50 and "Halaman 1 dari 2" in first
    assert 'href="/bappeda/kegiatan?halaman=2"' in first
    second = client.get("/bappeda/kegiatan?halaman=2").text
    assert second.count("<tr data-kegiatan=") == 3
    assert (first + second).count("Kegiatan lingkungan") == 1
    # A page past the end shows the last one; an OPD narrows the list.
    assert client.get("/bappeda/kegiatan?halaman=99").text.count("<tr data-kegiatan=") == 3
    dlh = client.get("/bappeda/kegiatan?opd=DLH").text
    assert dlh.count("<tr data-kegiatan=") == 1 and "Kegiatan lingkungan" in dlh and "Halaman 1 dari" not in dlh
    assert login_as("opd", opd_code="DLH").get("/bappeda/kegiatan").status_code == 403
