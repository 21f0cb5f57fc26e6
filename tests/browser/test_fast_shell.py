"""A fast shell (360×740): the field app's page opens from the worker's cache at once and is
refreshed in the background; the first view does not wait for the import chain."""
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests import factories

pytestmark = pytest.mark.browser

MARK = "<!doctype html><html lang=id><body><p id=network-copy>NETWORK COPY</p></body></html>"


def test_the_field_page_opens_cache_first_and_is_revalidated_in_the_background(field_app, context, make_user):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    shell_requests = []

    def network_copy(route):
        shell_requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=MARK)

    # From now on the network answers the page with something else: a network-first page would show it.
    context.route(re.compile(r".*/lapangan(/shell)?$"), network_copy)
    response = field_app.reload()
    assert response.from_service_worker
    assert page.locator("#network-copy").count() == 0, "the cached page is shown, not the network's"
    field_app.wait_until("() => true")
    assert shell_requests, "the worker asked the network for a fresher copy"
    # The copy fetched in the background is what the next open shows.
    page.reload()
    page.wait_for_selector("#network-copy")
    context.unroute(re.compile(r".*/lapangan(/shell)?$"))


def test_the_shell_preloads_every_module_of_the_field_app(client):
    html = client.get("/lapangan/shell").text
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    assert "/static/js/form-renderer.js" in preloaded and "/static/js/store.js" in preloaded
    assert "/static/js/app.js" not in preloaded  # the entry itself is the module script
    assert len(preloaded) >= 15


def test_a_language_change_reaches_the_cached_page_without_mixing(field_app, make_user):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    assert page.evaluate("() => document.documentElement.lang") == "id"
    page.goto("/akun")
    page.check("input[name=language][value=en]")
    page.click("main form button[type=submit]")
    page.wait_for_selector(".flash")
    page.goto("/lapangan")
    # The worker answers with the cached Indonesian page; the app sees the account's language,
    # has the page fetched again, and reloads once into English.
    deadline = time.monotonic() + 20
    while True:
        try:
            if page.evaluate("() => document.documentElement.lang === 'en' && document.body.dataset.ready === 'true'"):
                break
        except PlaywrightError:
            pass  # the page is reloading into the other language
        assert time.monotonic() < deadline, "the page did not follow the account's language"
        time.sleep(0.2)
    assert page.inner_text(".tabbar").split()[0] == "Forms"
