"""A sync the monitor can watch and trust, on a slow link (CDP network emulation): progress that
moves, an outbox count that falls item by item, a sync that starts within seconds of the
network (or the end of a captive portal) coming back even after a backoff at its cap, a login
inside the app that clears the notice at once and aborts nothing, and a service worker that
sends the outbox with no page open.
"""
import time

import pytest

from tests.browser.conftest import monitor_with_sites, queued_uuids, server_state, set_check
from webapp.extensions import db

pytestmark = pytest.mark.browser

#: The uplink of the field report: 750 kbit/s, 150 ms latency.
SLOW_LINK = {"offline": False, "latency": 150, "downloadThroughput": 2_000_000 / 8, "uploadThroughput": 750_000 / 8}
#: What the issue asks: the sync starts within 10 s of the network returning.
RESUME_LIMIT_S = 10

#: Queue `count` GEBER checks with `photos` textured photos each (encoded by the app's own code).
QUEUE = """async ({ count, photos, siteUuid, seed }) => {
    const store = await import('/static/js/store.js');
    const outbox = await import('/static/js/outbox.js');
    const { processImage } = await import('/static/js/photos.js');
    const user = await store.getRef('user');
    const form = (await store.getRef('forms')).find((f) => f.form === 'geber_cek');
    const site = (await store.getRef('sites')).find((s) => s.uuid === siteUuid);
    let random = seed;
    const next = () => { random = (random * 1103515245 + 12345) % 2147483648; return random / 2147483648; };
    async function photo(owner, n) {
        // Noise over a gradient: a photo-like cost per byte, distinct for every photo.
        const canvas = new OffscreenCanvas(1200, 900);
        const ctx = canvas.getContext('2d');
        const image = ctx.createImageData(1200, 900);
        for (let i = 0; i < image.data.length; i += 4) {
            const v = next() * 90;
            image.data[i] = 60 + v + (i % 4800) / 40; image.data[i + 1] = 110 + v; image.data[i + 2] = 50 + v / 2;
            image.data[i + 3] = 255;
        }
        ctx.putImageData(image, 0, 0);
        ctx.fillStyle = '#fff';
        ctx.font = '80px sans-serif';
        ctx.fillText(`Foto ${n}`, 60, 200);
        const processed = await processImage(await canvas.convertToBlob({ type: 'image/png' }));
        const stored = { uuid: store.newUuid(), owner, field: 'foto', ...processed, createdAt: Date.now() };
        await store.putPhoto(stored);
        return stored;
    }
    const started = Date.now() - count * 60000;
    for (let n = 0; n < count; n += 1) {
        const uuid = store.newUuid();
        const attachments = [];
        for (let k = 0; k < photos; k += 1) {
            const p = await photo(uuid, n * photos + k);
            attachments.push({ uuid: p.uuid, field: 'foto', sha256: p.sha256, bytes: p.bytes, content_type: p.content_type });
        }
        const answers = { sampah_berserakan: false, tempat_sampah: true, sampah_dipilah: true, sampah_diangkut: true,
            drainase_lancar: true, pembakaran_sampah: false, genangan_air: false, halaman_terawat: true,
            jadwal_piket: true, catatan: `Cek ke-${n}`, foto: attachments.map((a) => a.uuid) };
        const createdAt = started + n * 60000;
        const payload = { uuid, form: form.form, form_version: form.version, recorded_at: new Date(createdAt).toISOString(),
            location: { lat: site.lat, lon: site.lon, accuracy_m: 8 }, site: { uuid: site.uuid }, answers, attachments };
        await outbox.enqueue(uuid, { uuid, userId: user.id, username: user.username, createdAt,
            formTitle: form.definition.title.id, siteName: site.name, definition: form.definition, payload });
    }
    return (await store.listOutbox()).map((item) => ({ uuid: item.uuid, photos: item.payload.attachments.map((a) => a.uuid),
        bytes: item.payload.attachments.reduce((sum, a) => sum + a.bytes, 0) }));
}"""

BAR = """() => {
    const bar = document.querySelector('#sync-bar');
    const progress = bar.querySelector('.sync-progress');
    const count = document.querySelector('#tab-count');
    return { tone: bar.dataset.tone, text: bar.innerText, progress: progress ? { ...progress.dataset } : null,
             count: count.hidden ? 0 : Number(count.textContent) };
}"""

#: Every change of the sync bar's text, with the page's own clock.
OBSERVE_BAR = """() => {
    window.__barChanges = [];
    const bar = document.querySelector('#sync-bar');
    let last = bar.innerText;
    new MutationObserver(() => {
        const text = bar.innerText;
        if (text === last) return;
        last = text;
        window.__barChanges.push([performance.now(), text, Boolean(bar.querySelector('.sync-progress'))]);
    }).observe(bar, { subtree: true, childList: true, characterData: true });
}"""

SET_BACKOFF_AT_CAP = """async () => {
    const store = await import('/static/js/store.js');
    const outbox = await import('/static/js/outbox.js');
    // The state after a long run of failures: the next automatic try 5 minutes away.
    await store.setMeta('backoff', { failures: 12, nextAt: Date.now() + outbox.BACKOFF_MAX_MS, reason: 'http_503', at: Date.now() });
    return (await outbox.backoff()).failures;
}"""

BACKOFF = """async () => {
    const outbox = await import('/static/js/outbox.js');
    return outbox.backoff();
}"""


def outbox_empty(field_app):
    return field_app.page.evaluate("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).length === 0;
    }""")


def network(page, context, **conditions):
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {**SLOW_LINK, **conditions})
    return cdp


def watch_requests(page):
    log = []
    page.on("request", lambda r: log.append((time.monotonic(), r.method, r.url)))
    return log


def first_after(log, since, method, fragment):
    return next((t for t, m, u in log if t >= since and m == method and fragment in u), None)


def test_on_a_slow_link_the_bar_shows_items_photos_bytes_and_time_left_and_the_count_falls_item_by_item(
        app, field_app, context, make_user, make_site, make_kegiatan, run_jobs):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    cdp = network(page, context, offline=True)
    items = page.evaluate(QUEUE, {"count": 5, "photos": 2, "siteUuid": str(school.uuid), "seed": 7})
    field_app.reload()
    field_app.wait_bar_text("5 menunggu dikirim")
    total_bytes = sum(item["bytes"] for item in items)
    requests = watch_requests(page)
    page.evaluate(OBSERVE_BAR)

    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)  # back in coverage: the sync starts by itself
    started = time.monotonic()
    samples = []
    shot = False
    while not outbox_empty(field_app):
        samples.append((time.monotonic(), page.evaluate(BAR)))
        if not shot and samples[-1][1]["progress"] and int(samples[-1][1]["progress"]["photosDone"]) >= 3:
            field_app.shoot("sync-bar-progress")
            shot = True
        assert time.monotonic() - started < 120, samples[-1]
        time.sleep(0.25)
    took = time.monotonic() - started
    field_app.wait_until("() => document.querySelector('#sync-bar').dataset.tone === 'ok'")
    run_jobs()

    running = [(t, s) for t, s in samples if s["progress"]]
    assert running, "the bar showed progress during the run"
    print(f"\nslow link: {total_bytes / 1e3:.0f} KB of photos in {took:.1f} s; {len(running)} samples with progress")
    # The text moves at least every 2 s while the run goes on (numbers or the time left), as
    # the page itself saw its bar change.
    changes = page.evaluate("() => window.__barChanges")
    during = [(t, text) for t, text, has_progress in changes if has_progress]
    gaps = [(b[0] - a[0]) / 1000 for a, b in zip(during, during[1:])]
    worst = gaps.index(max(gaps))
    print(f"bar redrawn {len(during)} times with progress; longest pause {max(gaps):.2f} s, "
          f"from {during[worst][1]!r} to {during[worst + 1][1]!r}")
    assert len(during) > 10 and max(gaps) <= 2.0, gaps
    # Photos, bytes and items count up; the totals are what was queued.
    last = running[-1][1]["progress"]
    assert int(last["photos"]) == 10 and int(last["items"]) == 5
    assert int(last["bytes"]) >= total_bytes
    photos_seen = sorted({int(s["progress"]["photosDone"]) for _, s in running})
    assert len(photos_seen) >= 5, photos_seen
    assert any("sisa ±" in s["text"] for _, s in running), "an estimate of the time left"
    assert any("Foto " in s["text"] and " dari 10" in s["text"] for _, s in running)
    # The outbox count falls as each submission completes, not at the end.
    counts = [s["count"] for _, s in samples]
    falling = [c for c, prev in zip(counts[1:], counts) if c < prev]
    assert len(set(counts)) >= 4 and all(b <= a for a, b in zip(counts, counts[1:])), counts
    assert falling, counts
    # Item by item: every photo of an item before any photo of the next.
    owner = {photo: n for n, item in enumerate(items) for photo in item["photos"]}
    order = [owner[url.rsplit("/", 1)[-1]] for _, method, url in requests if method == "PUT" and "/attachments/" in url]
    runs = [n for i, n in enumerate(order) if i == 0 or order[i - 1] != n]
    assert len(order) == 10 and len(runs) == len(set(runs)) == 5, order
    assert set_check({i["uuid"] for i in items}, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}


def test_after_a_backoff_at_its_cap_the_sync_starts_within_10_s_of_the_network_returning(
        app, field_app, context, make_user, make_site, make_kegiatan):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    cdp = network(page, context, offline=True)
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()  # saving offline tries to sync at once ...
    field_app.sync()    # ... and so does the button
    field_app.wait_bar_text("Luring")
    assert page.evaluate(BACKOFF) is None, "failures while the network is away are not counted"
    sent = queued_uuids(field_app)

    assert page.evaluate(SET_BACKOFF_AT_CAP) == 12
    requests = watch_requests(page)
    back = time.monotonic()
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    field_app.wait_until("() => true")
    deadline = back + 30
    while first_after(requests, back, "POST", "/api/v1/submissions/batch") is None:
        assert time.monotonic() < deadline, "no sync after the network returned"
        page.wait_for_timeout(50)  # lets the driver deliver the request events
    waited = first_after(requests, back, "POST", "/api/v1/submissions/batch") - back
    print(f"\nnetwork back -> first batch POST: {waited:.1f} s")
    assert waited <= RESUME_LIMIT_S
    field_app.wait_until("async () => { const { listOutbox } = await import('/static/js/store.js'); "
                         "return (await listOutbox()).length === 0; }")
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
    assert page.evaluate(BACKOFF) is None


def test_a_captive_portal_is_named_and_the_sync_starts_within_10_s_of_it_letting_go(
        app, field_app, context, make_user, make_site, make_kegiatan):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    network(page, context)
    # A hotspot that answers with its own login page, or redirects to it.
    portal = "<html><body><h1>Wi-Fi Desa</h1><p>Masukkan kode voucher</p></body></html>"
    context.route("**/api/v1/ping", lambda route: route.fulfill(status=200, content_type="text/html", body=portal))
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    field_app.sync()
    sent = queued_uuids(field_app)
    assert len(sent) == 1
    field_app.wait_bar_text("Jaringan meminta login Wi-Fi")
    page.click(".tabbar a[data-tab=home]")
    field_app.shoot("sync-bar-captive-portal")
    context.unroute("**/api/v1/ping")
    context.route("**/api/v1/ping", lambda route: route.fulfill(
        status=302, headers={"Location": "http://login.wifi-desa.example/voucher"}, body=""))
    field_app.sync()
    field_app.wait_bar_text("Jaringan meminta login Wi-Fi")  # a redirecting portal is named too
    assert page.evaluate(BACKOFF) is None, "a portal is not a failure of the server"

    # The monitor types the voucher code; the portal lets go. No `online` event fires.
    assert page.evaluate(SET_BACKOFF_AT_CAP) == 12
    requests = watch_requests(page)
    free = time.monotonic()
    context.unroute("**/api/v1/ping")
    deadline = free + 30
    while first_after(requests, free, "POST", "/api/v1/submissions/batch") is None:
        assert time.monotonic() < deadline, "no sync after the portal let go"
        page.wait_for_timeout(50)  # lets the driver deliver the request events
    waited = first_after(requests, free, "POST", "/api/v1/submissions/batch") - free
    print(f"\nportal gone -> first batch POST: {waited:.1f} s")
    assert waited <= RESUME_LIMIT_S
    field_app.wait_until("async () => { const { listOutbox } = await import('/static/js/store.js'); "
                         "return (await listOutbox()).length === 0; }")
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}


def test_logging_in_again_mid_sync_clears_the_notice_at_once_and_aborts_no_upload(
        app, field_app, context, make_user, make_site, make_kegiatan, run_jobs):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    # This browser is made to lack Background Sync: the app must say to keep it open while sending.
    page.add_init_script("delete ServiceWorkerRegistration.prototype.sync;")
    field_app.login(user.username)
    field_app.wait_worker()
    cdp = network(page, context, offline=True)
    items = page.evaluate(QUEUE, {"count": 4, "photos": 2, "siteUuid": str(school.uuid), "seed": 11})
    field_app.reload()
    failed, navigations, puts = [], [], []
    # Uploads are what must never be cut (a reference-data read that a new sync run replaces may be).
    page.on("requestfailed", lambda r: r.method in ("PUT", "POST") and failed.append((r.method, r.url, r.failure)))
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on("response", lambda r: puts.append((r.url.rsplit("/", 1)[-1], r.status))
            if r.request.method == "PUT" and "/attachments/" in r.url else None)

    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    field_app.wait_until("() => Number(document.querySelector('#sync-bar .sync-progress')?.dataset.photosDone) >= 2",
                         timeout=60_000)
    field_app.wait_bar_text("Biarkan aplikasi tetap terbuka")
    assert page.get_attribute(".field-top .top-link", "target") == "_blank", "the website link cannot cut the run"
    # The session ends on the server in the middle of the run (a logout elsewhere, a password reset).
    with app.app_context():
        from webapp.accounts.models import User

        db.session.get(User, user.id).rotate_session()
        db.session.commit()
        db.session.remove()
    field_app.wait_until("() => document.querySelector('#sync-bar').innerText.includes('Perlu masuk lagi')", timeout=60_000)
    field_app.shoot("sync-bar-login-needed-mid-sync")
    page.click("#sync-bar button:has-text('Masuk lagi')")
    page.fill("#sheet-password", "rahasia-salah")
    page.click("#login-sheet button[type=submit]")
    page.wait_for_selector("#login-sheet .error")
    from tests.factories import PASSWORD

    page.fill("#sheet-password", PASSWORD)
    page.click("#login-sheet button[type=submit]")
    page.wait_for_selector("#login-sheet", state="detached")
    cleared = time.monotonic()
    assert "Perlu masuk lagi" not in field_app.bar_text(), "the notice goes the moment the login succeeds"
    texts = []
    while not outbox_empty(field_app):
        texts.append(field_app.bar_text())
        assert time.monotonic() - cleared < 120
        time.sleep(0.3)
    run_jobs()

    assert not any("Perlu masuk lagi" in text for text in texts), "and it does not come back during the sync"
    assert len(navigations) == 0, f"the app never navigated away: {navigations}"
    assert failed == [], f"no upload was aborted: {failed}"
    stored = [uuid for uuid, status in puts if status == 200]
    assert sorted(stored) == sorted(p for item in items for p in item["photos"]), "every photo went up once"
    assert set_check({i["uuid"] for i in items}, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}


def test_the_service_worker_sends_the_outbox_with_no_page_open(
        app, field_app, context, live_server, make_user, make_site, make_kegiatan):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    assert page.evaluate("() => navigator.serviceWorker.controller.scriptURL").endswith("/service-worker.js?send=1")
    items = page.evaluate(QUEUE, {"count": 2, "photos": 1, "siteUuid": str(school.uuid), "seed": 3})
    assert "Biarkan aplikasi tetap terbuka" not in field_app.bar_text()

    # The monitor closes the app; later the browser fires the Background Sync event.
    other = context.new_page()
    page.close()
    cdp = context.new_cdp_session(other)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    ours = [r for r in registrations if r["scopeURL"].startswith(live_server.url) and not r["isDeleted"]]
    deadline = time.monotonic() + 10
    while not ours:
        assert time.monotonic() < deadline, "the service worker's registration was never reported"
        other.wait_for_timeout(50)  # lets the driver deliver the CDP events
        ours = [r for r in registrations if r["scopeURL"].startswith(live_server.url) and not r["isDeleted"]]
    registration = ours[0]
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": live_server.url, "registrationId": registration["registrationId"],
                                                 "tag": "pantau-sync", "lastChance": False})
    deadline = time.monotonic() + 60
    while True:
        server = server_state(app, user.id)
        if len(server) == 2 and all(status == "complete" for _, (status, _) in server.values()):
            break
        assert time.monotonic() < deadline, server
        time.sleep(0.3)
    assert set_check({i["uuid"] for i in items}, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
    assert all(len(photos) == 1 for _, (_, photos) in server_state(app, user.id).values()), "each photo arrived"


def test_coming_back_to_the_foreground_forgets_a_backoff_at_its_cap_and_syncs_at_once(
        app, field_app, context, make_user, make_site, make_kegiatan):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    # The server failed for a long while (503s): the next automatic try is 5 minutes away.
    context.route("**/api/v1/submissions/batch", lambda route: route.fulfill(
        status=503, content_type="application/json", body='{"code": "unavailable", "status": 503, "message": "Sibuk"}'))
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    field_app.wait_until("async () => { const { backoff } = await import('/static/js/outbox.js'); "
                         "return (await backoff()) !== null; }")
    field_app.wait_bar_text("Server menjawab dengan galat (HTTP 503)")
    assert page.evaluate(BACKOFF)["failures"] >= 1, "a failure of a reachable server is counted"
    assert page.evaluate(SET_BACKOFF_AT_CAP) == 12
    context.unroute("**/api/v1/submissions/batch")
    sent = queued_uuids(field_app)

    # The monitor switches back to the app (the page becomes visible again).
    requests = watch_requests(page)
    shown = time.monotonic()
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    while first_after(requests, shown, "POST", "/api/v1/submissions/batch") is None:
        assert time.monotonic() - shown < 30, "no sync on coming back to the foreground"
        page.wait_for_timeout(50)
    waited = first_after(requests, shown, "POST", "/api/v1/submissions/batch") - shown
    print(f"\nforeground -> first batch POST: {waited:.1f} s")
    assert waited <= RESUME_LIMIT_S
    field_app.wait_until("async () => { const { listOutbox } = await import('/static/js/store.js'); "
                         "return (await listOutbox()).length === 0; }")
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
