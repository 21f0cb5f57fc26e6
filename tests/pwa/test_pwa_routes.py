"""The field app's server side: manifest, service worker, shell, offline page, asset versions."""
import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from webapp.pwa import assets

STATIC = Path(__file__).resolve().parents[2] / "static"
#: DESIGN.md: the field-app shell (HTML+CSS+JS, gzip, without Leaflet) stays under 100 KB.
SHELL_BUDGET_BYTES = 100 * 1024


def worker_constants(text: str) -> tuple[str, list[str]]:
    version = re.search(r"^const VERSION = \"([0-9a-f]+)\";", text, re.M).group(1)
    urls = json.loads(re.search(r"^const PRECACHE_URLS = (\[.*?\]);", text, re.M | re.S).group(1))
    return version, urls


# ---- manifest -----------------------------------------------------------------------------


def test_the_manifest_makes_the_app_installable_in_indonesian(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Pantau — Pemantauan Lapangan"
    assert manifest["short_name"] == "Pantau"
    assert manifest["lang"] == "id"
    assert manifest["start_url"] == "/lapangan"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b6e4f"
    assert manifest["background_color"] == "#ffffff"
    purposes = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(purposes) == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}


@pytest.mark.parametrize("name, size", [("icon-192.png", 192), ("icon-512.png", 512),
                                        ("maskable-192.png", 192), ("maskable-512.png", 512)])
def test_each_manifest_icon_exists_at_its_declared_size(client, name, size):
    response = client.get(f"/static/icons/{name}")
    assert response.status_code == 200
    response.close()
    with Image.open(STATIC / "icons" / name) as image:
        assert image.size == (size, size)


# ---- the service worker -------------------------------------------------------------------


def test_the_worker_is_served_at_the_root_with_its_version_and_precache_list(client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    text = response.get_data(as_text=True)
    version, urls = worker_constants(text)
    assert len(version) == 16
    assert text.endswith(assets.worker_source())
    for url in ("/lapangan/shell", "/offline", "/manifest.webmanifest", "/static/css/field.css",
                "/static/js/app.js", "/static/js/form-rules.js", "/static/vendor/idb/index.js",
                "/static/icons/maskable-512.png", "/static/vendor/leaflet/leaflet.js"):
        assert url in urls
    assert len(urls) == len(set(urls))


def test_the_sending_worker_is_a_module_importing_the_sync_engine_and_the_classic_one_is_not(client):
    classic = client.get("/service-worker.js").get_data(as_text=True)
    sending = client.get("/service-worker.js?send=1").get_data(as_text=True)
    assert "import " not in classic.split("\n", 3)[1] and "const SEND_OUTBOX = null;" in classic
    assert sending.splitlines()[1] == "import { runSync as SEND_OUTBOX } from '/static/js/sync.js';"
    assert worker_constants(sending) == worker_constants(classic)
    assert "/static/js/sync.js" in worker_constants(sending)[1], "what the module imports is precached"


def test_every_precached_url_answers_200_without_a_login_or_a_redirect(client):
    # One failed URL fails the whole install, and the worker installs whoever is logged in.
    _, urls = worker_constants(client.get("/service-worker.js").get_data(as_text=True))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_the_module_graph_holds_every_module_the_entry_imports(app):
    modules = assets.module_graph(STATIC)
    assert "js/app.js" in modules and "vendor/idb/index.js" in modules
    for rel in modules:
        source = (STATIC / rel).read_text(encoding="utf-8")
        for spec in re.findall(r"from '(\.[^']+|/static/[^']+)'", source):
            target = spec.removeprefix("/static/") if spec.startswith("/static/") else \
                str(Path(rel).parent / spec).replace("/./", "/").removeprefix("./")
            assert target in modules, f"{rel} imports {spec}, which is not precached"


def test_a_change_to_any_shell_file_changes_the_worker_and_nothing_else_does(app, tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy)
    monkeypatch.setattr(app, "static_folder", str(copy))
    with app.test_request_context():
        first = assets.worker_script()
        (copy / "css" / "field.css").touch()  # a new mtime, the same bytes
        assert assets.worker_script() == first
        with open(copy / "js" / "geo.js", "a", encoding="utf-8") as handle:
            handle.write("\n// a deploy\n")
        second = assets.worker_script()
    assert worker_constants(second)[0] != worker_constants(first)[0]


def test_the_kill_switch_serves_a_worker_that_clears_only_pantau_caches(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PWA_KILL_SWITCH", True)
    text = client.get("/service-worker.js").get_data(as_text=True)
    assert "VERSION" not in text
    assert "name.startsWith('pantau-')" in text and "unregister()" in text
    assert "indexedDB" not in text.replace("IndexedDB (drafts, outbox) is left untouched", "")


# ---- the shell ----------------------------------------------------------------------------


def test_the_field_app_asks_for_a_login_on_the_first_visit(client):
    response = client.get("/lapangan")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_the_cached_shell_holds_no_user_data_and_no_token(app, login_as):
    api = login_as("monitor", kecamatan_code="17.01.05")
    with app.app_context():
        from webapp.accounts.models import User
        from webapp.extensions import db

        user = db.session.get(User, api.user.id)
        user.full_name = "Siti Rahmawati Unik"
        db.session.commit()
        db.session.remove()
    for url in ("/lapangan", "/lapangan/shell"):
        response = api.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "Siti Rahmawati Unik" not in html
        assert api.user.username not in html
        assert "csrf" not in html.lower()
        assert '<script type="module" src="/static/js/app.js">' in html
    assert api.get("/lapangan").data == api.get("/lapangan/shell").data


def test_the_offline_page_points_to_the_field_app(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert 'href="/lapangan"' in response.get_data(as_text=True)


def test_the_shell_has_no_inline_script_or_style_for_the_csp(client):
    for url in ("/lapangan/shell", "/offline"):
        html = client.get(url).get_data(as_text=True)
        assert "<style" not in html
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in tag


def test_the_shell_stays_under_its_gzip_budget(app):
    with app.test_request_context():
        entries = assets.asset_manifest()
    shell = [e for e in entries if e.shell or e.url in ("/lapangan/shell",)]
    total_raw = 0
    total_gzip = 0
    for entry in shell:
        if entry.url.startswith("/static/"):
            data = (STATIC / entry.url.removeprefix("/static/")).read_bytes()
        else:
            with app.test_client() as client:
                data = client.get(entry.url).data
        total_raw += len(data)
        total_gzip += len(gzip.compress(data, compresslevel=6))
    print(f"field-app shell: {len(shell)} files, {total_raw / 1024:.1f} KB raw, {total_gzip / 1024:.1f} KB gzip "
          f"(budget {SHELL_BUDGET_BYTES // 1024} KB)")
    assert not any("leaflet" in e.url for e in shell)
    assert total_gzip < SHELL_BUDGET_BYTES


def test_every_indonesian_text_of_the_field_app_has_an_english_translation(app):
    from flask_babel import force_locale

    from webapp.vocabulary import ReviewState

    en = (STATIC / "js" / "i18n-en.js").read_text(encoding="utf-8")
    keys = set(re.findall(r"^  '((?:[^'\\]|\\.)*)':", en, re.M)) | set(re.findall(r"^  (\w+):", en, re.M))
    used = set()
    for path in (STATIC / "js").glob("*.js"):
        if path.name == "i18n-en.js":
            continue
        used |= set(re.findall(r"\bt\(\s*'((?:[^'\\]|\\.)*)'", path.read_text(encoding="utf-8")))
    ui = (STATIC / "js" / "outbox-ui.js").read_text(encoding="utf-8")
    for table in ("REASONS", "STATE_LABELS"):
        block = re.search(table + r" = \{(.*?)\n\};", ui, re.S).group(1)
        used |= {text for text in re.findall(r"'([^']+)'", block) if re.search(r'[A-Za-z]', text) and (' ' in text or text[0].isupper())}
    # The review states' labels come from the server's vocabulary (settings.review_labels).
    with force_locale("id"):
        used |= {state.label for state in ReviewState}
    assert sorted(used - keys) == []


def test_the_indexeddb_schema_steps_never_delete_or_clear_a_store():
    source = (STATIC / "js" / "store.js").read_text(encoding="utf-8")
    upgrade = re.search(r"function upgrade\(db, oldVersion\) \{(.*?)\n\}", source, re.S).group(1)
    assert "createObjectStore('outbox'" in upgrade
    assert "deleteObjectStore" not in source
    assert ".clear()" not in upgrade
    # Only the reference data (replaced by each bootstrap) is ever cleared.
    assert re.findall(r"transaction\('(\w+)', 'readwrite'\);\n\s+await tx\.store\.clear\(\)", source) == ["ref"]


def test_the_monitor_finds_the_field_app_in_the_menu(login_as):
    api = login_as("monitor", kecamatan_code="17.01.05")
    assert 'href="/lapangan"' in api.get("/beranda").get_data(as_text=True)
