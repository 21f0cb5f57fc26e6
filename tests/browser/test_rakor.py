"""A Rakor in Chromium: Bappeda opens Rakor mode, pages through by keyboard (as a presentation
clicker does), records a decision from an OPD's slide; its owner receives the email (read from an
SMTP server in this process) and sees it under the bell, reports it done with evidence, and
Bappeda verifies it. The deck prints one A4 landscape page per slide and downloads as a PDF."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import ARTIFACTS, browser, live_server, wait_until  # noqa: F401
from tests.smtp import SmtpServer
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import today_wib

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROJECTOR = {"width": 1366, "height": 768}


def _login(browser, live_server, username):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, viewport=PROJECTOR, locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(beranda|lapangan).*"))
    return context, page


def _current(page) -> str:
    return page.evaluate("() => document.querySelector('.slide.is-current').id")


def _visible_slides(page) -> int:
    return page.evaluate("() => [...document.querySelectorAll('.slide')].filter(s => s.offsetParent !== null).length")


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        for name, value in server.config().items():
            monkeypatch.setitem(app.config, name, value)
            # An rq worker (the PostgreSQL + Redis run) reads them from its environment.
            monkeypatch.setenv(name, str(int(value) if isinstance(value, bool) else value))
        yield server


def test_a_rakor_decision_becomes_a_followup_its_owner_answers_and_bappeda_verifies(
        app, browser, live_server, smtp, make_user, make_kegiatan, add_followup, run_jobs):  # noqa: F811
    today = today_wib()
    month = f"{today.year}-{today.month:02d}"
    previous_month = f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH", username="pptk_dlh")
    with app.app_context():
        row = db.session.get(type(owner), owner.id)
        row.full_name, row.email = "Rina Kartika (PPTK DLH)", "rina.dlh@bengkulu-selatan.test"
        db.session.commit()
    kegiatan = make_kegiatan("DLH", code="1.03.01.2.01.0009", name="Pembangunan TPS3R Pasar Bawah", year=today.year)
    earlier = add_followup(opd_code="DLH", title="Tambah armada angkutan sampah", due=today - timedelta(days=3))
    with app.app_context():
        db.session.get(FollowUp, earlier).rakor_month = previous_month
        db.session.commit()

    context, page = _login(browser, live_server, bappeda.username)
    page.goto(f"/rakor?bulan={month}")
    slides = page.evaluate("() => [...document.querySelectorAll('.slide')].map(s => s.id)")
    dlh = next(s for s in slides if s.startswith("opd-"))
    assert slides[:2] == ["ringkasan", "peringkat-opd"] and slides[-3:] == ["geber", "rakor-lalu", "keputusan"]
    assert _current(page) == "ringkasan" and _visible_slides(page) == 1
    assert page.inner_text("#rakor-position") == f"1 / {len(slides)}"
    # Large type for the back of the room: the slide title at least 40 px at 1366 px wide.
    assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.slide.is-current h1')).fontSize)") >= 40

    page.keyboard.press("ArrowRight")
    assert _current(page) == "peringkat-opd"
    page.keyboard.press("PageDown")
    assert _current(page) == slides[2]
    page.keyboard.press("PageUp")
    assert _current(page) == "peringkat-opd"
    page.keyboard.press("End")
    assert _current(page) == "keputusan" and page.inner_text("#rakor-position") == f"{len(slides)} / {len(slides)}"
    page.keyboard.press("ArrowLeft")
    assert _current(page) == "rakor-lalu"
    assert "Tambah armada angkutan sampah" in page.inner_text("#rakor-lalu")
    assert "Terlambat" in page.inner_text("#previous-decisions")
    page.keyboard.press("Home")
    assert _current(page) == "ringkasan"
    page.keyboard.press("f")
    wait_until(page, "() => document.fullscreenElement !== null")
    page.keyboard.press("f")
    wait_until(page, "() => document.fullscreenElement === null")

    # To the DLH slide, and the decision taken there.
    while _current(page) != dlh:
        page.keyboard.press("ArrowRight")
    slide = page.locator(f"#{dlh}")
    assert "Dinas Lingkungan Hidup" in slide.inner_text() or "DLH" in slide.inner_text()
    slide.locator("summary", has_text="Catat keputusan").click()
    slide.locator("input[name=title]").fill("Percepat serah terima TPS3R Pasar Bawah")
    slide.locator("input[name=title]").press("ArrowRight")  # typing keys stay in the form
    assert _current(page) == dlh
    slide.locator("select[name=owner]").select_option(str(owner.id))
    due = today + timedelta(days=14)
    slide.locator("input[name=due_date]").fill(due.isoformat())
    slide.locator("select[name=kegiatan_code]").select_option(kegiatan.code)
    slide.locator("button", has_text="Simpan keputusan").click()
    page.wait_for_url(re.compile(rf".*/rakor\?bulan={month}#slide-{dlh}$"))
    assert _current(page) == dlh
    assert "Keputusan dicatat sebagai tindak lanjut" in page.inner_text(".flash")
    assert "Percepat serah terima TPS3R Pasar Bawah" in page.inner_text(f"#followups-{dlh}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rakor-opd-1366.png"))
    page.keyboard.press("End")
    assert "Rina Kartika (PPTK DLH)" in page.inner_text("#decisions")
    with app.app_context():
        decided = db.session.scalar(select(FollowUp).where(FollowUp.rakor_month == month))
        assert (decided.owner_id, decided.due_date, decided.kegiatan_id) == (owner.id, due, kegiatan.id)
        decided_id = decided.id

    # The owner's email arrives at the SMTP server.
    run_jobs()
    (mail,) = smtp.wait_for(1)
    assert mail["to"] == ["rina.dlh@bengkulu-selatan.test"]
    assert mail["message"]["Subject"] == "[Pantau] Tindak lanjut untuk Anda: Percepat serah terima TPS3R Pasar Bawah"
    assert f"/tindak-lanjut/{decided_id}" in mail["message"].get_content()

    # Print: one page per slide; and the whole deck as a PDF.
    page.emulate_media(media="print")
    assert _visible_slides(page) == len(slides)
    page.emulate_media(media="screen")
    page.click("#make-pdf")
    run_jobs()
    page.wait_for_selector("#download-pdf:not([hidden])")
    with page.expect_download() as download:
        page.click("#download-pdf")
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(pdf.pages) == len(slides)
    assert all(round(float(p.mediabox.width)) == 842 and round(float(p.mediabox.height)) == 595 for p in pdf.pages)
    assert "Percepat serah terima TPS3R Pasar Bawah" in pdf.pages[-1].extract_text()
    page.keyboard.press("Home")
    page.screenshot(path=str(ARTIFACTS / "rakor-ringkasan-1366.png"))

    # The owner sees it under the bell, opens it, and reports it done with evidence.
    owner_context, owner_page = _login(browser, live_server, owner.username)
    owner_page.goto("/opd")
    assert owner_page.inner_text("#bell .bell-count") == "1"
    owner_page.click("#bell")
    owner_page.wait_for_url(re.compile(r".*/notifikasi$"))
    item = owner_page.locator(".notification", has_text="Percepat serah terima TPS3R Pasar Bawah")
    item.locator("button", has_text="Buka").click()
    owner_page.wait_for_url(re.compile(rf".*/tindak-lanjut/{decided_id}$"))
    assert owner_page.locator("#bell .bell-count").count() == 0
    assert "Rina Kartika (PPTK DLH)" in owner_page.inner_text("#owner")
    owner_page.click("button:has-text('Mulai kerjakan')")
    owner_page.wait_for_url(re.compile(rf".*/tindak-lanjut/{decided_id}$"))
    owner_page.fill(f"#fu{decided_id}-note", "Serah terima ditandatangani 12 Desember; TPS3R beroperasi.")
    owner_page.set_input_files(f"#fu{decided_id}-photo", files=[{
        "name": "serah-terima.jpg", "mimeType": "image/jpeg", "buffer": factories.jpeg_bytes(640, 480)}])
    owner_page.click("button:has-text('Kirim penyelesaian')")
    owner_page.wait_for_url(re.compile(rf".*/tindak-lanjut/{decided_id}$"))
    assert "Selesai" in owner_page.inner_text(".desk-head") and owner_page.inner_text("#late") == "Tidak"
    assert owner_page.errors == []
    owner_context.close()

    # Bappeda is told the work is done, and verifies it.
    page.goto("/bappeda")
    assert page.inner_text("#bell .bell-count") == "1"
    page.goto(f"/tindak-lanjut/{decided_id}")
    assert page.locator("img[alt='Foto bukti penyelesaian']").count() == 1
    page.click(f"#verify-{decided_id}")
    page.wait_for_url(re.compile(rf".*/tindak-lanjut/{decided_id}$"))
    assert "Terverifikasi" in page.inner_text(".desk-head") and page.locator("#verified").count() == 1
    with app.app_context():
        done = db.session.get(FollowUp, decided_id)
        assert (done.status, done.verified_by_id, done.completed_late) == ("verified", bappeda.id, False)
    assert page.errors == []
    context.close()
