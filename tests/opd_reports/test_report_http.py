"""The monthly report through the pages and the API: OPD scoping, bad input, the return loop."""

import pytest

from tests.helpers import csrf

REPORT = {"realisation_rp": 150_000_000, "physical_pct": 45.5, "output_value": 30, "driving_factors": "Cuaca cerah"}


@pytest.fixture
def kegiatan(make_kegiatan):
    return make_kegiatan("DLH", pagu=500_000_000, code="1.03.01.2.01", year=2026)


def _api_url(code, month=11):
    return f"/api/v1/opd-reports/{code}/2026/{month}"


def test_an_opd_files_through_the_api_and_another_opd_can_neither_read_nor_write_it(login_as, kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    dinkes = login_as("opd", opd_code="DINKES")
    saved = dlh.put(_api_url(kegiatan.code), json={**REPORT, "submit": True})
    assert saved.status_code == 200, saved.json
    assert saved.json["state"] == "submitted" and saved.json["realisation_rp"] == 150_000_000

    assert dinkes.get(_api_url(kegiatan.code)).status_code == 404
    assert dinkes.get("/api/v1/opd-reports?year=2026&month=11").json["reports"] == []
    assert dlh.get("/api/v1/opd-reports?year=2026&month=11").json["reports"][0]["kegiatan"] == kegiatan.code
    written = dinkes.put(_api_url(kegiatan.code), json=REPORT)
    assert written.status_code == 404
    assert dlh.get(_api_url(kegiatan.code)).json["physical_pct"] == 45.5


def test_an_opd_cannot_open_or_post_another_opds_report_page(login_as, kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    dinkes = login_as("opd", opd_code="DINKES")
    url = f"/opd/laporan/{kegiatan.code}/2026/11"
    page = dlh.client.get(url)
    assert page.status_code == 200 and "Kirim ke Bappeda" in page.text
    assert dinkes.client.get(url).status_code == 404
    token = csrf(dinkes.client.get("/opd").text)
    posted = dinkes.client.post(url, data={"csrf_token": token, "realisation_rp": "1", "physical_pct": "1",
                                           "action": "kirim"})
    assert posted.status_code == 404
    assert kegiatan.code not in dinkes.client.get("/opd?bulan=2026-11").text
    assert kegiatan.code in dlh.client.get("/opd?bulan=2026-11").text


@pytest.mark.parametrize(("body", "field"), [
    ({**REPORT, "realisation_rp": 500_000_001}, "realisation_rp"),
    ({**REPORT, "physical_pct": 101}, "physical_pct"),
    ({**REPORT, "realisation_rp": "banyak"}, "realisation_rp"),
    ({**REPORT, "physical_pct": "NaN"}, "physical_pct"),
    ({"physical_pct": 10}, "realisation_rp"),
])
def test_bad_input_through_the_api_is_a_422_naming_the_field(login_as, kegiatan, body, field):
    dlh = login_as("opd", opd_code="DLH")
    answer = dlh.put(_api_url(kegiatan.code), json=body)
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert dlh.get(_api_url(kegiatan.code)).status_code == 404


def test_a_future_month_and_a_second_submission_are_refused_through_the_api(login_as, kegiatan, make_kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    later = make_kegiatan("DLH", code=kegiatan.code, year=2030)
    future = dlh.put("/api/v1/opd-reports/%s/2030/1" % later.code, json=REPORT)
    assert future.status_code == 422 and "month" in future.json["errors"]
    assert dlh.put("/api/v1/opd-reports/%s/2031/1" % kegiatan.code, json=REPORT).status_code == 404
    assert dlh.put(_api_url(kegiatan.code), json={**REPORT, "submit": True}).status_code == 200
    again = dlh.put(_api_url(kegiatan.code), json={**REPORT, "physical_pct": 80, "submit": True})
    assert again.status_code == 409 and again.json["code"] == "already_submitted"
    assert dlh.get(_api_url(kegiatan.code)).json["physical_pct"] == 45.5


def test_the_return_for_correction_loop_through_the_pages(login_as, kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    bappeda = login_as("bappeda")
    url = f"/opd/laporan/{kegiatan.code}/2026/11"
    token = csrf(dlh.client.get(url).text)
    form = {"csrf_token": token, "realisation_rp": "150.000.000", "physical_pct": "45,5", "output_value": "30",
            "driving_factors": "Cuaca cerah", "problems": "", "planned_action": "", "decrease_reason": ""}
    draft = dlh.client.post(url, data={**form, "action": "simpan"})
    assert draft.status_code == 302
    assert bappeda.client.get(url).text.count("Kembalikan ke OPD") == 0  # a draft is not Bappeda's yet
    sent = dlh.client.post(url, data={**form, "action": "kirim"})
    assert sent.status_code == 302
    page = bappeda.client.get(url)
    assert "Kembalikan ke OPD" in page.text and "Rp 150.000.000" in page.text
    assert bappeda.client.post(url, data={**form, "csrf_token": csrf(page.text), "action": "kirim"}).status_code == 403
    empty = bappeda.client.post(url + "/kembalikan", data={"csrf_token": csrf(page.text), "note": ""})
    assert empty.status_code == 422
    back = bappeda.client.post(url + "/kembalikan", data={"csrf_token": csrf(page.text),
                                                          "note": "Lampirkan SP2D Oktober."})
    assert back.status_code == 302
    opd_page = dlh.client.get(url)
    assert "Lampirkan SP2D Oktober." in opd_page.text and "Perlu perbaikan" in opd_page.text
    fixed = dlh.client.post(url, data={**form, "csrf_token": csrf(opd_page.text), "realisation_rp": "140.000.000",
                                       "action": "kirim"})
    assert fixed.status_code == 302
    final = bappeda.client.get(url).text
    assert "Rp 140.000.000" in final and "dikembalikan untuk perbaikan" in final and "Terkirim" in final


def test_bad_input_on_the_page_is_shown_on_the_field(login_as, kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    url = f"/opd/laporan/{kegiatan.code}/2026/11"
    token = csrf(dlh.client.get(url).text)
    answer = dlh.client.post(url, data={"csrf_token": token, "realisation_rp": "600.000.000", "physical_pct": "120",
                                        "action": "kirim"})
    assert answer.status_code == 422
    assert "melebihi pagu" in answer.text
    answer = dlh.client.post(url, data={"csrf_token": token, "realisation_rp": "12,5 juta", "physical_pct": "20",
                                        "action": "kirim"})
    assert answer.status_code == 422 and "rupiah utuh" in answer.text


def test_the_api_return_is_bappedas_alone(login_as, kegiatan):
    dlh = login_as("opd", opd_code="DLH")
    bappeda = login_as("bappeda")
    dlh.put(_api_url(kegiatan.code), json={**REPORT, "submit": True})
    assert dlh.post(_api_url(kegiatan.code) + "/return", json={"note": "x"}).status_code == 403
    returned = bappeda.post(_api_url(kegiatan.code) + "/return", json={"note": "Periksa angka fisik."})
    assert returned.status_code == 200 and returned.json["state"] == "returned"
    assert dlh.get(_api_url(kegiatan.code)).json["return_note"] == "Periksa angka fisik."
    monitor = login_as("monitor")
    assert monitor.get(_api_url(kegiatan.code)).status_code == 404
