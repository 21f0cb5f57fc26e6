"""The report page in headless Chromium at phone size: a job followed from queued to ready or failed
without a reload, the download, and a report asked for through the page."""
import re
import uuid as uuidlib

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.browser.conftest import wait_until
from webapp.extensions import db
from webapp.reports.models import ReportJob
from webapp.reports.tasks import run_report

pytestmark = pytest.mark.browser


@pytest.fixture
def bappeda_page(page, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    user = make_user("bappeda", username=f"bappeda-{uuidlib.uuid4().hex[:6]}")
    page.goto("/masuk?next=/laporan")
    page.fill("#username", user.username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/laporan$"))
    page.user = user
    return page


def _queued(app, user_id, kind="sites", params=None) -> tuple[int, str]:
    with app.app_context():
        report = ReportJob(kind=kind, params=params or {"kecamatan_id": None}, user_id=user_id, state="queued")
        db.session.add(report)
        db.session.commit()
        return report.id, str(report.uuid)


def _set(app, report_id, **values):
    with app.app_context():
        db.session.execute(update(ReportJob).where(ReportJob.id == report_id).values(**values))
        db.session.commit()


def test_a_job_is_followed_from_queued_through_running_to_a_download_without_reloading(app, bappeda_page, artifacts):  # noqa: F811
    page = bappeda_page
    report_id, report_uuid = _queued(app, page.user.id)
    page.goto("/laporan")
    item = f"#job-{report_uuid}"
    assert page.inner_text(f"{item} .job-state") == "Menunggu giliran"
    assert page.is_visible(f"{item} progress")
    assert not page.is_visible(f"{item} .job-download")
    page.screenshot(path=str(artifacts / "laporan-antri-360.png"), full_page=False)

    _set(app, report_id, state="running", progress=40)
    wait_until(page, f"() => document.querySelector('{item} .job-pct').textContent === '40%'")
    assert page.inner_text(f"{item} .job-state") == "Sedang dibuat"
    page.screenshot(path=str(artifacts / "laporan-berjalan-360.png"), full_page=False)

    with app.app_context():
        run_report(report_id)
    wait_until(page, f"() => document.querySelector('{item}').dataset.state === 'ready'")
    assert page.inner_text(f"{item} .job-state") == "Siap diunduh"
    assert not page.is_visible(f"{item} progress")
    assert page.is_visible(f"{item} .job-download")
    page.screenshot(path=str(artifacts / "laporan-siap-360.png"), full_page=False)
    with page.expect_download() as download:
        page.click(f"{item} .job-download")
    assert download.value.suggested_filename == "lokasi.geojson"


def test_a_failed_job_shows_its_reason_and_a_retry_button(app, bappeda_page, artifacts):  # noqa: F811
    page = bappeda_page
    report_id, report_uuid = _queued(app, page.user.id, kind="submissions", params={"form_version_id": 99999})
    page.goto("/laporan")
    item = f"#job-{report_uuid}"
    with app.app_context():
        run_report(report_id)
    wait_until(page, f"() => document.querySelector('{item}').dataset.state === 'failed'")
    assert page.inner_text(f"{item} .job-state") == "Gagal"
    assert page.inner_text(f"{item} .job-message") == "Versi formulir tidak ditemukan."
    assert page.is_visible(f"{item} .job-retry button")
    page.locator(item).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "laporan-gagal-360.png"), full_page=False)


def test_a_report_asked_for_through_the_page_is_ready_when_the_page_comes_back(app, bappeda_page, artifacts):  # noqa: F811
    page = bappeda_page
    page.locator("#form-sites").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "laporan-formulir-360.png"), full_page=False)
    page.click("#form-sites button[type=submit]")
    page.wait_for_selector(".flash")
    with app.app_context():
        report = db.session.scalar(select(ReportJob).where(ReportJob.user_id == page.user.id))
        assert report.state == "ready"
    assert page.inner_text(f"#job-{report.uuid} .job-state") == "Siap diunduh"
    page.screenshot(path=str(artifacts / "laporan-halaman-360.png"), full_page=True)


def test_a_camat_sees_their_kecamatan_fixed_and_no_monthly_report(app, page, make_user, artifacts, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    user = make_user("camat", kecamatan_code=factories.KOTA_MANNA, username=f"camat-{uuidlib.uuid4().hex[:6]}")
    page.goto("/masuk?next=/laporan")
    page.fill("#username", user.username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/laporan$"))
    assert page.locator("#form-monthly").count() == 0
    assert page.inner_text("#form-geber_weekly .fixed-value") == "Kota Manna"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "nothing may stick out sideways on a phone"
    page.screenshot(path=str(artifacts / "laporan-camat-360.png"), full_page=False)
    page.click("#form-geber_weekly button[type=submit]")
    page.wait_for_selector(".job-ready")
    assert "Ringkasan GEBER mingguan" in page.inner_text(".job-ready .job-title")
