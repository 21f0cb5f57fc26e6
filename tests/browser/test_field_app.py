"""The field app in a real browser (Playwright + Debian Chromium): offline, sync, faults, updates.

Every sync test ends with the Jepsen-style set check of DESIGN.md: each UUID the phone queued
is on the server exactly once, the server holds nothing the phone did not send, and the
outbox is empty. The counts (lost, duplicated, unexpected) are printed.
"""
import json

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.browser.conftest import monitor_with_sites, queued_uuids, server_state, set_check
from webapp.extensions import db
from webapp.submissions.models import Attachment, Submission

pytestmark = pytest.mark.browser


# ---- the whole day ----------------------------------------------------------------------


def test_a_day_offline_ends_with_exactly_the_submissions_on_the_server(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files, run_jobs):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page

    field_app.login(user.username)
    field_app.wait_worker()
    field_app.wait_bar_text("Semua terkirim")

    context.set_offline(True)
    response = field_app.reload()
    assert response is not None and response.from_service_worker, "the shell must come from the service worker"
    field_app.wait_bar_text("Luring")

    field_app.fill_geber_check(school.name, photo_files)
    field_app.submit()
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    field_app.wait_bar_text("2 menunggu dikirim")

    field_app.reload()
    sent = queued_uuids(field_app)
    assert len(sent) == 2, "both submissions survive a reload while offline"
    page.click(".tabbar a[data-tab=outbox]")
    page.wait_for_selector(".outbox-item")
    assert page.locator(".outbox-item").count() == 2
    assert server_state(app, user.id) == {}

    context.set_offline(False)
    field_app.sync_until_empty()
    run_jobs()  # photo processing (inline unless the run uses Redis)

    server = server_state(app, user.id)
    assert set_check(sent, server) == {"lost": [], "duplicated": [], "unexpected": []}
    states = sorted(server.values(), key=lambda v: len(v[1][1]))
    assert states == [(1, ("complete", [])), (1, ("complete", ["processed", "processed"]))]
    assert field_app.outbox_count() == 0
    assert field_app.photo_count() == 0, "photos leave the phone once the server has them"
    with app.app_context():
        visit = db.session.scalar(select(Submission).where(Submission.form_code == "monev_kunjungan"))
        assert "realisasi_anggaran" not in visit.answers and visit.form_version.version == 2
        assert visit.answers["progres_fisik"] == 45.5
        assert visit.answers["risiko"][0]["kategori"] == "cuaca"
        assert visit.kegiatan_id == kegiatan.id
        check = db.session.scalar(select(Submission).where(Submission.form_code == "geber_cek"))
        assert check.score == 100.0
        photos = db.session.scalars(select(Attachment).where(Attachment.submission_id == check.id)).all()
        assert all(max(a.width, a.height) <= 1600 for a in photos), "photos are resized on the phone"
        db.session.remove()


# ---- faults -----------------------------------------------------------------------------


def test_a_network_cut_in_the_middle_of_a_sync_loses_and_duplicates_nothing(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files, run_jobs):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files)
    field_app.submit()
    field_app.fill_geber_check(market.name, photo_files[:1], clean=False)
    field_app.submit()
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    sent = queued_uuids(field_app)
    assert len(sent) == 3

    faults = {"batch": 0, "put": 0}

    def batch(route):
        faults["batch"] += 1
        if faults["batch"] == 1:
            route.fetch()  # the server stores the batch ...
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    def put(route):
        faults["put"] += 1
        if faults["put"] == 1:
            route.abort("internetdisconnected")  # never reaches the server
        elif faults["put"] == 2:
            route.fetch()  # stored, answer lost
            route.abort("connectionreset")
        elif faults["put"] == 3:
            route.fulfill(status=503, content_type="application/json",
                          body=json.dumps({"code": "unavailable", "status": 503, "message": "Sibuk"}))
        else:
            route.continue_()

    context.route("**/api/v1/submissions/batch", batch)
    context.route("**/api/v1/attachments/*", put)
    context.set_offline(False)
    for _ in range(6):
        field_app.sync()
        if field_app.outbox_count() == 0:
            break
    assert faults["batch"] >= 2 and faults["put"] >= 4, faults
    assert "Tidak ada sambungan" in field_app.bar_text() or field_app.outbox_count() == 0
    context.unroute("**/api/v1/submissions/batch")
    context.unroute("**/api/v1/attachments/*")
    if field_app.outbox_count():
        field_app.sync_until_empty()
    run_jobs()

    server = server_state(app, user.id)
    assert set_check(sent, server) == {"lost": [], "duplicated": [], "unexpected": []}
    assert all(status == "complete" and all(s == "processed" for s in photos)
               for _, (status, photos) in server.values())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 3
        db.session.remove()


def test_an_expired_session_pauses_sync_until_the_monitor_logs_in_again(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    sent = queued_uuids(field_app)

    # While the phone is offline the session ends on the server (logout elsewhere, deactivation
    # and reactivation, a password reset): every cookie issued before stops working.
    with app.app_context():
        from webapp.accounts.models import User

        db.session.get(User, user.id).rotate_session()
        db.session.commit()
        db.session.remove()

    context.set_offline(False)
    field_app.sync()
    field_app.wait_until("() => document.querySelector('#sync-bar').dataset.tone === 'bad'")
    field_app.wait_bar_text("Perlu masuk lagi")
    assert field_app.outbox_count() == 1, "the outbox waits"
    assert server_state(app, user.id) == {}
    field_app.shoot("sync-bar-login-needed")

    # "Masuk lagi" opens a sheet over the app: the page stays (and so would an upload).
    page.click("#sync-bar button:has-text('Masuk lagi')")
    page.wait_for_selector("#login-sheet[open]")
    field_app.shoot("login-sheet")
    assert page.url.endswith("/lapangan") or "/lapangan#" in page.url
    page.fill("#sheet-password", "salah-sandi")
    page.click("#login-sheet button[type=submit]")
    page.wait_for_selector("#login-sheet .error:has-text('Nama pengguna atau kata sandi salah')")
    field_app.wait_bar_text("Perlu masuk lagi")
    page.fill("#sheet-password", factories.PASSWORD)
    page.click("#login-sheet button[type=submit]")
    page.wait_for_selector("#login-sheet", state="detached")
    # The notice goes as the login succeeds (within a second), not when the next sync run ends.
    field_app.wait_bar_text("Perlu masuk lagi", timeout=1_000, shown=False)
    field_app.wait_until("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).length === 0;
    }""")
    assert "/lapangan" in page.url
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
    assert "Perlu masuk lagi" not in field_app.bar_text()


def test_a_rejected_item_shows_the_servers_reason_and_can_be_fixed_and_resent(
        app, field_app, context, make_user, make_site, make_kegiatan):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    sent = queued_uuids(field_app)
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    (duplicate_visit,) = queued_uuids(field_app) - sent

    # While the monitor was out, Bappeda moved the activity off this site and registered
    # another one there: the server now refuses the old choice.
    replacement = make_kegiatan(sites=[market], code="DLH-02", name="Pengadaan Bak Sampah Pasar")
    with app.app_context():
        from webapp.monev.models import Kegiatan

        moved = db.session.get(Kegiatan, kegiatan.id)
        moved.sites.clear()
        db.session.commit()
        db.session.remove()

    context.set_offline(False)
    field_app.sync()
    field_app.wait_until("() => document.querySelector('#sync-bar').dataset.tone === 'bad'")
    field_app.wait_bar_text("ditolak")
    assert server_state(app, user.id) == {}
    page.click(".tabbar a[data-tab=outbox]")
    page.wait_for_selector(".outbox-item.state-rejected")
    assert page.locator(".outbox-item.state-rejected").count() == 2
    # The second visit was a mistake: the monitor throws it away, on purpose, in two taps.
    discard = page.locator(f".outbox-item[data-uuid='{duplicate_visit}'] button:has-text('Buang dari antrean')")
    discard.click()
    assert field_app.outbox_count() == 2, "one tap only arms the button"
    page.click(f".outbox-item[data-uuid='{duplicate_visit}'] button:has-text('Yakin buang')")
    page.wait_for_selector(".flash:has-text('Dibuang dari antrean')")
    assert queued_uuids(field_app) == sent
    item = page.locator(".outbox-item.state-rejected")
    item.wait_for()
    assert "Ditolak server" in item.inner_text()
    assert "Kegiatan: Pilihan tidak dikenal." in item.inner_text()
    field_app.shoot("outbox-rejected")

    item.locator("button:has-text('Perbaiki')").click()
    page.wait_for_selector("#submit-draft")
    error = page.locator("[data-path='answers.kegiatan'] .fr-error")
    assert error.inner_text() == "Pilihan tidak dikenal."
    field_app.shoot("form-server-rejection")
    field_app.select("answers.kegiatan", replacement.code)
    assert error.is_hidden()
    field_app.submit()
    field_app.sync_until_empty()

    server = server_state(app, user.id)
    assert set_check(sent, server) == {"lost": [], "duplicated": [], "unexpected": []}
    with app.app_context():
        stored = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        assert stored.kegiatan_id == replacement.id
        db.session.remove()


def test_a_captive_portal_page_is_never_taken_for_the_server(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    field_app.login(user.username)
    field_app.wait_worker()
    field_app.fill_geber_check(school.name, photo_files[:1])
    context.set_offline(True)  # so the submit does not sync at once
    field_app.submit()
    sent = queued_uuids(field_app)

    # The phone joins a village hotspot that answers everything with its login page.
    portal = "<html><body><h1>Wi-Fi Desa</h1><p>Masukkan kode voucher</p></body></html>"
    context.route("**/api/v1/ping", lambda route: route.fulfill(status=200, content_type="text/html", body=portal))
    context.route("**/api/v1/submissions/batch",
                  lambda route: route.fulfill(status=200, content_type="text/html", body=portal))
    context.set_offline(False)
    field_app.sync()
    field_app.wait_bar_text("Jaringan meminta login Wi-Fi")  # the portal is named, not taken for no signal
    assert field_app.outbox_count() == 1

    # A portal that lets the ping through but rewrites the upload with its own page.
    context.unroute("**/api/v1/ping")
    field_app.sync()
    field_app.wait_bar_text("bukan dari server Pantau")
    assert field_app.outbox_count() == 1
    # Even a JSON 200 is not enough: it must be one result per UUID sent.
    context.unroute("**/api/v1/submissions/batch")
    context.route("**/api/v1/submissions/batch",
                  lambda route: route.fulfill(status=200, content_type="application/json", body='{"results": []}'))
    field_app.sync()
    assert field_app.outbox_count() == 1
    assert server_state(app, user.id) == {}
    context.unroute("**/api/v1/submissions/batch")

    field_app.sync_until_empty()
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}


# ---- drafts, sites, GPS, rescue ---------------------------------------------------------


def test_a_draft_survives_a_reload_with_its_answers_site_and_photos(
        field_app, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.start("geber_cek")
    field_app.pick_site(school.name)
    field_app.answer("sampah_berserakan", "Ya")
    field_app.add_photos("foto", photo_files[:1], via="camera")
    field_app.fill("answers.catatan", "Sampah menumpuk di belakang kantin")
    url = page.url
    field_app.reload()  # at once: no time for a delayed save

    assert page.url == url
    page.wait_for_selector("#submit-draft")
    assert page.input_value("[data-path='answers.catatan'] textarea") == "Sampah menumpuk di belakang kantin"
    assert "on" in page.get_attribute("[data-path='answers.sampah_berserakan'] .fr-choice:has-text('Ya')", "class")
    assert school.name in page.inner_text(".site-card")
    field_app.wait_until("() => document.querySelectorAll('.fr-thumb img').length === 1")
    page.click(".back-link")
    page.wait_for_selector(".draft-card")
    assert school.name in page.inner_text(".draft-card")


def test_a_site_made_offline_arrives_with_its_first_submission_and_a_poor_fix_is_flagged(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    context.set_geolocation({"latitude": factories.LAT + 0.01, "longitude": factories.LON, "accuracy": 120})
    field_app.start("geber_cek")
    page.wait_for_selector(".gps-flag")
    assert "Akurasi rendah" in page.inner_text(".gps-box")
    page.click("button:has-text('Tambah lokasi baru')")
    page.fill("#site-new-name", "Musala Al-Falah")
    page.select_option("#site-new-kind", "tempat_ibadah")
    page.select_option("#site-new-desa", index=1)
    page.click("button:has-text('Simpan lokasi')")
    page.wait_for_selector(".site-card:has-text('Musala Al-Falah')")
    field_app.shoot("form-new-site-poor-gps")
    for field in ("sampah_berserakan", "pembakaran_sampah", "genangan_air"):
        field_app.answer(field, "Tidak")
    for field in ("tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar", "halaman_terawat", "jadwal_piket"):
        field_app.answer(field, "Ya")
    field_app.add_photos("foto", photo_files[:1])
    field_app.submit()
    # A second check of the same new site before any sync: it must not create the site twice.
    field_app.start("geber_cek")
    field_app.pick_site("Musala Al-Falah")
    for field in ("sampah_berserakan", "pembakaran_sampah", "genangan_air", "tempat_sampah", "sampah_dipilah",
                  "sampah_diangkut", "drainase_lancar", "halaman_terawat", "jadwal_piket"):
        field_app.answer(field, "Ya")
    field_app.add_photos("foto", photo_files[1:])
    field_app.submit()
    sent = queued_uuids(field_app)
    context.set_offline(False)
    field_app.sync_until_empty()

    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
    with app.app_context():
        from webapp.sites.models import Site

        sites = db.session.scalars(select(Site).where(Site.name == "Musala Al-Falah")).all()
        assert len(sites) == 1 and sites[0].created_by_id == user.id
        checks = db.session.scalars(select(Submission).where(Submission.site_id == sites[0].id)).all()
        assert len(checks) == 2
        assert all(c.accuracy_m == 120 and c.flags.get("accuracy_m") for c in checks), "flagged, not refused"
        db.session.remove()
    # The site now comes from the server's bootstrap, and is still pickable.
    field_app.start("geber_cek")
    page.fill("#site-search", "Musala")
    assert page.locator(".site-option:has-text('Musala Al-Falah')").count() == 1


def test_an_exported_outbox_imports_through_the_cli_with_nothing_lost(
        app, runner, field_app, context, make_user, make_site, make_kegiatan, photo_files, tmp_path):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files)
    field_app.submit()
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    sent = queued_uuids(field_app)

    page.click(".tabbar a[data-tab=outbox]")
    with page.expect_download() as download:
        page.click("#export-outbox")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith(f"pantau-antrean-{user.username}-")
    document = json.loads(path.read_text())
    assert {item["submission"]["uuid"] for item in document["items"]} == sent
    assert all(photo["data"] for item in document["items"] for photo in item["photos"])

    result = runner.invoke(args=["import-outbox", str(path), "--user", user.username])
    assert result.exit_code == 0, result.output
    assert "Kiriman baru: 2" in result.output and "Foto tersimpan: 2" in result.output
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}

    # The phone comes back online later: its outbox turns out to be already on the server.
    context.set_offline(False)
    field_app.sync_until_empty()
    server = server_state(app, user.id)
    assert set_check(sent, server) == {"lost": [], "duplicated": [], "unexpected": []}
    assert sorted(len(photos) for _, (_, photos) in server.values()) == [0, 2]


# ---- updates, caching, the unit rules of the queue ---------------------------------------


def test_a_new_service_worker_waits_and_the_reload_keeps_drafts_and_outbox(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files, monkeypatch):
    from webapp.pwa import assets

    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    version = """() => new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve(event.data.version);
        navigator.serviceWorker.controller.postMessage({ type: 'GET_VERSION' }, [channel.port2]);
    })"""
    old_version = page.evaluate(version)
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    field_app.start("geber_cek")
    field_app.fill("answers.catatan", "Draf yang belum selesai")
    # Online for the update, but uploads fail: the outbox must still be there afterwards.
    context.route("**/api/v1/submissions/batch", lambda route: route.abort("connectionreset"))
    context.set_offline(False)

    # A deploy: the worker's source changes, so its bytes (and VERSION) change.
    source = assets.worker_source()
    monkeypatch.setattr(assets, "worker_source", lambda: source + "\n// deploy 2\n")
    page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_selector("#update-app")
    assert page.inner_text("#update-app") == "Versi baru tersedia — muat ulang"
    assert page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.waiting !== null)"), \
        "the new worker waits: it never takes over on its own"
    assert page.evaluate(version) == old_version
    field_app.shoot("update-banner")

    with page.expect_navigation():
        page.click("#update-app")
    field_app.wait_ready()
    field_app.wait_until("() => navigator.serviceWorker.controller !== null")
    assert page.evaluate(version) != old_version
    assert page.input_value("[data-path='answers.catatan'] textarea") == "Draf yang belum selesai"
    assert field_app.outbox_count() == 1
    cache_names = page.evaluate("() => caches.keys()")
    assert [name for name in cache_names if name.startswith("pantau-static-")] == [f"pantau-static-{page.evaluate(version)}"]


def test_a_repeat_visit_loads_the_whole_shell_from_the_service_worker(field_app, make_user):
    user = make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    shell = []
    page.on("response", lambda r: shell.append(r) if "/static/" in r.url else None)
    field_app.reload()
    assert shell, "the shell's CSS and modules were requested"
    from_network = [r.url for r in shell if not r.from_service_worker]
    assert from_network == []


def test_the_queue_rules_hold_in_the_browser(field_app, make_user):
    user = make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA)
    field_app.login(user.username)
    rules = field_app.page.evaluate("""async () => {
        const outbox = await import('/static/js/outbox.js');
        const sync = await import('/static/js/sync.js');
        const delays = [1, 2, 3, 5, 8, 12, 20].map((n) => outbox.backoffDelay(n, () => 1));
        const sent = ['a1b2c3d4-0000-4000-8000-000000000001', 'a1b2c3d4-0000-4000-8000-000000000002'];
        const ok = (status) => ({ uuid: sent[0], status, missing_attachments: [] });
        return {
            delays,
            capped: delays.every((d) => d <= outbox.BACKOFF_MAX_MS),
            growing: delays.every((d, i) => i === 0 || d >= delays[i - 1]),
            good: sync.verifyBatchAnswer({ results: [ok('created'), { uuid: sent[1].toUpperCase(), status: 'rejected', errors: {} }] }, sent) !== null,
            short: sync.verifyBatchAnswer({ results: [ok('created')] }, sent),
            twice: sync.verifyBatchAnswer({ results: [ok('created'), ok('duplicate')] }, sent),
            stranger: sync.verifyBatchAnswer({ results: [ok('created'), { uuid: 'x', status: 'created', missing_attachments: [] }] }, sent),
            odd: sync.verifyBatchAnswer({ results: [ok('saved'), ok('created')] }, sent),
            html: sync.verifyBatchAnswer('<html>', sent),
        };
    }""")
    assert rules["capped"] and rules["growing"] and rules["delays"][-1] == 5 * 60 * 1000
    assert rules["good"] is True
    assert [rules[k] for k in ("short", "twice", "stranger", "odd", "html")] == [None] * 5


def test_screenshots_of_the_form_the_outbox_and_the_sync_state_at_360_by_740(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()

    # Something already on the server, returned by the reviewer ("perlu perbaikan").
    field_app.fill_geber_check(school.name, photo_files[:1], clean=False)
    field_app.submit()
    field_app.sync_until_empty()
    with app.app_context():
        returned = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
        returned.review_state = "returned"
        returned.review_note = "Foto kurang jelas; ulangi dari depan gerbang sekolah."
        db.session.commit()
        db.session.remove()

    context.set_offline(True)
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    field_app.start("geber_cek")
    field_app.pick_site(school.name)
    field_app.shoot("form-top")
    page.click("#submit-draft")  # nothing answered yet: every error shows next to its field
    page.wait_for_selector(".fr-field.has-error")
    field_app.shoot("form-errors")
    field_app.answer("sampah_berserakan", "Ya")
    field_app.add_photos("foto", photo_files)
    page.locator("[data-path='answers.foto']").scroll_into_view_if_needed()
    field_app.shoot("form-photos")
    page.click(".back-link")  # the tabs step aside while a form is open
    page.click(".tabbar a[data-tab=outbox]")
    page.wait_for_selector(".outbox-item")
    field_app.shoot("outbox-offline")
    field_app.wait_bar_text("1 menunggu dikirim")
    field_app.wait_bar_text("Luring")

    context.set_offline(False)
    field_app.sync_until_empty()
    page.click(".tabbar a[data-tab=mine]")
    page.wait_for_selector(".mine-item.review-returned")
    card = page.locator(".mine-item.review-returned")
    assert "Perlu perbaikan" in card.inner_text()
    assert "Foto kurang jelas" in card.inner_text()
    field_app.shoot("kiriman-saya")
    for name in ("form-top", "form-errors", "form-photos", "outbox-offline", "kiriman-saya"):
        assert (field_app.artifacts / f"{name}.png").stat().st_size > 5000


def test_a_background_sync_event_makes_the_open_page_send_the_outbox(
        field_app, context, live_server, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    # Back in coverage, but the server is not reachable yet: the page's own attempt fails.
    context.route("**/api/v1/ping", lambda route: route.abort("connectionrefused"))
    context.set_offline(False)
    field_app.sync()
    assert field_app.outbox_count() == 1
    context.unroute("**/api/v1/ping")

    page.evaluate("""() => {
        window.__messages = [];
        navigator.serviceWorker.addEventListener('message', (event) => window.__messages.push(event.data.type));
    }""")
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    field_app.wait_until("() => true")  # lets the driver deliver the CDP events
    registration = next(r for r in registrations if r["scopeURL"].startswith(live_server.url) and not r["isDeleted"])
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": live_server.url, "registrationId": registration["registrationId"],
                                                 "tag": "pantau-sync", "lastChance": False})
    field_app.wait_until("() => window.__messages.includes('SYNC')")
    field_app.wait_until("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).length === 0;
    }""")


def test_refused_persistence_low_storage_and_a_day_old_item_are_told_to_the_monitor(
        field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    # A phone with 30 MB left, whose browser refuses persistent storage.
    page.add_init_script("""
        navigator.storage.persisted = () => Promise.resolve(false);
        navigator.storage.persist = () => Promise.resolve(false);
        navigator.storage.estimate = () => Promise.resolve({ usage: 970 * 1024 * 1024, quota: 1000 * 1024 * 1024 });
    """)
    field_app.login(user.username)
    page.wait_for_selector(".banner-warn")
    assert "sisa 30 MB" in page.inner_text(".banner-warn")
    assert "penyimpanan permanen" in page.inner_text("#view")
    # The reload below is offline: the worker must control the page first.
    field_app.wait_worker()

    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    page.evaluate("""async () => {
        const store = await import('/static/js/store.js');
        const [item] = await store.listOutbox();
        await store.updateOutboxItem(item.uuid, (i) => ({ ...i, queuedAt: Date.now() - 30 * 3600 * 1000 }));
    }""")
    field_app.reload()
    field_app.wait_bar_text("menunggu lebih dari 1 hari")
    field_app.shoot("sync-bar-stale-low-storage")


def test_other_pages_offline_show_the_offline_page_that_leads_to_the_field_app(field_app, context, make_user):
    user = make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA)
    page = field_app.page
    field_app.login(user.username)
    field_app.wait_worker()
    context.set_offline(True)
    page.goto("/beranda")
    assert "Tidak ada sambungan" in page.inner_text("h1")
    page.click("a:has-text('Buka aplikasi lapangan')")
    field_app.wait_ready()
    field_app.wait_bar_text("Luring")


EVERY_TYPE = {
    "form": "uji_semua", "version": 1, "programme": "geber", "title": {"id": "Uji semua jenis", "en": "All types"},
    "scored": False, "site_required": False,
    "fields": [
        {"name": "nama", "type": "text", "label": {"id": "Nama", "en": "Name"}, "required": True, "max_length": 10},
        {"name": "jumlah", "type": "integer", "label": {"id": "Jumlah", "en": "Amount"}, "min": 1, "max": 5000000,
         "unit": {"id": "Rp", "en": "IDR"}},
        {"name": "berat", "type": "decimal", "label": {"id": "Berat", "en": "Weight"}, "min": 0, "max": 10},
        {"name": "tanggal", "type": "date", "label": {"id": "Tanggal", "en": "Date"}, "min": "2020-01-01"},
        {"name": "satu", "type": "select_one", "label": {"id": "Satu", "en": "One"},
         "options": [{"value": "a", "label": {"id": "A", "en": "A"}}, {"value": "b", "label": {"id": "B", "en": "B"}}]},
        {"name": "banyak", "type": "select_many", "label": {"id": "Banyak", "en": "Many"}, "max_items": 2,
         "options": [{"value": v, "label": {"id": v.upper(), "en": v.upper()}} for v in ("x", "y", "z")]},
        {"name": "ok", "type": "yes_no", "label": {"id": "Baik?", "en": "Good?"}, "required": True},
        {"name": "foto", "type": "photo", "label": {"id": "Foto", "en": "Photos"}, "min_photos": 1, "max_photos": 2},
        {"name": "titik", "type": "geopoint", "label": {"id": "Titik", "en": "Point"}},
        {"name": "catatan", "type": "note", "label": {"id": "Sekadar catatan", "en": "Just a note"}},
        {"name": "baris", "type": "repeat", "label": {"id": "Baris", "en": "Rows"}, "max_items": 2,
         "fields": [{"name": "isi", "type": "text", "label": {"id": "Isi", "en": "Content"}, "required": True}]},
    ],
}


def test_the_renderer_draws_every_field_type_and_agrees_with_the_server_validator(field_app, live_server, photo_files):
    from webapp.forms.definition_schema import check_definition
    from webapp.forms.validator import validate_answers

    definition = check_definition(json.loads(json.dumps(EVERY_TYPE)))
    page = field_app.page
    page.goto("/offline")
    page.evaluate("""async (definition) => {
        const css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = '/static/css/field.css';
        document.head.append(css);
        const root = document.createElement('div');
        root.id = 'renderer';
        document.querySelector('main').replaceChildren(root);
        const { renderForm } = await import('/static/js/form-renderer.js');
        window.__form = renderForm(root, definition, {
            photos: {
                add: async () => ({ uuid: crypto.randomUUID() }),
                remove: async () => undefined,
                thumbUrl: async () => null,
            },
            geo: { capture: async () => ({ lat: -4.45, lon: 102.9, accuracy_m: 75 }), errorText: () => 'x' },
        });
    }""", definition)
    assert page.locator("#renderer .fr-field").count() == 10  # every type but the note holds an answer
    assert page.inner_text("#renderer .fr-note") == "Sekadar catatan"

    field_app.fill("answers.nama", "Nama yang terlalu panjang")
    page.locator("[data-path='answers.nama'] input").blur()
    assert page.inner_text("[data-path='answers.nama'] .fr-error") == "Paling banyak 10 karakter."
    field_app.fill("answers.jumlah", "1.500.000")
    assert page.inner_text("[data-path='answers.jumlah'] .fr-echo") == "= Rp 1.500.000"
    field_app.fill("answers.berat", "2,5")
    page.fill("[data-path='answers.tanggal'] input", "2019-12-31")
    field_app.answer("satu", "B")
    for choice in ("X", "Y", "Z"):
        page.click(f"[data-path='answers.banyak'] .fr-choice:has-text('{choice}')")
    page.click("[data-path='answers.titik'] button:has-text('Ambil titik GPS')")
    page.wait_for_selector("[data-path='answers.titik'] .fr-geo.warn")
    add_row = page.locator("[data-path='answers.baris'] button:has-text('Tambah baris')")
    add_row.click()
    add_row.click()
    assert add_row.is_disabled(), "max_items reached"
    field_app.fill("answers.baris.1.isi", "Baris kedua")

    shown = page.evaluate("""() => {
        window.__form.showAllErrors();
        const shown = {};
        document.querySelectorAll('#renderer .fr-field').forEach((el) => {
            const error = el.querySelector(':scope > .fr-error');
            if (!error.hidden) shown[el.dataset.path] = error.textContent;
        });
        return { shown, answers: window.__form.answers() };
    }""")
    answers = shown["answers"]
    assert answers["jumlah"] == 1_500_000 and answers["berat"] == 2.5
    assert answers["titik"] == {"lat": -4.45, "lon": 102.9, "accuracy_m": 75}
    server = validate_answers(definition, answers)
    assert shown["shown"] == {path: " ".join(messages) for path, messages in server.errors.items()}
    # (An unanswered optional photo field is fine, min_photos or not: the server says so too.)
    assert set(server.errors) == {"answers.nama", "answers.tanggal", "answers.banyak", "answers.ok",
                                  "answers.baris.0.isi"}
    field_app.shoot("renderer-every-type")
