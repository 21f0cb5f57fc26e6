"""Script payloads in every user-typed field, rendered in every page and popup of a real browser.

A world is built through the app's own services (sync ingest, photo intake, review, follow-ups,
form publishing) with a hostile string in every field a person types: user full names, site
names, programme and activity names, answers (catatan, uraian, output_keterangan, risk
descriptions, rekomendasi), review notes, follow-up titles, descriptions and resolutions, report
job messages and file names, and the title, a label and an option of a published form version.
Each hostile string is a label ("Lokasi-A") and a payload (`<img src=x onerror=…>`,
`<script>`, `"><svg onload=…>`, `javascript:` URLs, template syntax).

Then each role (and the anonymous visitor) opens every HTML page the URL map has without
arguments, the detail page of every object made, the map with each hostile site's popup
open, the public map, and the field app's home, "Kiriman saya", site picker, activity choice
and the hostile form. On every page: no dialog opened, `window.__xss` is unset, no CSP
violation was reported, no element carries an event-handler attribute or a `javascript:` URL,
no inline script element exists, and the hostile strings show as literal text where the page
shows them.
"""
import copy
import hashlib
import itertools
import re
import uuid as uuidlib
from urllib.parse import urlsplit
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import ARTIFACTS, VIEWPORT, wait_for_animations, wait_until
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import create_followup, today_wib, transition
from webapp.forms.models import Form, FormVersion
from webapp.forms.services import publish_version
from webapp.monev.models import Program
from webapp.reports.models import ReportJob
from webapp.review.services import review
from webapp.submissions.intake import accept_batch, accept_photo
from webapp.submissions.models import Submission
from webapp.submissions.site_status import refresh_site_status

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "'><img src=x onerror=alert(document.domain)>",
    "javascript:window.__xss=1//",
    "</textarea><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">klik</a>',
    "{{7*7}} ${7*7} {name} %(name)s",
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<details open ontoggle=window.__xss=1>",
)

#: Label -> the hostile text stored under it. The labels say which field a text came from.
LABELS = ("Petugas", "Camat", "Bappeda", "OPD", "Admin", "Lokasi-A", "Lokasi-B", "Program", "Kegiatan",
          "Indikator", "Keluaran", "Catatan", "Ulasan", "Keterangan", "Risiko", "Rekomendasi", "Uraian",
          "TL-judul", "TL-uraian", "TL-selesai", "TL-batal", "Laporan-pesan", "Laporan-berkas",
          "Formulir", "Isian", "Pilihan")
HOSTILE = {label: f"{label} {PAYLOADS[i % len(PAYLOADS)]}" for i, label in enumerate(LABELS)}

ROLES = ("anonymous", "monitor", "camat", "opd", "bappeda", "admin")

#: Hostile texts each role must have seen literally somewhere on its pages.
MUST_SEE = {
    "anonymous": {"Lokasi-A"},
    "monitor": {"Petugas", "Lokasi-A", "Lokasi-B", "Ulasan", "Kegiatan", "Formulir", "Isian", "Pilihan"},
    "camat": {"Camat", "Petugas", "Lokasi-A", "Catatan", "Ulasan", "Uraian", "TL-judul", "TL-uraian", "TL-selesai",
              "Laporan-pesan", "Laporan-berkas"},
    "opd": {"OPD", "Lokasi-B", "Kegiatan", "Rekomendasi", "TL-batal"},
    "bappeda": {"Bappeda", "Camat", "Petugas", "Lokasi-A", "Lokasi-B", "Kegiatan", "Catatan", "Ulasan", "Keterangan",
                "Risiko", "Rekomendasi", "Uraian", "TL-judul", "TL-uraian", "TL-selesai", "TL-batal",
                "Laporan-pesan", "Laporan-berkas", "Formulir"},
    "admin": {"Admin", "Petugas", "Lokasi-A", "Lokasi-B", "Kegiatan", "Rekomendasi", "TL-judul", "TL-batal",
              "Laporan-pesan", "Laporan-berkas", "Formulir"},
}

#: Armed before any page script: a payload that runs sets window.__xss or opens a dialog; a
#: payload the CSP stops leaves a violation report.
WATCH = """(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
    });
})();"""

#: What a page shows and what it must not contain.
INSPECT = """() => {
    const skip = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT']);
    const parts = [];
    const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!skip.has(node.parentNode.nodeName)) parts.push(node.nodeValue);
    }
    const all = [...document.querySelectorAll('*')];
    const handlers = all.filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name)))
        .map((el) => el.outerHTML.slice(0, 160));
    const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href'];
    const jsUrls = all.filter((el) => el.hasAttribute('srcdoc')
        || urlAttributes.some((name) => /^\\s*javascript:/i.test(el.getAttribute(name) || '')))
        .map((el) => el.outerHTML.slice(0, 160));
    const inline = [...document.querySelectorAll('script')].filter((s) => !s.src && s.type !== 'application/json')
        .map((s) => s.outerHTML.slice(0, 160));
    const frames = [...document.querySelectorAll('iframe, object, embed, frame')].map((el) => el.outerHTML.slice(0, 160));
    return { xss: window.__xss === undefined ? null : String(window.__xss), csp: window.__csp || [],
             handlers, jsUrls, inline, frames, text: parts.join(''), title: document.title };
}"""


# ---- the hostile world ------------------------------------------------------------------


@pytest.fixture
def hostile(app, run_jobs):
    """Every user-typed field filled with a payload, made through the app's own services."""
    with app.app_context():
        # The form table is reference data kept between tests: its title is put back at the end
        # (the published version itself goes with the test's data).
        original_title = db.session.scalar(select(Form.title).where(Form.code == "geber_aksi"))
    try:
        yield _build_hostile_world(app, run_jobs)
    finally:
        with app.app_context():
            db.session.scalar(select(Form).where(Form.code == "geber_aksi")).title = original_title
            db.session.commit()
            db.session.remove()


def _build_hostile_world(app, run_jobs) -> SimpleNamespace:
    with app.app_context():
        users = {}
        for role, label in (("monitor", "Petugas"), ("camat", "Camat"), ("opd", "OPD"), ("bappeda", "Bappeda"),
                            ("admin", "Admin")):
            kecamatan = factories.KOTA_MANNA if role in ("monitor", "camat") else None
            user = factories.make_user(role, kecamatan_code=kecamatan)
            user.full_name = HOSTILE[label]
            users[role] = user
        db.session.commit()
        site_a = factories.make_site(name=HOSTILE["Lokasi-A"], kind="sekolah")
        site_b = factories.make_site(name=HOSTILE["Lokasi-B"], kind="pasar", lat=factories.LAT - 0.003,
                                     lon=factories.LON + 0.002)
        kegiatan = factories.make_kegiatan("DLH", sites=[site_b], name=HOSTILE["Kegiatan"],
                                           planned_output=HOSTILE["Keluaran"])
        kegiatan.target_indicator = HOSTILE["Indikator"]
        db.session.get(Program, kegiatan.program_id).name = HOSTILE["Program"]
        db.session.commit()

        monitor = users["monitor"]
        photo = factories.jpeg_bytes(color=(40, 140, 90))
        photo_uuids = [str(uuidlib.uuid4()) for _ in range(3)]

        def declared(n):
            return [{"uuid": photo_uuids[n], "field": "foto", "sha256": hashlib.sha256(photo).hexdigest(),
                     "bytes": len(photo), "content_type": "image/jpeg"}]

        now = datetime.now(timezone.utc)
        passing = {"sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True, "sampah_diangkut": True,
                   "drainase_lancar": True, "pembakaran_sampah": False, "genangan_air": False,
                   "halaman_terawat": True, "jadwal_piket": False}
        where = {"lat": factories.LAT, "lon": factories.LON, "accuracy_m": 9}
        items = [
            {"uuid": str(uuidlib.uuid4()), "form": "geber_cek", "form_version": 1, "recorded_at": iso(now, hours=30),
             "location": where, "site": {"uuid": str(site_a.uuid)},
             "answers": {**passing, "catatan": HOSTILE["Catatan"], "foto": [photo_uuids[0]]},
             "attachments": declared(0)},
            {"uuid": str(uuidlib.uuid4()), "form": "geber_cek", "form_version": 1, "recorded_at": iso(now, hours=5),
             "location": where, "site": {"uuid": str(site_a.uuid)},
             "answers": {**passing, "sampah_berserakan": True, "foto": [photo_uuids[1]]},
             "attachments": declared(1)},
            {"uuid": str(uuidlib.uuid4()), "form": "monev_kunjungan", "form_version": 1, "recorded_at": iso(now, hours=4),
             "location": {**where, "lat": factories.LAT - 0.003, "lon": factories.LON + 0.002},
             "site": {"uuid": str(site_b.uuid)},
             "answers": {"kegiatan": kegiatan.code, "progres_fisik": 35.5, "realisasi_anggaran": 120_000_000,
                         "output_keterangan": HOSTILE["Keterangan"], "status": "at_risk",
                         "risiko": [{"kategori": "cuaca", "uraian": HOSTILE["Risiko"], "tingkat": "tinggi"}],
                         "rekomendasi": HOSTILE["Rekomendasi"], "penanggung_jawab": "DLH",
                         "tenggat": (today_wib() + timedelta(days=14)).isoformat()}},
            {"uuid": str(uuidlib.uuid4()), "form": "geber_aksi", "form_version": 1, "recorded_at": iso(now, hours=3),
             "location": where, "site": {"uuid": str(site_a.uuid)},
             "answers": {"tanggal": today_wib().isoformat(), "jenis_kegiatan": "kerja_bakti", "peserta": 25,
                         "uraian": HOSTILE["Uraian"], "foto": [photo_uuids[2]]},
             "attachments": declared(2)},
        ]
        outcome = accept_batch(db.session.get(User, monitor.id), items)
        assert [r.status for r in outcome.results] == ["created"] * 4, [r.errors for r in outcome.results]
        for attachment in photo_uuids:
            accept_photo(db.session.get(User, monitor.id), uuidlib.UUID(attachment), photo)
        check, returned, visit, action = (
            db.session.scalar(select(Submission).where(Submission.uuid == uuidlib.UUID(item["uuid"]))) for item in items)

        camat, bappeda, opd = users["camat"], users["bappeda"], users["opd"]
        review(bappeda, check, "approve")
        review(camat, returned, "return", note=HOSTILE["Ulasan"])
        review(bappeda, visit, "approve")  # its rekomendasi becomes a follow-up for DLH
        done = create_followup(bappeda, {"title": HOSTILE["TL-judul"], "description": HOSTILE["TL-uraian"],
                                         "assignee_kecamatan_id": site_a.kecamatan_id, "site_id": site_a.id,
                                         "due_date": today_wib() + timedelta(days=7)})
        transition(camat, done, "start")
        transition(camat, done, "complete", note=HOSTILE["TL-selesai"], photo=factories.jpeg_bytes(color=(200, 160, 40)))
        cancelled = create_followup(bappeda, {"title": "Pengecatan ulang bak sampah", "assignee_opd_id": opd.opd_id,
                                              "kegiatan_id": kegiatan.id, "due_date": today_wib() + timedelta(days=3)})
        transition(bappeda, cancelled, "cancel", note=HOSTILE["TL-batal"])
        # An admin publishes a form version whose title, a label and an option are hostile.
        latest = db.session.scalar(select(FormVersion).join(Form).where(Form.code == "geber_aksi")
                                   .order_by(FormVersion.version.desc()).limit(1))
        doc = copy.deepcopy(latest.definition)
        doc["version"] = latest.version + 1
        doc["title"]["id"] = HOSTILE["Formulir"]
        doc["fields"][0]["label"]["id"] = HOSTILE["Isian"]
        kinds = next(f for f in doc["fields"] if f["name"] == "jenis_kegiatan")
        kinds["options"][0]["label"]["id"] = HOSTILE["Pilihan"]
        hostile_version = publish_version(doc, users["admin"])
        # Report jobs as the app writes them, with a hostile error message and file name.
        for owner, (state, fields) in itertools.product(
                (camat, bappeda, users["admin"]),
                (("failed", {"message": HOSTILE["Laporan-pesan"]}),
                 ("ready", {"result_name": HOSTILE["Laporan-berkas"], "result_key": "laporan/x.csv", "progress": 100}))):
            db.session.add(ReportJob(kind="submissions", user_id=owner.id, state=state, **fields, params={
                "form_version_id": hostile_version.id, "format": "csv", "start": None, "end": None,
                "kecamatan_id": None, "approved_only": False}))
        db.session.commit()
        refresh_site_status(site_a.id, site_b.id)
        db.session.commit()
        world = SimpleNamespace(
            users={role: (u.id, u.username) for role, u in users.items()},
            sites={"A": str(site_a.uuid), "B": str(site_b.uuid)},
            submissions={"check": str(check.uuid), "returned": str(returned.uuid), "visit": str(visit.uuid),
                         "action": str(action.uuid)},
            followups={"visit": db.session.scalar(select(FollowUp.id).where(FollowUp.source_submission_id == visit.id)),
                       "done": done.id, "cancelled": cancelled.id},
        )
        db.session.remove()
    run_jobs()
    return world


def iso(now, hours: float) -> str:
    return (now - timedelta(hours=hours)).isoformat()


# ---- what each page is expected to show --------------------------------------------------


def expected_on(world, step: str, role: str) -> set[str]:
    """The hostile texts a page must show literally when the role may open it (HTTP 200)."""
    s, f = world.submissions, world.followups
    return {
        f"/tinjauan/{s['check']}": {"Lokasi-A", "Petugas", "Catatan", "Bappeda"},
        f"/tinjauan/{s['returned']}": {"Lokasi-A", "Ulasan", "Camat"},
        f"/tinjauan/{s['visit']}": {"Lokasi-B", "Kegiatan", "Keterangan", "Risiko", "Rekomendasi", "Bappeda"},
        f"/tinjauan/{s['action']}": {"Lokasi-A", "Uraian"},
        f"/tindak-lanjut/{f['visit']}": {"Rekomendasi", "Kegiatan", "Lokasi-B"},
        f"/tindak-lanjut/{f['done']}": {"TL-judul", "TL-uraian", "TL-selesai", "Lokasi-A", "Camat", "Bappeda"},
        f"/tindak-lanjut/{f['cancelled']}": {"TL-batal", "Kegiatan"},
        f"/lokasi/{world.sites['A']}": {"Lokasi-A", "Petugas", "Ulasan"},
        f"/lokasi/{world.sites['B']}": {"Lokasi-B", "Kegiatan"},
        "popup Lokasi-A": {"Lokasi-A"},
        "popup Lokasi-B": {"Lokasi-B"},
        "public popup Lokasi-A": {"Lokasi-A"},
        # An OPD sees only the report jobs it asked for itself; the hostile ones are Bappeda's.
        "/laporan": set() if role == "opd" else {"Laporan-pesan", "Laporan-berkas"},
        "field app home": {"Petugas", "Formulir"},
        "field app kiriman saya": {"Lokasi-A", "Lokasi-B", "Ulasan"},
        "field app site picker": {"Lokasi-A", "Lokasi-B"},
        "field app activity choice": {"Lokasi-B", "Kegiatan"},
        "field app hostile form": {"Formulir", "Isian", "Pilihan"},
    }.get(step, set())


# ---- the visit ----------------------------------------------------------------------------


class Visit:
    """One role's browser, with every check of one page in `inspect`."""

    def __init__(self, browser, live_server, world, role):
        self.world = world
        self.role = role
        self.context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="id-ID",
                                           timezone_id="Asia/Jakarta", service_workers="allow")
        self.context.set_default_timeout(20_000)
        # No internet: the CDN and the tile server do not answer.
        self.context.route(re.compile(r"^https://unpkg\.com/.*"), lambda route: route.abort("internetdisconnected"))
        self.context.route(re.compile(r"^https://[a-z.]*tile\.openstreetmap\.org/.*"),
                           lambda route: route.abort("internetdisconnected"))
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.dialogs, self.console_csp, self.page_errors = [], [], []
        self.page.on("dialog", lambda d: (self.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        self.page.on("console", lambda m: self.console_csp.append(m.text)
                     if m.type == "error" and "Content Security Policy" in m.text else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self.seen: set[str] = set()
        self.steps: list[str] = []

    def login(self):
        if self.role == "anonymous":
            return
        page = self.page
        page.goto("/masuk")
        page.fill("#username", self.world.users[self.role][1])
        page.fill("#password", factories.PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/beranda$"))
        self.inspect("/beranda (after login)")

    def goto(self, url: str) -> int | None:
        response = self.page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            return None
        # Pages that draw with JavaScript settle first: the map once its data is in, the field
        # app once it has opened its store and tried to sync.
        if self.page.locator("#map-app").count():
            wait_until(self.page, "() => document.querySelector('#map-app').dataset.state === 'ready'")
            wait_until(self.page, "() => ['ready', 'failed'].includes(document.querySelector('#map-app').dataset.map)")
        elif self.page.locator("#sync-bar").count():
            self.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        self.inspect(url, response.status)
        return response.status

    def inspect(self, step: str, status: int = 200):
        found = self.page.evaluate(INSPECT)
        self.steps.append(step)
        where = f"{self.role} at {step} ({self.page.url})"
        assert self.dialogs == [], f"{where}: a dialog opened: {self.dialogs}"
        assert found["xss"] is None, f"{where}: a payload ran (window.__xss = {found['xss']})"
        assert found["csp"] == [] and self.console_csp == [], f"{where}: CSP violations {found['csp']} {self.console_csp}"
        assert found["handlers"] == [], f"{where}: elements with event-handler attributes: {found['handlers']}"
        assert found["jsUrls"] == [], f"{where}: javascript: URLs or srcdoc: {found['jsUrls']}"
        assert found["inline"] == [], f"{where}: inline script elements: {found['inline']}"
        assert found["frames"] == [], f"{where}: frames or embeds: {found['frames']}"
        assert self.page_errors == [], f"{where}: JavaScript errors: {self.page_errors}"
        shown = {label for label, text in HOSTILE.items() if text in found["text"] or text in found["title"]}
        self.seen |= shown
        if status == 200 and (step.startswith(("popup", "public", "field")) or urlsplit(self.page.url).path == step):
            missing = expected_on(self.world, step, self.role) - shown
            assert not missing, f"{where}: these typed texts are not shown literally: {sorted(missing)}"

    def shoot(self, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        wait_for_animations(self.page)
        self.page.screenshot(path=str(ARTIFACTS / f"xss-{self.role}-{name}.png"))

    # -- maps: every hostile site's popup --
    def map_popups(self, url: str, prefix: str, names: list[str]):
        if self.goto(url) != 200 or not self.page.locator("#map-app").count():
            return
        page = self.page
        for name in names:
            label = name.split(" ", 1)[0]
            button = page.locator("#site-list-body button", has_text=HOSTILE[label])
            if not button.count():
                continue
            button.first.click()
            page.locator(".leaflet-popup .popup-title", has_text=HOSTILE[label]).wait_for()
            page.locator("#site-panel .panel-title", has_text=HOSTILE[label]).wait_for()
            self.inspect(f"{prefix}popup {label}")
            if label == "Lokasi-A" and self.role in ("anonymous", "bappeda"):
                self.shoot(f"{prefix.strip() or 'peta'}-popup")

    # -- the field app --
    def field_app(self):
        page = self.page
        if self.goto("/lapangan") != 200:
            return
        if self.role != "monitor":
            self.inspect("field app (not a monitor)")
            return
        self.inspect("field app home")
        page.click(".tabbar a[data-tab=mine]")
        page.wait_for_selector(".mine-item.review-returned")
        self.inspect("field app kiriman saya")
        self.shoot("kiriman-saya")

        page.click(".tabbar a[data-tab=home]")
        page.click(".form-tile[data-form=geber_cek]")
        page.fill("#site-search", "Lokasi-")
        page.locator(".site-option", has_text=HOSTILE["Lokasi-B"]).wait_for()
        self.inspect("field app site picker")
        self.shoot("pemilih-lokasi")

        page.click(".back-link")
        page.click(".form-tile[data-form=monev_kunjungan]")
        page.fill("#site-search", "Lokasi-B")
        page.locator(".site-option", has_text=HOSTILE["Lokasi-B"]).click()
        page.wait_for_selector("[data-path='answers.kegiatan'] select")
        self.inspect("field app activity choice")

        page.click(".back-link")
        page.click(".form-tile[data-form=geber_aksi]")
        page.wait_for_selector("#submit-draft")
        self.inspect("field app hostile form")

    def close(self):
        self.context.close()


#: Routes that answer with a file to save (a template, an export): the browser downloads them, no page to inspect.
DOWNLOADS = (".xlsx", ".csv", ".zip", ".pdf", "/pdf", ".geojson")


def html_routes(app) -> list[str]:
    """Every GET page of the URL map that takes no arguments (the API, static files and downloads aside)."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments
                   and not rule.rule.startswith(("/api/", "/static/")) and not rule.rule.endswith(DOWNLOADS)})


@pytest.mark.parametrize("role", ROLES)
def test_no_typed_text_runs_as_script_on_any_page_the_role_can_open(app, browser, live_server, hostile, role):
    visit = Visit(browser, live_server, hostile, role)
    try:
        visit.login()
        for url in html_routes(app):
            visit.goto(url)
        for uuid in hostile.submissions.values():
            visit.goto(f"/tinjauan/{uuid}")
        for followup_id in hostile.followups.values():
            visit.goto(f"/tindak-lanjut/{followup_id}")
        for uuid in hostile.sites.values():
            visit.goto(f"/lokasi/{uuid}")
        if role == "bappeda":
            visit.goto(f"/tinjauan/{hostile.submissions['visit']}")
            visit.shoot("tinjauan")
        visit.map_popups("/peta", "", ["Lokasi-A", "Lokasi-B"])
        visit.map_popups("/publik", "public ", ["Lokasi-A"])
        visit.field_app()

        missing = {label for label in MUST_SEE[role] if label not in visit.seen}
        print(f"{role}: {len(visit.steps)} pages and popups checked, {len(visit.seen)} typed texts seen literally")
        assert not missing, f"{role} never saw these typed texts shown literally: {sorted(missing)}"
    finally:
        visit.close()
