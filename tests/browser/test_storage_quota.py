"""A full phone: IndexedDB writes refused with QuotaExceededError.

An init script wraps IDBObjectStore.prototype.put/add so that, once the test says so, every
write throws the DOMException a browser raises when the origin is over its quota (reads and
deletes still work, as they do on a full phone). The switch lives in sessionStorage, so the
phone stays full across a reload. The monitor must be told in plain Indonesian what happened,
nothing already stored may be lost, and sending the outbox (which frees space) must still work.
"""
import pytest

from tests.browser.conftest import monitor_with_sites, queued_uuids, server_state, set_check

pytestmark = pytest.mark.browser

FULL_PHONE = """(() => {
    const KEY = 'pantau-test-writes-left';
    const left = () => { const v = sessionStorage.getItem(KEY); return v === null ? Infinity : Number(v); };
    window.__quota = {
        refused: 0,
        /** Allow `n` more writes, then refuse every one (null: never refuse). */
        fullAfter(n) { if (n === null) sessionStorage.removeItem(KEY); else sessionStorage.setItem(KEY, String(n)); },
    };
    for (const name of ['put', 'add']) {
        const original = IDBObjectStore.prototype[name];
        IDBObjectStore.prototype[name] = function (...args) {
            const n = left();
            if (n <= 0) {
                window.__quota.refused += 1;
                throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            }
            if (n !== Infinity) sessionStorage.setItem(KEY, String(n - 1));
            return original.apply(this, args);
        };
    }
})();"""

FULL_MESSAGE = "Memori ponsel penuh"


def fill_after(page, n):
    page.evaluate("(n) => window.__quota.fullAfter(n)", n)


def refused(page) -> int:
    return page.evaluate("() => window.__quota.refused")


def test_a_full_phone_says_so_in_indonesian_and_keeps_what_it_had_stored(
        app, field_app, context, make_user, make_site, make_kegiatan, photo_files):
    user, school, market, kegiatan = monitor_with_sites(make_user, make_site, make_kegiatan)
    page = field_app.page
    page.add_init_script(FULL_PHONE)
    field_app.login(user.username)
    field_app.wait_worker()

    # A morning's work, stored while there was room.
    context.set_offline(True)
    field_app.fill_geber_check(school.name, photo_files[:1])
    field_app.submit()
    field_app.fill_monev_visit(market.name, kegiatan.code)
    field_app.submit()
    sent = queued_uuids(field_app)
    assert len(sent) == 2
    field_app.start("geber_cek")
    field_app.pick_site(school.name)
    field_app.answer("sampah_berserakan", "Tidak")
    field_app.fill("answers.catatan", "Sebelum penuh")
    field_app.add_photos("foto", photo_files[:1])
    draft_url = page.url
    page.wait_for_selector(".saved-note:has-text('Draf tersimpan')")

    # The phone fills up (videos, chat apps). Every write from now on is refused.
    fill_after(page, 0)
    field_app.fill("answers.catatan", "Sesudah penuh")
    page.wait_for_selector(f".saved-note:has-text('{FULL_MESSAGE}')")
    banner = page.locator("#banners .banner-storage-full")
    banner.wait_for()
    assert FULL_MESSAGE in banner.inner_text()
    assert "tetap aman" in banner.inner_text(), "the monitor is told that stored work is safe"
    assert "QuotaExceeded" not in page.inner_text("body"), "no browser jargon"

    field_app.page.set_input_files("#f-answers-foto-gallery", [str(photo_files[1])])
    page.wait_for_selector(f"[data-path='answers.foto'] :text('{FULL_MESSAGE}')")
    assert page.locator("[data-path='answers.foto'] .fr-thumb").count() == 1, "only the photo stored before"

    for field in ("tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar", "halaman_terawat",
                  "jadwal_piket"):
        field_app.answer(field, "Ya")
    for field in ("pembakaran_sampah", "genangan_air"):
        field_app.answer(field, "Tidak")
    page.click("#submit-draft")
    error = page.locator(".submit-bar .error")
    error.wait_for()
    assert FULL_MESSAGE in error.inner_text() and "drafnya tetap ada" in error.inner_text()
    assert page.is_enabled("#submit-draft"), "the monitor can try again once there is room"
    field_app.shoot("storage-full-form")

    # Starting another form cannot store its draft either: said, not thrown.
    page.click(".back-link")
    page.click(".form-tile[data-form=geber_aksi]")
    page.wait_for_selector(f".flash:has-text('{FULL_MESSAGE}')")
    assert "#/draf/" not in page.url

    # Still full after a reload (the phone does not free itself): the app comes up, and the
    # outbox and the draft (as last stored) are all there.
    assert refused(page) > 0
    field_app.reload()
    assert queued_uuids(field_app) == sent
    assert field_app.photo_count() == 2, "the queued check's photo and the draft's"
    page.click(".tabbar a[data-tab=outbox]")
    page.wait_for_selector(".outbox-item")
    assert page.locator(".outbox-item").count() == 2
    field_app.shoot("storage-full-outbox")
    page.goto(draft_url)
    field_app.wait_ready()
    page.wait_for_selector("#submit-draft")
    assert page.input_value("[data-path='answers.catatan'] textarea") == "Sebelum penuh"

    # Sending the outbox is what frees space: it works on a full phone.
    context.set_offline(False)
    page.click(".back-link")  # the sync button waits on the home screen while a form is open
    field_app.sync()
    field_app.wait_until("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).length === 0;
    }""")
    assert set_check(sent, server_state(app, user.id)) == {"lost": [], "duplicated": [], "unexpected": []}
    assert all(status == "complete" for _, (status, _) in server_state(app, user.id).values())
    assert field_app.photo_count() == 1, "the queued photo left the phone; the draft's stays"
    page.goto(draft_url)
    field_app.wait_ready()
    page.wait_for_selector("#submit-draft")

    # Room again (the monitor deleted old videos): the next write succeeds and the warning goes.
    fill_after(page, None)
    field_app.fill("answers.catatan", "Ada ruang lagi")
    page.wait_for_selector(".saved-note:has-text('Draf tersimpan')")
    page.locator("#banners .banner-storage-full").wait_for(state="detached")
