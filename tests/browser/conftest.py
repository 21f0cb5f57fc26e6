"""Browser fixtures: the app on a free port in a background thread, and Debian Chromium.

The live server serves the same `app` (and so the same database) as the rest of the suite.
Service workers need a secure context; http://127.0.0.1 is one.
"""
import os
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests import factories
from tests.helpers import missing_service
from webapp.extensions import db
from webapp.submissions.models import Submission

CHROMIUM = os.environ.get("PANTAU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 360, "height": 740}
#: Where screenshots go (git-ignored).
ARTIFACTS = Path(os.environ.get("PANTAU_ARTIFACTS", "test-artifacts"))


class _ClosedResponses:
    """Buffer each response and close it at once. When a browser hangs up mid-response (the
    fault tests abort requests on purpose) werkzeug's dev server can skip closing the response,
    and the open static file then surfaces as a ResourceWarning in some later test."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        iterable = self.wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, _ClosedResponses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    yield server
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


#: One Playwright and one Chromium per test run. A test module that imports the `browser`
#: fixture by name gets a fixture definition of its own; a second sync Playwright in the same
#: thread is refused, so every definition hands out this one.
_SHARED: dict = {}


def _shared_chromium():
    if "browser" not in _SHARED:
        sync_api = pytest.importorskip("playwright.sync_api")
        if not os.path.exists(CHROMIUM):
            missing_service(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
        _SHARED["playwright"] = sync_api.sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    return _SHARED["browser"]


def pytest_sessionfinish(session, exitstatus):
    if "browser" in _SHARED:
        _SHARED.pop("browser").close()
        _SHARED.pop("playwright").stop()


@pytest.fixture(scope="session")
def browser():
    return _shared_chromium()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        geolocation={"latitude": factories.LAT, "longitude": factories.LON, "accuracy": 12},
        permissions=["geolocation"],
        accept_downloads=True,
        service_workers="allow",
    )
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    # The app runs under the real Content-Security-Policy; a violation is a bug.
    tab.on("console", lambda msg: tab.errors.append(msg.text)
           if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield tab
    assert tab.errors == [], f"JavaScript errors in the page: {tab.errors}"


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def photo_files(tmp_path):
    """Two photo files as a camera and a gallery would give them: a large JPEG and a PNG."""
    jpeg = tmp_path / "kamera.jpg"
    jpeg.write_bytes(factories.image_bytes("JPEG", size=(2400, 1800), color=(30, 120, 80), gradient=True))
    png = tmp_path / "galeri.png"
    png.write_bytes(factories.image_bytes("PNG", size=(800, 1200), color=(200, 180, 40), gradient=True))
    return [jpeg, png]


def wait_until(page, script: str, timeout: int = 20_000, interval: float = 0.1):
    """Poll a JS function until it returns truthy. (Playwright's wait_for_function evaluates
    strings with eval, which the app's Content-Security-Policy rightly forbids.)"""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(interval)


#: True once no zoom, cluster or fade animation is running (an endless spinner does not count).
#: Two animation frames pass first: Leaflet starts a zoom, and ends it, one frame after the event.
ANIMATIONS_DONE = """async () => {
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    return !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')
        && document.getAnimations().every(a => a.playState !== 'running'
                                               || a.effect.getTiming().iterations === Infinity);
}"""


def wait_for_animations(page, timeout: int = 5_000):
    """Wait until Leaflet's zoom and fade animations (CSS transitions) have finished."""
    wait_until(page, ANIMATIONS_DONE, timeout=timeout, interval=0.02)


class FieldApp:
    """What a monitor does with the field app, step by step."""

    def __init__(self, page, artifacts_dir: Path):
        self.page = page
        self.artifacts = artifacts_dir

    def wait_until(self, script: str, timeout: int = 20_000):
        return wait_until(self.page, script, timeout)

    # -- session --
    def login(self, username: str, password: str = factories.PASSWORD):
        page = self.page
        if "/masuk" not in page.url:
            page.goto("/masuk?next=/lapangan")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/lapangan.*"))
        self.wait_ready()

    def wait_ready(self):
        self.page.wait_for_selector("body[data-ready=true]")

    def wait_worker(self):
        """Until the service worker is active and controls this page (the shell is precached)."""
        self.wait_until("() => navigator.serviceWorker.ready.then(() => true)")
        self.wait_until("() => navigator.serviceWorker.controller !== null")

    def reload(self):
        response = self.page.reload()
        self.wait_ready()
        return response

    # -- state --
    def outbox_count(self) -> int:
        return self.page.evaluate("""async () => {
            const { listOutbox } = await import('/static/js/store.js');
            return (await listOutbox()).length;
        }""")

    def photo_count(self) -> int:
        return self.page.evaluate("""async () => {
            const { db } = await import('/static/js/store.js');
            return (await db()).count('photos');
        }""")

    def bar_text(self) -> str:
        return self.page.inner_text("#sync-bar")

    def wait_bar_text(self, expected: str, timeout: int = 10_000, shown: bool = True) -> str:
        """The bar once it shows `expected` (or, with `shown=False`, once it no longer does): the
        outbox's state is written before the bar is redrawn, so a test that waited on the state,
        or on a dialog closing, must still wait for the words."""
        deadline = time.monotonic() + timeout / 1000
        while (expected in (text := self.bar_text())) is not shown:
            assert time.monotonic() < deadline, f"the sync bar {'never showed' if shown else 'kept'} {expected!r}: {text!r}"
            self.page.wait_for_timeout(50)
        return text

    def sync(self):
        self.page.click("#sync-bar .sync-button")
        self.wait_until("() => document.querySelector('#sync-bar').dataset.tone !== 'busy'")

    def sync_until_empty(self, timeout: int = 30_000):
        self.sync()
        self.wait_until(
            """async () => {
                const { listOutbox } = await import('/static/js/store.js');
                return (await listOutbox()).length === 0;
            }""", timeout=timeout)
        self.wait_until("() => document.querySelector('#sync-bar').dataset.tone === 'ok'")

    def shoot(self, name: str):
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"))

    # -- forms --
    def start(self, form: str):
        self.page.goto("/lapangan#/") if "/lapangan" not in self.page.url else None
        self.page.click(f".form-tile[data-form={form}]")
        self.page.wait_for_selector("#submit-draft")

    def pick_site(self, name: str):
        page = self.page
        page.fill("#site-search", name)
        page.click(f".site-option:has-text('{name}')")
        page.wait_for_selector(f".site-card:has-text('{name}')")

    def answer(self, field: str, choice: str):
        """Tap a big choice button (yes/no, short option lists)."""
        self.page.click(f"[data-path='answers.{field}'] .fr-choice:has-text('{choice}')")

    def fill(self, path: str, value: str):
        self.page.fill(f"[data-path='{path}'] input, [data-path='{path}'] textarea", value)

    def select(self, path: str, value: str):
        self.page.select_option(f"[data-path='{path}'] select", value)

    def add_photos(self, field: str, files, via: str = "gallery"):
        before = self.page.locator(f"[data-path='answers.{field}'] .fr-thumb").count()
        selector = f"#f-answers-{field}-gallery" if via == "gallery" else f"#f-answers-{field}-in"
        self.page.set_input_files(selector, [str(f) for f in files])
        self.wait_until(
            f"() => document.querySelectorAll(\"[data-path='answers.{field}'] .fr-thumb img\").length >= {before + len(files)}")

    def fill_geber_check(self, site_name: str, photos, clean: bool = True):
        self.start("geber_cek")
        self.pick_site(site_name)
        yes_good = {"sampah_berserakan": "Tidak", "tempat_sampah": "Ya", "sampah_dipilah": "Ya",
                    "sampah_diangkut": "Ya", "drainase_lancar": "Ya", "pembakaran_sampah": "Tidak",
                    "genangan_air": "Tidak", "halaman_terawat": "Ya", "jadwal_piket": "Ya"}
        flip = {"Ya": "Tidak", "Tidak": "Ya"}
        for field, choice in yes_good.items():
            self.answer(field, choice if clean else flip[choice])
        self.fill("answers.catatan", "Halaman bersih, tempat sampah terpilah.")
        if photos:
            self.add_photos("foto", photos[:1], via="camera")
            if len(photos) > 1:
                self.add_photos("foto", photos[1:], via="gallery")

    def fill_monev_visit(self, site_name: str, kegiatan_code: str):
        self.start("monev_kunjungan")
        self.pick_site(site_name)
        self.select("answers.kegiatan", kegiatan_code)
        self.fill("answers.progres_fisik", "45,5")
        self.answer("status", "Berisiko")
        self.page.click("[data-path='answers.risiko'] button:has-text('Tambah baris')")
        self.select("answers.risiko.0.kategori", "cuaca")
        self.fill("answers.risiko.0.uraian", "Hujan deras dua minggu; pengecoran tertunda.")
        self.answer("risiko.0.tingkat", "Sedang")

    def submit(self):
        self.page.click("#submit-draft")
        self.page.wait_for_selector(".flash:has-text('Tersimpan di antrean')")


@pytest.fixture
def field_app(page, artifacts):
    return FieldApp(page, artifacts)


# ---- the field app's world and the set check of DESIGN.md ------------------------------


def queued_uuids(field_app) -> set[str]:
    return set(field_app.page.evaluate("""async () => {
        const { listOutbox } = await import('/static/js/store.js');
        return (await listOutbox()).map((item) => item.uuid);
    }"""))


def server_state(app, user_id: int) -> dict:
    """Submission UUID -> (count of rows, attachment states) for one user."""
    with app.app_context():
        rows = db.session.execute(
            select(Submission.uuid, func.count()).where(Submission.user_id == user_id).group_by(Submission.uuid)
        ).all()
        states = {}
        for submission in db.session.scalars(select(Submission).where(Submission.user_id == user_id)):
            states[str(submission.uuid)] = (submission.status, sorted(a.state for a in submission.attachments))
        result = {str(uuid): (count, states[str(uuid)]) for uuid, count in rows}
        db.session.remove()
    return result


def set_check(sent: set[str], server: dict) -> dict:
    """Lost, duplicated and unexpected UUIDs, as the fault tests report them."""
    figures = {
        "lost": sorted(sent - set(server)),
        "duplicated": sorted(u for u, (count, _) in server.items() if count > 1),
        "unexpected": sorted(set(server) - sent),
    }
    print(f"set check: sent={len(sent)} stored={len(server)} "
          f"lost={len(figures['lost'])} duplicated={len(figures['duplicated'])} unexpected={len(figures['unexpected'])}")
    return figures


def monitor_with_sites(make_user, make_site, make_kegiatan):
    user = make_user(role="monitor", kecamatan_code=factories.KOTA_MANNA)
    school = make_site(name="SD Negeri 7 Kota Manna", kind="sekolah")
    market = make_site(name="Pasar Bawah Manna", kind="pasar", lat=factories.LAT - 0.004, lon=factories.LON + 0.003)
    kegiatan = make_kegiatan(sites=[market], code="DLH-01", name="Pembangunan TPS3R Pasar Bawah")
    return user, school, market, kegiatan
