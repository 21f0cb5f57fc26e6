"""Lighthouse (mobile) on the field app's page, and the compressed size of its shell.

Starts the app under gunicorn on a fresh SQLite database, runs Lighthouse's default mobile
profile (Moto G-class device, simulated slow 4G, 4× CPU slowdown) against the field app's page
with Debian's Chromium, and prints the median of the runs against DESIGN.md's targets:
performance ≥ 95, LCP ≤ 2.5 s, TBT ≤ 200 ms, CLS ≤ 0.1. The shell's size is what a phone
downloads for the field app (the page, CSS and every JS module, gzip as the app serves it,
Leaflet and icons not counted): ≤ 100 KB.

The page is /lapangan/shell, the same HTML as /lapangan without the login gate (Lighthouse has
no session; the app then shows its sign-in screen, which is also what a first visit paints).

Needs Node.js and the `lighthouse` npm package (`npm install -g lighthouse`, or a local
install; else `npx --yes lighthouse` is used) and Chromium (CHROME_PATH, default
/usr/bin/chromium).

    python bench/lighthouse_field.py [--runs 3] [--strict]
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import ROOT, app_env, fresh_database, gunicorn  # noqa: E402

PAGE = "/lapangan/shell"
TARGETS = {"performance": 95, "lcp_s": 2.5, "tbt_ms": 200, "cls": 0.1, "shell_kb": 100}


def lighthouse_command() -> list[str]:
    found = os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse")
    local = ROOT / "node_modules" / ".bin" / "lighthouse"
    if found:
        return [found]
    if local.exists():
        return [str(local)]
    return ["npx", "--yes", "lighthouse@12"]


def run_lighthouse(url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="pantau-lh-") as tmp:
        out = Path(tmp) / "report.json"
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        cmd = [*lighthouse_command(), url, "--only-categories=performance", "--output=json",
               f"--output-path={out}", "--quiet",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
        subprocess.run(cmd, env=env, check=True, timeout=300)
        report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "lcp_s": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "fcp_s": audits["first-contentful-paint"]["numericValue"] / 1000,
    }


def shell_size(port: int) -> tuple[int, int, int]:
    """(files, raw bytes, bytes on the wire with gzip) of the field app's shell as served."""
    sys.path.insert(0, str(ROOT))
    from webapp import create_app
    from webapp.pwa.assets import asset_manifest

    app = create_app()
    with app.test_request_context():
        urls = [e.url for e in asset_manifest() if e.shell]
    raw = wire = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for url in urls:
        conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
        wire += len(body)
        conn.request("GET", url)
        plain = conn.getresponse()
        raw += len(plain.read())
    return len(urls), raw, wire


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    url, workdir = fresh_database(None)
    env = app_env(url, workdir)
    with gunicorn(env, workers=2, threads=2) as (port, _proc):
        files, raw, wire = shell_size(port)
        runs = [run_lighthouse(f"http://127.0.0.1:{port}{PAGE}") for _ in range(args.runs)]
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    median["shell_kb"] = wire / 1024
    print(f"field app shell: {files} files, {raw / 1024:.1f} KB raw, {wire / 1024:.1f} KB gzip on the wire")
    print(f"Lighthouse mobile, {args.runs} runs (median); per run: "
          + "; ".join(f"{r['performance']}/{r['lcp_s']:.2f}s/{r['tbt_ms']:.0f}ms/{r['cls']:.3f}" for r in runs))
    rows = [
        ("performance", f"{median['performance']:.0f}", f"≥ {TARGETS['performance']}", median["performance"] >= TARGETS["performance"]),
        ("LCP", f"{median['lcp_s']:.2f} s", f"≤ {TARGETS['lcp_s']} s", median["lcp_s"] <= TARGETS["lcp_s"]),
        ("TBT", f"{median['tbt_ms']:.0f} ms", f"≤ {TARGETS['tbt_ms']} ms", median["tbt_ms"] <= TARGETS["tbt_ms"]),
        ("CLS", f"{median['cls']:.3f}", f"≤ {TARGETS['cls']}", median["cls"] <= TARGETS["cls"]),
        ("FCP", f"{median['fcp_s']:.2f} s", "", True),
        ("shell gzip", f"{median['shell_kb']:.1f} KB", f"≤ {TARGETS['shell_kb']} KB", median["shell_kb"] <= TARGETS["shell_kb"]),
    ]
    for name, value, target, ok in rows:
        print(f"  {name:<12} {value:>10}  {target:<10} {'' if not target else ('ok' if ok else 'MISSED')}")
    missed = [name for name, _, target, ok in rows if target and not ok]
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
