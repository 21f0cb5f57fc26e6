"""Numbers in query strings are bounded: a huge page or month is a clamp or a 4xx, never a 500."""
import pytest

from tests import factories


@pytest.fixture
def bappeda(login_as):
    return login_as("bappeda")


@pytest.mark.parametrize("page", ["99999999999999999999999", "-5", "0", "abc", "1e9", "184467440737095516"])
def test_a_huge_or_odd_history_page_is_clamped(bappeda, make_site, page):
    site = make_site(factories.KOTA_MANNA)
    response = bappeda.get(f"/lokasi/{site.uuid}?halaman={page}")
    assert response.status_code == 200, response.status_code


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "99999999999999999999-01", "2026-13", "-1-5", "2026-00"])
def test_an_odd_report_month_on_the_opd_desk_falls_back_or_answers(bappeda, month):
    response = bappeda.get(f"/opd?bulan={month}")
    assert response.status_code in (200, 404), response.status_code
