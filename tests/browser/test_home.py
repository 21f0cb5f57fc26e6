"""The home page by role and the storage notice (360×740)."""
import pytest

from tests import factories

pytestmark = pytest.mark.browser

PERSIST_NOTICE = "Browser belum mengizinkan penyimpanan permanen"


def test_a_monitors_home_shows_what_waits_on_the_phone(field_app, context, make_user, make_site, photo_files):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    school = make_site(name="SD Negeri 7 Kota Manna")
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    context.set_offline(False)
    # Straight to the home page before the outbox is sent: the phone still holds the item.
    context.route("**/api/v1/submissions/batch", lambda route: route.abort())
    page.goto("/beranda")
    page.wait_for_selector("#home-outbox:not([hidden])")
    assert "1 kiriman di antrean ponsel ini" in page.inner_text("#home-outbox")
    assert "Kiriman hari ini" in page.inner_text("main")
    page.screenshot(path=str(field_app.artifacts / "home-monitor.png"), full_page=True)
    context.unroute("**/api/v1/submissions/batch")


@pytest.mark.parametrize(("granted", "shown"), [(True, False), (False, True)])
def test_the_storage_notice_appears_only_when_the_browser_refused(field_app, context, make_user, granted, shown):
    context.add_init_script(f"""
        if (navigator.storage) {{
            navigator.storage.persisted = async () => false;
            navigator.storage.persist = async () => {'true' if granted else 'false'};
        }}""")
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    field_app.login(user.username)
    field_app.page.wait_for_selector(".form-tile")
    field_app.page.wait_for_timeout(300)
    assert (PERSIST_NOTICE in field_app.page.inner_text("main")) is shown
