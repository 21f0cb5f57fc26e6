"""The RKPD evaluation's narrative editor at phone size: reached from /laporan, prefilled from the
OPD's monthly reports, edited and saved."""
import re
import uuid as uuidlib

import pytest

from tests import factories
from tests.reports import printed_dataset

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app):
    ids = printed_dataset.build(app)
    yield ids
    printed_dataset.clear_heads(app)


def test_an_opd_reviews_and_saves_its_narrative_from_the_report_page(page, app, data, make_user, artifacts):
    user = make_user("opd", opd_code="PUPR", username=f"pupr-{uuidlib.uuid4().hex[:6]}")
    page.goto("/masuk?next=/laporan")
    page.fill("#username", user.username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/laporan$"))
    page.click("#rkpd-narrative-link")
    page.select_option("#narrative-quarter", "2026-T3")
    page.click("#narrative-choice button[type=submit]")
    page.wait_for_url(re.compile(r".*triwulan=2026-T3"))
    assert "Material terlambat" in page.input_value("textarea[name=inhibiting]")
    page.fill("textarea[name=inhibiting]", "Pengiriman aspal terlambat dua minggu")
    page.click("text=Simpan narasi")
    page.wait_for_selector('[data-narrative-state="saved"]')
    assert page.input_value("textarea[name=inhibiting]") == "Pengiriman aspal terlambat dua minggu"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "rkpd-narrative-360.png"), full_page=True)
