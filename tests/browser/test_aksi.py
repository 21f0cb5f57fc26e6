"""Clean-up actions count (360×740): who took part, people, kilograms and bags, on the desks."""
import re

import pytest
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.submissions.models import Submission

pytestmark = pytest.mark.browser


def test_an_action_with_opds_and_a_school_reaches_the_bappeda_desk_as_totals(
        app, browser, live_server, field_app, make_user, make_site, photo_files, run_jobs, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(name="SD Negeri 7 Kota Manna")
    page = field_app.page
    field_app.login(user.username)
    field_app.start("geber_aksi")
    assert page.locator(".fr-geopoint").count() == 0, "one location: the submission's own"
    field_app.fill("answers.tanggal", "2026-11-28")
    field_app.select("answers.jenis_kegiatan", "kerja_bakti")
    page.select_option("[data-path='answers.opd_terlibat'] select", ["DLH", "PUPR"])
    assert "Dipilih:" in page.inner_text("[data-path='answers.opd_terlibat']")
    field_app.fill("answers.kelompok", "SD Negeri 7 Kota Manna")
    field_app.fill("answers.peserta", "42")
    field_app.fill("answers.sampah_kg", "120,5")
    field_app.fill("answers.kantong", "15")
    field_app.add_photos("foto", photo_files[:1], via="camera")
    page.locator("[data-path='answers.opd_terlibat']").scroll_into_view_if_needed()
    field_app.shoot("aksi-form")
    field_app.submit()
    field_app.sync_until_empty()
    run_jobs()
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        assert sub.form_version.version >= 2
        assert sub.answers["opd_terlibat"] == ["DLH", "PUPR"] and sub.answers["kantong"] == 15
        db.session.remove()

    reviewer = make_user("bappeda")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="id-ID")
    try:
        desk = context.new_page()
        desk.goto("/masuk")
        desk.fill("#username", reviewer.username)
        desk.fill("#password", factories.PASSWORD)
        desk.click("form button[type=submit]")
        desk.wait_for_url(re.compile(r".*/beranda"))
        desk.goto("/bappeda")
        section = desk.locator("#h-aksi").locator("xpath=..")
        text = section.inner_text()
        assert "42" in text and "120,5 kg" in text and "15 kantong" in text
        assert "Dinas Lingkungan Hidup" in desk.inner_text("table[data-group=opd]")
        assert "Kota Manna" in desk.inner_text("table[data-group=kecamatan]")
        section.scroll_into_view_if_needed()
        desk.screenshot(path=str(artifacts / "bappeda-aksi.png"))
    finally:
        context.close()
