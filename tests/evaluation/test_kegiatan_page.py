"""The page of one kegiatan: the S-curve numbers, the verification mark, the timeline, scoping."""
import re

from tests.evaluation.test_monthly import dataset  # noqa: F401  (the known data set)


def _row(html: str, table: str, month: int) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1]
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', body, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_the_s_curve_tables_hold_the_evaluation_numbers(login_as, dataset):  # noqa: F811
    bappeda = login_as("bappeda")
    page = bappeda.get("/kegiatan/K1")
    assert page.status_code == 200
    assert _row(page.text, "table-physical", 11) == ["Nov", "83,1%", "65%", "50%", "−18,1",
                                                     "Tertinggal rencana, Keuangan &gt; fisik, Verifikasi berbeda"]
    assert _row(page.text, "table-physical", 10) == ["Okt", "66,7%", "60%", "–", "−6,7", ""]
    assert _row(page.text, "table-physical", 12)[:3] == ["Des", "100%", "–"]
    assert _row(page.text, "table-financial", 11) == ["Nov", "83,1%", "80%", "Rp 800.000.000", "−3,1"]


def test_the_verification_flag_marks_the_field_point_of_its_month_on_the_s_curve(login_as, dataset):  # noqa: F811
    bappeda = login_as("bappeda")
    html = bappeda.get("/kegiatan/K1").text
    svg = html.split('id="s-curve-physical"', 1)[1].split("</svg>", 1)[0]
    observed = svg.split('data-series="observed"', 1)[1].split('data-series=', 1)[0]
    assert re.findall(r'data-mark="observed" data-index="(\d+)"', observed) == ["10"]
    assert "Pengamatan lapangan, Nov: 50%" in observed
    assert 'data-plan-source="linear"' in html and "garis lurus" in html
    assert 'data-mark="observed"' not in bappeda.get("/kegiatan/K2").text


def test_the_timeline_lists_reports_and_visits(login_as, dataset):  # noqa: F811
    html = login_as("bappeda").get("/kegiatan/K1").text
    assert html.count('class="timeline-report"') == 2
    assert html.count("timeline-visit") == 2


def test_the_page_is_scoped_like_everything_else(login_as, dataset):  # noqa: F811
    assert login_as("opd", opd_code="DLH").get("/kegiatan/K1").status_code == 200
    assert login_as("opd", opd_code="PUPR").get("/kegiatan/K1").status_code == 404
    assert login_as("opd", opd_code="DLH").get("/kegiatan/K3").status_code == 404
    assert login_as("bappeda").get("/kegiatan/TIDAK-ADA").status_code == 404


def test_a_kegiatan_with_a_dpa_plan_draws_the_plan_in_force(login_as, dataset):  # noqa: F811
    html = login_as("bappeda").get("/kegiatan/K3").text
    assert 'data-plan-source="dpa"' in html and "garis lurus" not in html
    assert _row(html, "table-physical", 11)[:3] == ["Nov", "80%", "50%"]
    assert _row(html, "table-financial", 11)[:3] == ["Nov", "70%", "50%"]
