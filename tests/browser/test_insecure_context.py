"""Opened over plain http:// from another machine, the app says what will not work and why (360×740)."""
import re
import ssl
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import image_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def lan_browser(browser):
    """A Chromium that reaches the test server under a name that is not localhost: an insecure context."""
    other = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP pantau.test 127.0.0.1"])
    yield other
    other.close()


def test_over_plain_http_the_app_explains_offline_gps_and_photos_instead_of_failing_silently(
        lan_browser, live_server, make_user, make_site, tmp_path, artifacts):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(name="SD Negeri 7 Kota Manna")
    port = live_server.url.rsplit(":", 1)[1]
    context = lan_browser.new_context(base_url=f"http://pantau.test:{port}", viewport={"width": 360, "height": 740},
                                      locale="id-ID", permissions=["geolocation"],
                                      geolocation={"latitude": factories.LAT, "longitude": factories.LON, "accuracy": 12})
    try:
        page = context.new_page()
        page.goto("/masuk?next=/lapangan")
        page.fill("#username", user.username)
        page.fill("#password", factories.PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/lapangan.*"))
        page.wait_for_selector("body[data-ready=true]")
        assert page.evaluate("() => window.isSecureContext") is False
        banner = page.inner_text("#insecure-banner")
        assert "Sambungan tidak aman" in banner
        assert "tanpa sinyal" in banner and "GPS" in banner and "foto" in banner
        page.screenshot(path=str(artifacts / "insecure-context-home.png"))
        page.click(".form-tile[data-form=geber_cek]")
        page.wait_for_selector("#submit-draft")
        page.wait_for_selector(".gps-info.warn")
        assert "sambungan ini tidak aman" in page.inner_text(".gps-info")
        photo = tmp_path / "foto.jpg"
        photo.write_bytes(image_bytes("JPEG", size=(800, 600)))
        page.set_input_files("#f-answers-foto-gallery", str(photo))
        page.wait_for_selector(".fr-status:has-text('sambungan ini tidak aman')")
        assert "tidak bisa dibaca" not in page.inner_text("[data-path='answers.foto']")
        page.screenshot(path=str(artifacts / "insecure-context-photo.png"))
    finally:
        context.close()


def test_the_lan_server_speaks_https_with_an_ad_hoc_certificate(app):
    """What `make run-lan` does (Werkzeug's ad-hoc TLS, which needs `cryptography`)."""
    server = make_server("127.0.0.1", 0, app, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        url = f"https://127.0.0.1:{server.socket.getsockname()[1]}/api/v1/ping"
        with urllib.request.urlopen(url, context=unverified, timeout=10) as response:
            assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
