"""The public map's detail panel fits a 1366 px laptop screen (nothing under the scrollbar)."""
import re

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map import _map_ready, _ready, sites  # noqa: F401  (fixture)
from tests.factories import days_ago

pytestmark = pytest.mark.browser


def test_the_public_detail_panel_fits_inside_a_1366_px_screen(browser, live_server, sites, map_builder):  # noqa: F811
    for site in sites["made"][factories.KOTA_MANNA][:5]:
        map_builder.set_status(site.id, approved_score=85, approved_at=days_ago(4))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block")
    # No internet: the CDN and the tile server do not answer.
    context.route(re.compile(r"^https://(unpkg\.com|[a-z.]*tile\.openstreetmap\.org)/.*"),
                  lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    try:
        page.goto("/publik")
        _ready(page)
        _map_ready(page)
        page.locator("#site-list-body button").first.click()
        page.locator("#site-panel .panel-title").wait_for()
        width = page.evaluate("() => document.documentElement.clientWidth")
        boxes = page.eval_on_selector_all("#site-panel, #site-panel dd, #site-panel dt",
                                          "els => els.map((e) => e.getBoundingClientRect().right)")
        page.screenshot(path=str(ARTIFACTS / "publik-panel-1366.png"))
        assert max(boxes) <= width, f"panel content reaches x={max(boxes):.0f} on a {width} px wide page"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()
