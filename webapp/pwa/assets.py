"""The app shell the service worker precaches, and the worker script versioned by its content.

The precache list is derived from the files themselves: the ES modules are found by following
the imports of the entry module, and every entry carries the sha256 of its bytes. VERSION is a
hash of that list, so any deploy that changes a shell file changes the worker's bytes, the
browser installs the new worker, and no cache name is ever bumped by hand.
"""
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template

from webapp.config import BASE_DIR

WORKER_SOURCE = BASE_DIR / "service-worker.js"
NULL_WORKER_SOURCE = Path(__file__).with_name("null-worker.js")

#: The entry module of the field app; its imports are followed to list every module.
ENTRY_MODULE = "js/app.js"
#: Static files the shell needs besides the modules (paths under the static folder).
SHELL_STATIC = (
    "css/app.css",
    "css/field.css",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-192.png",
    "icons/maskable-512.png",
    "icons/favicon-32.png",
    "icons/apple-touch-icon.png",
)
#: Precached for the map pages but not part of the field app shell's size budget.
EXTRA_STATIC_DIRS = ("vendor/leaflet",)
EXTRA_SUFFIXES = (".js", ".css", ".png")
#: Pages rendered into the shell: (URL, template). Neither may contain per-user data.
SHELL_PAGES = (("/lapangan/shell", "pwa/field.html"), ("/offline", "pwa/offline.html"))
MANIFEST_URL = "/manifest.webmanifest"

_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+\.js)['"]""")


@dataclass(frozen=True)
class Entry:
    url: str
    sha256: str
    size: int
    #: True for the HTML, CSS and JS of the field app (the 100 KB budget).
    shell: bool


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_file_cache: dict[Path, tuple[tuple[int, int], str, int, bytes]] = {}


def _read(path: Path) -> tuple[str, int, bytes]:
    """(sha256, size, bytes) of a file, re-read only when its mtime or size changed."""
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _file_cache.get(path)
    if cached is None or cached[0] != key:
        data = path.read_bytes()
        cached = (key, _digest(data), len(data), data)
        _file_cache[path] = cached
    return cached[1], cached[2], cached[3]


def module_graph(static_root: Path, entry: str = ENTRY_MODULE) -> list[str]:
    """Every module reachable from the entry by static or dynamic import, as static paths."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.append(rel)
        source = _read(static_root / rel)[2].decode("utf-8")
        for spec in _IMPORT.findall(source):
            if spec.startswith("/static/"):
                target = spec.removeprefix("/static/")
            elif spec.startswith("."):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), spec))
            else:
                continue  # a bare or remote specifier is not ours to cache
            todo.append(target)
    return sorted(seen)


def web_manifest() -> dict:
    """The web app manifest (installable: name, icons incl. maskable, standalone, start URL)."""
    icon = "/static/icons/{}"
    return {
        "name": "Pantau — Pemantauan Lapangan",
        "short_name": "Pantau",
        "description": "Pemantauan pembangunan dan GEBER di lapangan, juga tanpa sinyal.",
        "lang": "id",
        "dir": "ltr",
        "id": "/lapangan",
        "start_url": "/lapangan",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#0b6e4f",
        "background_color": "#ffffff",
        "icons": [
            {"src": icon.format("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon.format("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon.format("maskable-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
            {"src": icon.format("maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }


def manifest_bytes() -> bytes:
    return json.dumps(web_manifest(), ensure_ascii=False, sort_keys=True).encode("utf-8")


def preload_urls() -> list[str]:
    """The field app's modules besides the entry: preloaded together, so the first view does not
    wait for the browser to discover the import chain one level at a time."""
    static_root = Path(current_app.static_folder)
    static_url = current_app.static_url_path
    return [f"{static_url}/{rel}" for rel in module_graph(static_root) if rel != ENTRY_MODULE]


def render_shell_page(template: str) -> str:
    """A shell page as the worker will fetch it: no user, no token, nothing per request."""
    return render_template(template, preload_urls=preload_urls())


def asset_manifest() -> list[Entry]:
    """Every precached URL with the sha256 of its current content (needs a request context)."""
    static_root = Path(current_app.static_folder)
    static_url = current_app.static_url_path
    entries: list[Entry] = []
    for url, template in SHELL_PAGES:
        html = render_shell_page(template).encode("utf-8")
        entries.append(Entry(url, _digest(html), len(html), True))
    manifest = manifest_bytes()
    entries.append(Entry(MANIFEST_URL, _digest(manifest), len(manifest), False))
    shell_files = [*SHELL_STATIC, *module_graph(static_root)]
    for rel in shell_files:
        digest, size, _ = _read(static_root / rel)
        entries.append(Entry(f"{static_url}/{rel}", digest, size, rel.endswith((".js", ".css"))))
    for folder in EXTRA_STATIC_DIRS:
        base = static_root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in EXTRA_SUFFIXES:
                digest, size, _ = _read(path)
                rel = path.relative_to(static_root).as_posix()
                entries.append(Entry(f"{static_url}/{rel}", digest, size, False))
    return entries


def version_of(entries: list[Entry], worker_source: str) -> str:
    """A short hash of the asset manifest and the worker's own source."""
    lines = sorted(f"{e.url} {e.sha256}" for e in entries)
    lines.append("worker " + _digest(worker_source.encode("utf-8")))
    return _digest("\n".join(lines).encode("utf-8"))[:16]


def worker_source() -> str:
    """The plain source of the service worker (repo root)."""
    return _read(WORKER_SOURCE)[2].decode("utf-8")


def null_worker_source() -> str:
    """The kill-switch worker: clears Pantau's caches and unregisters itself."""
    return _read(NULL_WORKER_SOURCE)[2].decode("utf-8")


#: The module worker's way to send the outbox with no page open (the page's own sync engine).
SEND_IMPORT = "import { runSync as SEND_OUTBOX } from '/static/js/sync.js';\n"


def worker_script(sends: bool = False) -> str:
    """The worker as served: VERSION and PRECACHE_URLS prepended to the plain source. With
    `sends`, a module worker that imports the sync engine, for browsers with Background Sync
    (they all run module workers); otherwise a classic worker that leaves sending to the page."""
    source = worker_source()
    entries = asset_manifest()
    version = version_of(entries, source)
    urls = [e.url for e in entries]
    header = (
        "// Generated by webapp/pwa/assets.py from the content of the shell files.\n"
        + (SEND_IMPORT if sends else "const SEND_OUTBOX = null;\n")
        + f"const VERSION = {json.dumps(version)};\n"
        f"const PRECACHE_URLS = {json.dumps(urls, indent=0)};\n"
    )
    return header + source
