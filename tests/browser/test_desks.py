"""Each desk in headless Chromium at phone (360×740) and laptop (1280×800) size, under the real CSP.

The pages must render without a JavaScript error or CSP violation, draw their SVG charts, show
typed text as text, and leave screenshots in PANTAU_ARTIFACTS to be looked at.
"""
import re
from datetime import timedelta

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, browser, live_server, wait_until  # noqa: F401
from tests.factories import days_ago, visit_answers
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.submissions.site_status import refresh_site_status

pytestmark = pytest.mark.browser

SIZES = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 800}}
XSS_NAME = "<img src=x onerror=alert(1)> Pasar"


@pytest.fixture
def regency(app, make_user, make_kegiatan, add_site, add_submission, add_followup):
    """A small regency that looks like a working month: scores, waiting checks, visits, follow-ups."""
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sites = []
    names = ["SD Negeri 3 Manna", "Puskesmas Pembantu Gunung Ayu", XSS_NAME, "TPS Jalan Kolonel Berlian",
             "Masjid Al-Ikhlas", "Kantor Lurah Pasar Baru", "Drainase Jalan Affan Bachsin"]
    for index, name in enumerate(names):
        sites.append(add_site(desa_index=index % 4, name=name))
    scores = [(92, 5), (78, 3), (41, 2), (55, 9), (88, 12), (67, 1)]
    for site, (score, ago) in zip(sites, scores):
        add_submission(monitor, site, score=score - 12, review_state="approved", recorded_at=days_ago(ago + 8))
        add_submission(monitor, site, score=score, review_state="approved", recorded_at=days_ago(ago))
    flagged = add_submission(monitor, sites[2], score=35, flags={"distance_m": 412.0, "accuracy_m": 85.0}, photos=2)
    _process_first_photo(app, flagged.id)
    add_submission(monitor, sites[1], score=81, flags={"recorded_days_before": 34})
    add_submission(monitor, sites[0], score=95)
    sites_elsewhere = []
    for code in (factories.PINO, "17.01.01", "17.01.02"):
        other = add_site(code)
        sites_elsewhere.append(other)
        add_submission(monitor, other, score={factories.PINO: 64, "17.01.01": 83}.get(code, 48), review_state="approved",
                       recorded_at=days_ago(4))

    road = make_kegiatan("PUPR", sites=[sites[6]], pagu=2_450_000_000, name="Rehabilitasi Jalan Desa Padang Panjang – Ketaping")
    drain = make_kegiatan("PUPR", sites=[sites[6]], pagu=875_000_000, name="Normalisasi Saluran Drainase Kota Manna")
    bins = make_kegiatan("DLH", sites=[sites[0]], pagu=310_000_000, name="Pengadaan Tempat Sampah Terpilah di Sekolah")
    tps = make_kegiatan("DLH", sites=[sites[3]], pagu=640_000_000, name="Pembangunan TPS3R Kelurahan Pasar Baru")
    make_kegiatan("DINKES", sites=[sites[1]], pagu=520_000_000, name="Rehabilitasi Puskesmas Pembantu")
    for kegiatan, site, progress, spent, status, risks in (
        (road, sites[6], 52, 1_715_000_000, "at_risk", [("cuaca", "tinggi"), ("pengadaan", "sedang")]),
        (drain, sites[6], 88, 700_000_000, "on_track", [("teknis", "rendah")]),
        (bins, sites[0], 95, 300_000_000, "on_track", []),
        (tps, sites[3], 35, 420_000_000, "late", [("lahan", "tinggi"), ("teknis", "tinggi"), ("anggaran", "sedang")]),
    ):
        add_submission(monitor, site, form="monev_kunjungan", kegiatan=kegiatan, review_state="approved",
                       recorded_at=days_ago(6), answers=visit_answers(kegiatan.code, progress, spent, status=status, risks=risks))
    add_submission(monitor, sites[3], form="monev_kunjungan", kegiatan=tps,
                   answers=visit_answers(tps.code, 40, 450_000_000, status="late", rekomendasi="Percepat pembebasan lahan"))

    today = today_wib()
    creator = make_user("bappeda")
    add_followup(title="Bersihkan saluran tersumbat di depan pasar", kecamatan_code=factories.KOTA_MANNA,
                 site=sites[2], due=today - timedelta(days=4), created_by=creator)
    add_followup(title="Tambah kontainer sampah di TPS", opd_code="DLH", site=sites[3], kegiatan=tps,
                 due=today + timedelta(days=6), status="in_progress", created_by=creator)
    add_followup(title="Percepat pembebasan lahan TPS3R", opd_code="DLH", kegiatan=tps,
                 due=today - timedelta(days=2), created_by=creator)
    add_followup(title="Perbaiki tanggul saluran", opd_code="PUPR", kegiatan=drain, due=today + timedelta(days=20),
                 status="done", created_by=creator)
    with app.app_context():
        refresh_site_status(*[s.id for s in sites + sites_elsewhere])
        db.session.commit()
    return {"monitor": monitor, "sites": sites}


def _process_first_photo(app, submission_id):
    """Give the first photo of a submission its processed copies, as the photo job would."""
    import io

    from PIL import Image, ImageDraw

    from webapp import storage
    from webapp.submissions.models import Attachment
    from webapp.submissions.photos import display_key, thumb_key

    with app.app_context():
        att = db.session.scalars(db.select(Attachment).where(Attachment.submission_id == submission_id)
                                 .order_by(Attachment.id)).first()
        for key, size in ((display_key(att), (800, 600)), (thumb_key(att), (320, 240))):
            image = Image.new("RGB", size, (120, 150, 90))
            ImageDraw.Draw(image).rectangle((size[0] // 4, size[1] // 3, size[0] // 2, size[1] // 2), fill=(90, 60, 30))
            out = io.BytesIO()
            image.save(out, "JPEG")
            storage.write_bytes(key, out.getvalue())
        att.state, att.width, att.height = "processed", 800, 600
        db.session.commit()


def _open(browser, live_server, user, size):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size], locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto("/masuk")
    page.fill("#username", user.username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/beranda$"))
    return context, page


def _shoot(page, name: str, size: str):
    """Screenshot the whole page, after checking that nothing makes it scroll sideways."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{name} scrolls sideways at {size}px: {width}px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"meja-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_camat_desk_renders_and_keeps_typed_names_as_text(browser, live_server, regency, make_user, size):  # noqa: F811
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    context, page = _open(browser, live_server, camat, size)
    try:
        page.goto("/camat")
        assert page.is_visible("text=Peringkat desa/kelurahan")
        assert page.locator("#h-worst + ul li").count() >= 4
        assert page.locator(f"text={XSS_NAME}").count() >= 1
        assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
        _shoot(page, "camat", size)
        page.goto("/tinjauan")
        assert page.locator(".items li.is-flagged").count() >= 2
        _shoot(page, "tinjauan", size)
        page.click(f".items a.title:has-text('{XSS_NAME}')")
        page.wait_for_selector(".decision")
        assert page.is_visible("text=Direkam 412 m dari titik lokasi (batas 200 m).")
        thumb = page.locator(".photos img").first
        thumb.scroll_into_view_if_needed()
        wait_until(page, "() => { const img = document.querySelector('.photos img'); return img.complete && img.naturalWidth === 320; }")
        assert page.is_visible("text=Foto 2: belum sampai di server")
        _shoot(page, "tinjauan-detail", size)
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_bappeda_desk_draws_its_charts(browser, live_server, regency, make_user, size):  # noqa: F811
    bappeda = make_user("bappeda")
    context, page = _open(browser, live_server, bappeda, size)
    try:
        page.goto("/bappeda")
        page.wait_for_selector("figure.chart .chart-canvas svg")
        drawn = page.evaluate("() => [...document.querySelectorAll('figure.chart')].map(f => f.querySelectorAll('rect.chart-bar').length)")
        assert len(drawn) == 5 and all(n > 0 for n in drawn), drawn
        labels = page.evaluate("() => [...document.querySelectorAll('figure.chart text.chart-label')].map(t => t.textContent)")
        assert "Dinas PUPR" in labels and "Kota Manna" in labels
        _shoot(page, "bappeda", size)
        page.goto("/tindak-lanjut")
        _shoot(page, "tindak-lanjut", size)
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_opd_desk_offers_the_followup_forms(browser, live_server, regency, make_user, size):  # noqa: F811
    dlh = make_user("opd", opd_code="DLH")
    context, page = _open(browser, live_server, dlh, size)
    try:
        page.goto("/opd")
        assert page.is_visible("text=Tambah kontainer sampah di TPS")
        page.click("details:has-text('Laporkan selesai') > summary")
        assert page.is_visible("input[type=file][name=photo]")
        _shoot(page, "opd", size)
        page.click("a.title:has-text('Tambah kontainer sampah di TPS')")
        page.wait_for_selector("#h-actions")
        _shoot(page, "tindak-lanjut-detail", size)
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_monitor_sees_returned_work_with_the_reason(app, browser, live_server, regency, size, add_submission):  # noqa: F811
    monitor = regency["monitor"]
    add_submission(monitor, regency["sites"][4], score=58, review_state="returned",
                   review_note="Foto tempat sampah terpilah belum ada; ambil ulang dari depan gedung.", recorded_at=days_ago(2))
    context, page = _open(browser, live_server, monitor, size)
    try:
        page.goto("/kiriman-saya")
        assert page.is_visible("text=ambil ulang dari depan gedung")
        _shoot(page, "petugas", size)
        assert page.errors == []
    finally:
        context.close()
