"""One language per user in the field app (360×740): the account decides, not the browser."""
import pytest
from sqlalchemy import update

from tests import factories
from tests.browser.conftest import FieldApp
from webapp.accounts.models import User
from webapp.extensions import db

pytestmark = pytest.mark.browser


def set_language(app, user, language: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(language=language))
        db.session.commit()
        db.session.remove()


def open_new_site_form(page):
    page.click(".form-tile[data-form=geber_cek]")
    page.wait_for_selector("#submit-draft")
    page.click("button:has-text('%s')" % page.evaluate(
        "() => document.documentElement.lang === 'en' ? 'Add a new site' : 'Tambah lokasi baru'"))
    page.wait_for_selector("#site-new-kind")
    return page.eval_on_selector_all("#site-new-kind option", "els => els.map((e) => e.textContent)")


def test_an_english_account_gets_english_everywhere_on_an_indonesian_phone(
        app, browser, live_server, make_user, make_site, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(name="Pasar Bawah Manna", kind="pasar")
    set_language(app, user, "en")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="id-ID",
                                  geolocation={"latitude": factories.LAT, "longitude": factories.LON, "accuracy": 12},
                                  permissions=["geolocation"])
    try:
        page = context.new_page()
        app_ = FieldApp(page, artifacts)
        app_.login(user.username)
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert page.inner_text(".tabbar").split()[:1] == ["Forms"]
        assert page.inner_text(".form-tile[data-form=geber_cek] strong") == "GEBER cleanliness check"
        kinds = open_new_site_form(page)
        assert "Market" in kinds and "Pasar" not in kinds
        assert page.is_visible("text=Is there litter lying around the site?")
        page.screenshot(path=str(artifacts / "language-en-field.png"))
    finally:
        context.close()


def test_an_indonesian_account_stays_indonesian_on_an_english_phone(
        app, browser, live_server, make_user, make_site, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(name="Pasar Bawah Manna", kind="pasar")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, locale="en-US",
                                  extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
                                  geolocation={"latitude": factories.LAT, "longitude": factories.LON, "accuracy": 12},
                                  permissions=["geolocation"])
    try:
        page = context.new_page()
        FieldApp(page, artifacts).login(user.username)
        assert page.evaluate("() => document.documentElement.lang") == "id"
        kinds = open_new_site_form(page)
        assert "Pasar" in kinds and "Market" not in kinds
        assert page.is_visible("text=Ada sampah berserakan di lokasi?")
    finally:
        context.close()
