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


CHECK_ANSWERS = {"sampah_berserakan": "Tidak", "tempat_sampah": "Ya", "sampah_dipilah": "Ya", "sampah_diangkut": "Ya",
                 "drainase_lancar": "Ya", "toilet_bersih": "Ya", "pembakaran_sampah": "Tidak", "genangan_air": "Tidak",
                 "halaman_terawat": "Ya", "jadwal_piket": "Ya"}


def test_a_practised_monitor_finishes_a_geber_check_in_at_most_20_taps_on_under_two_and_a_half_screens(
        app, field_app, make_user, make_site, photo_files, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(name="SD Negeri 7 Kota Manna", kind="sekolah")
    make_site(name="Pasar Bawah Manna", kind="pasar", lat=factories.LAT - 0.01, lon=factories.LON + 0.01)
    page = field_app.page
    field_app.login(user.username)
    page.evaluate("""() => {
        window.__taps = 0;
        window.addEventListener('pointerdown', (e) => { if (e.isTrusted) window.__taps += 1; }, true);
    }""")

    page.click(".form-tile[data-form=geber_cek]")                                   # 1
    page.wait_for_selector("#submit-draft")
    assert page.is_hidden(".field-top") and page.is_hidden(".tabbar"), "header and tabs step aside while filling"
    chip = page.locator("#sync-bar").bounding_box()
    assert chip["height"] <= 40 and chip["width"] <= 240, f"the sync state is a small chip: {chip}"
    assert page.is_hidden("#sync-bar .sync-button")
    field_app.wait_until("() => /±12 m/.test(document.querySelector('.gps-info').textContent)")
    assert page.inner_text("#submit-draft .submit-left") == "11 belum diisi"  # the site and 10 items... less the optional one
    field_app.shoot("geber-check-empty")
    # Every Ya/Tidak item on screen together, none answered yet, each target at least 48 px.
    items = page.locator(".fr-checklist .fr-check")
    assert items.count() == 10
    assert page.locator(".fr-checklist .fr-choice.on").count() == 0
    for box in page.eval_on_selector_all(".fr-checklist .fr-choice", "els => els.map((e) => e.getBoundingClientRect().toJSON())"):
        assert box["height"] >= 48 and box["width"] >= 48, box
    page.locator(".fr-checklist").scroll_into_view_if_needed()
    field_app.shoot("geber-check-checklist")
    first = page.locator(".fr-checklist .fr-check").first.bounding_box()
    last = page.locator(".fr-checklist .fr-check").last.bounding_box()
    checklist_height = last["y"] + last["height"] - first["y"]
    assert checklist_height <= 740 - 2 * 54, f"the ten items fit on one screen: {checklist_height:.0f} px"

    page.click(".site-option >> nth=0")                                            # 2: the nearest site
    page.wait_for_selector(".site-card:has-text('SD Negeri 7 Kota Manna')")
    for field, choice in CHECK_ANSWERS.items():                                    # 3–12
        page.click(f"[data-path='answers.{field}'] .fr-choice:has-text('{choice}')")
    assert page.inner_text("#submit-draft .submit-left") == "1 belum diisi"
    camera = page.locator(".fr-camera")
    assert "primary" in camera.get_attribute("class")
    with page.expect_file_chooser() as chooser:
        camera.click()                                                             # 13: the camera
    chooser.value.set_files(str(photo_files[0]))
    field_app.wait_until("() => document.querySelectorAll('.fr-thumb img').length === 1")
    assert "belum diisi" not in page.inner_text("#submit-draft")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    bar = page.locator(".submit-bar").bounding_box()
    assert bar["y"] + bar["height"] <= 740 + 1, "Simpan stays on screen"
    field_app.shoot("geber-check-filled")
    page.screenshot(path=str(artifacts / "geber-check-filled-full.png"), full_page=True)
    page.click("#submit-draft")                                                    # 14
    page.wait_for_selector(".flash:has-text('Tersimpan di antrean')")
    taps = page.evaluate("() => window.__taps")
    print(f"GEBER check: {taps} taps in the app (+ the camera's shutter), form height {height} px "
          f"({height / 740:.1f} screens), checklist {checklist_height:.0f} px")
    assert taps <= 18, taps
    assert height <= 2.4 * 740, height
    field_app.sync_until_empty()
