"""The phone coalesces: items saved while a batch is on its way join the next batch, one request
for all of them, instead of a request (or a wait for the next timer) each."""
import json
import time

import pytest

from tests.browser.conftest import monitor_with_sites, queued_uuids, server_state, set_check

pytestmark = pytest.mark.browser

BATCH_ROUTE = "**/api/v1/submissions/batch"


def test_items_saved_during_an_in_flight_batch_go_together_in_the_next_one(
        app, field_app, context, make_user, make_site, make_kegiatan):
    user, _school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    field_app.login(user.username)
    field_app.wait_worker()

    batches: list[list[str]] = []
    held = []

    def batch(route):
        batches.append([item["uuid"] for item in json.loads(route.request.post_data)["submissions"]])
        if len(batches) == 1:
            held.append(route)  # the first batch hangs on a slow link until released below
        else:
            route.continue_()

    context.route(BATCH_ROUTE, batch)
    requests: list[str] = []
    field_app.page.on("request", lambda r: requests.append(f"{r.method} {r.url.split('/api/v1/')[-1]}")
                      if "/api/v1/session" in r.url or "/submissions/batch" in r.url else None)
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()  # queued: the sync starts at once and its batch is held
    deadline = time.monotonic() + 20
    while not held and time.monotonic() < deadline:
        field_app.page.wait_for_timeout(100)
    assert held, "the first save starts a sync"
    first = set(queued_uuids(field_app))

    for _ in range(2):  # two more checks saved while the first batch is still on its way
        field_app.fill_monev_visit(market.name, kegiatan.code)
        field_app.submit()
    sent = set(queued_uuids(field_app))
    assert len(sent) == 3 and len(batches) == 1, batches

    held[0].continue_()
    field_app.wait_until("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).length === 0;
    }""")
    field_app.wait_until("() => document.querySelector('#sync-bar').dataset.tone === 'ok'")
    field_app.page.wait_for_timeout(1000)  # a stray request after the run would show up here
    context.unroute(BATCH_ROUTE)

    print(f"batch POSTs: {[len(b) for b in batches]}")
    assert [set(b) for b in batches] == [first, sent - first], \
        "one request for the first item, one for both items saved while it was on its way"
    between = requests[requests.index("POST submissions/batch") + 1:]
    assert between[:1] == ["POST submissions/batch"], f"the same run sends them, no new session first: {requests}"
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
