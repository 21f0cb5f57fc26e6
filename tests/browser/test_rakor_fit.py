"""Rakor slides fit a 1024×768 projector: no slide of a full deck (an OPD with many kegiatan behind
plan, many risks and many open follow-ups) scrolls, across or down; what does not fit the OPD's
slide goes on to its next one (risks and follow-ups), and each list shows its worst rows and says how many
more there are. Screenshots at 1024×768 and 1366×768 are kept in test-artifacts."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, browser, live_server  # noqa: F401
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan
from webapp.opd_reports import services as opd_reports
from webapp.rakor import services as rakor

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MONTH = "2026-06"
ROWS = 11
RISKS = [("pengadaan", "tinggi"), ("lahan", "sedang"), ("cuaca", "rendah")]


def _full_opd(app, make_user, make_kegiatan, add_submission, add_followup):
    """DLH with ROWS kegiatan behind plan (long names), a risk or three on each, ROWS open follow-ups."""
    reporter = make_user("opd", opd_code="DLH")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        user = db.session.get(User, reporter.id)
        user.full_name = "Rina Kartika Sari, S.T., M.Eng. (PPTK Bidang Persampahan)"
        db.session.commit()
    for n in range(ROWS):
        kegiatan = make_kegiatan("DLH", code=f"1.03.01.2.01.00{n + 10}", year=2026, pagu=750_000_000,
                                 name=f"Pembangunan Tempat Pengolahan Sampah Terpadu Reduce Reuse Recycle Desa {n + 1}")
        with app.app_context():
            opd_reports.save_report(db.session.get(User, reporter.id), db.session.get(Kegiatan, kegiatan.id), 2026, 6,
                                    {"realisation_rp": 50_000_000, "physical_pct": 5.0 + n}, submit=True,
                                    today=date(2026, 6, 28))
            db.session.commit()
        risks = [{"kategori": c, "tingkat": t, "uraian": "Penyedia terlambat mendatangkan material dan alat berat "
                  "karena akses jalan ke lokasi rusak setelah hujan deras"} for c, t in RISKS[:1 + n % 3]]
        add_submission(monitor, None, form="monev_kunjungan", review_state="approved", kegiatan=kegiatan,
                       recorded_at=datetime(2026, 6, 20, 3, 0, tzinfo=timezone.utc),
                       answers={"kegiatan": kegiatan.code, "progres_fisik": 5.0, "realisasi_anggaran": 1,
                                "status": "terlambat", "risiko": risks})
        fid = add_followup(opd_code="DLH", due=date(2026, 6, 10) + timedelta(days=3 * n),
                           title=f"Percepat serah terima dan pemanfaatan TPS3R bersama kelompok masyarakat desa {n + 1}")
        with app.app_context():
            db.session.get(FollowUp, fid).owner_id = reporter.id
            db.session.commit()


def _full_deck(app, make_user, make_kegiatan, add_followup):
    """A full ranking slide (RANKING_ROWS OPDs with kegiatan) and full decision slides (more than DECISION_ROWS
    decisions of this Rakor and of the previous one, long titles, named owners)."""
    from webapp.accounts.opds import STANDARD_OPDS

    others = [code for code, _short, _name in STANDARD_OPDS if code != "DLH"][:rakor.RANKING_ROWS - 1]
    for n, code in enumerate(others):
        reporter = make_user("opd", opd_code=code)
        kegiatan = make_kegiatan(code, code=f"2.0{n}.01.2.01.0001", year=2026, pagu=500_000_000,
                                 name="Peningkatan Jalan Lingkungan dan Drainase Permukiman Perdesaan")
        with app.app_context():
            opd_reports.save_report(db.session.get(User, reporter.id), db.session.get(Kegiatan, kegiatan.id), 2026, 6,
                                    {"realisation_rp": 200_000_000, "physical_pct": 30.0 + n}, submit=True,
                                    today=date(2026, 6, 28))
            db.session.commit()
    owner = make_user("opd", opd_code="PUPR")
    for month in ("2026-05", MONTH):
        for n in range(rakor.DECISION_ROWS + 3):
            fid = add_followup(opd_code="PUPR", due=date(2026, 6, 1) + timedelta(days=4 * n),
                               title=f"Percepat penyelesaian kontrak dan serah terima pekerjaan jalan ruas {month}-{n + 1}")
            with app.app_context():
                followup = db.session.get(FollowUp, fid)
                followup.rakor_month, followup.owner_id = month, owner.id
                db.session.commit()


def _overflows(page) -> list[str]:
    """The slides whose content does not fit the window, each with how far it goes beyond."""
    return page.evaluate("""async () => {
        const found = [];
        const slides = [...document.querySelectorAll('.slide')];
        for (let i = 0; i < slides.length; i++) {
            document.dispatchEvent(new KeyboardEvent('keydown', {key: i === 0 ? 'Home' : 'ArrowRight'}));
            await new Promise(requestAnimationFrame);
            const slide = slides[i];
            const doc = document.documentElement;
            let bottom = 0, right = 0, lowest = '';
            for (const el of slide.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                // What a closed <details> holds is laid out but not shown.
                if ((box.width === 0 && box.height === 0) || !el.checkVisibility()) continue;
                if (box.bottom > bottom) lowest = el.tagName + '.' + el.className;
                bottom = Math.max(bottom, box.bottom); right = Math.max(right, box.right);
            }
            const tall = Math.max(doc.scrollHeight - innerHeight, bottom - innerHeight);
            const wide = Math.max(doc.scrollWidth - innerWidth, right - innerWidth);
            if (tall > 0 || wide > 0) found.push(`${slide.id}: ${Math.ceil(tall)} px too tall (${lowest}), ${Math.ceil(wide)} px too wide`);
        }
        return found;
    }""")


def _deck(browser, live_server, username, viewport):  # noqa: F811
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="block")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/masuk")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(beranda|lapangan).*"))
    page.goto(f"/rakor?bulan={MONTH}")
    page.wait_for_selector(".slide.is-current")
    return context, page


def test_no_slide_overflows_a_1024_by_768_projector(app, browser, live_server, make_user, make_kegiatan,  # noqa: F811
                                                    add_submission, add_followup):
    _full_opd(app, make_user, make_kegiatan, add_submission, add_followup)
    _full_deck(app, make_user, make_kegiatan, add_followup)
    bappeda = make_user("bappeda")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (1024, 1366):
        context, page = _deck(browser, live_server, bappeda.username, {"width": width, "height": 768})
        slides = page.evaluate("() => [...document.querySelectorAll('.slide')].map(s => s.id)")
        dlh = page.evaluate("() => document.querySelector('[data-kegiatan=\"1.03.01.2.01.0010\"]').closest('.slide').id")
        opd_slides = [dlh]
        for sid in ("ringkasan", "peringkat-opd", opd_slides[0], f"{opd_slides[0]}-lanjutan", "geber", "rakor-lalu",
                    "keputusan"):
            page.keyboard.press("Home")
            while page.evaluate("() => document.querySelector('.slide.is-current').id") != sid:
                page.keyboard.press("ArrowRight")
            page.screenshot(path=str(ARTIFACTS / f"rakor-fit-{width}-{sid}.png"))
        overflowing = _overflows(page)
        # The OPD's worst rows are shown whole, and each list says how many more there are.
        text = page.evaluate("() => document.getElementById('deck').textContent")
        rows = page.evaluate("""() => [...document.querySelectorAll('table.behind td:first-child, [id^=followups-opd] td:first-child')]
            .map(td => td.firstChild.nodeType === 3 ? td.firstChild.textContent : td.textContent)""")
        context.close()
        assert overflowing == [], f"at {width}×768: {overflowing}"
        shown = rakor.SLIDE_ROWS
        for n in range(1, ROWS + 1):
            assert any(row.strip().endswith(f"Recycle Desa {n}") for row in rows) == (n <= shown), (n, rows)
            assert any(row.strip().endswith(f"masyarakat desa {n}") for row in rows) == (n <= shown), (n, rows)
        risks = sum(1 + n % 3 for n in range(ROWS))
        assert text.count("karena akses jalan ke lokasi rusak") == shown
        assert text.count(f"dan {ROWS - shown} lainnya") == 2 and f"dan {risks - shown} lainnya" in text
