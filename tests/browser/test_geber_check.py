"""The GEBER check on a 360×740 phone: one location, a compact checklist, few taps."""
import re

import pytest
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import FieldApp
from webapp.extensions import db
from webapp.submissions.models import Submission

pytestmark = pytest.mark.browser


def test_a_geber_check_has_one_gps_section_and_the_reviewer_sees_that_location(
        app, browser, live_server, field_app, make_user, make_site, photo_files, run_jobs, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    school = make_site(name="SD Negeri 7 Kota Manna", kind="sekolah")
    page = field_app.page
    field_app.login(user.username)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.wait_until("() => /±12 m/.test(document.querySelector('.gps-info').textContent)")
    assert page.locator(".gps-box").count() == 1
    assert page.locator(".fr-geopoint").count() == 0, "the form has no second GPS point of its own"
    field_app.submit()
    field_app.sync_until_empty()
    run_jobs()
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        assert sub.form_version.version >= 2 and "titik" not in sub.answers
        assert (round(sub.lat, 3), round(sub.lon, 3), sub.accuracy_m) == (factories.LAT, factories.LON, 12)
        uuid = str(sub.uuid)
        db.session.remove()
    reviewer = make_user("bappeda")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="id-ID")
    try:
        review = context.new_page()
        review.goto("/masuk")
        review.fill("#username", reviewer.username)
        review.fill("#password", factories.PASSWORD)
        review.click("form button[type=submit]")
        review.wait_for_url(re.compile(r".*/beranda"))
        review.goto(f"/tinjauan/{uuid}")
        location = review.inner_text("#submission-location")
        assert "-4.455000, 102.905000 (± 12 m)" in location
        assert not review.is_visible("text=Titik lokasi (GPS)")
        review.locator("#submission-location").scroll_into_view_if_needed()
        review.screenshot(path=str(artifacts / "review-location.png"))
    finally:
        context.close()
