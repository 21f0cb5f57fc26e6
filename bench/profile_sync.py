"""Where the CPU of one sync request goes: a single-item batch, a photo PUT and GET /api/v1/session.

Runs the app in-process through its WSGI interface (the Flask test client, real session
cookies and CSRF) against a fresh database, profiles each kind of request with cProfile on the
process CPU clock, and prints per request: the server's CPU, the database backend's CPU (read
from /proc for PostgreSQL's backend, which runs on this machine) and the inclusive CPU of the
stages of the request.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench python bench/profile_sync.py
"""
import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import PASSWORD, fresh_database  # noqa: E402
from bench.sync_ingest import make_items, prepare  # noqa: E402

#: (label, file fragment, function name): the stages whose inclusive CPU is reported.
STAGES = [
    ("whole request (WSGI app)", "flask/app.py", "wsgi_app"),
    ("session cookie open/save", "flask/sessions.py", "open_session"),
    ("session cookie open/save", "flask/sessions.py", "save_session"),
    ("user loading (Flask-Login)", "flask_login/login_manager.py", "_load_user"),
    ("CSRF check", "flask_wtf/csrf.py", "protect"),
    ("request guards (JSON depth, NUL)", "webapp/security.py", "refuse_unstorable_characters"),
    ("JSON body parsing", "werkzeug/wrappers/request.py", "get_json"),
    ("schema load (smorest arguments)", "marshmallow/schema.py", "load"),
    ("response dump (smorest response)", "marshmallow/schema.py", "dump"),
    ("item checks and validation (_prepare)", "webapp/submissions/services.py", "_prepare"),
    ("form answers validator", "webapp/forms/validator.py", "validate_answers"),
    ("form answers validator", "webapp/forms/validator.py", "__call__"),
    ("item loader (compiled envelope checks)", "webapp/submissions/item_loader.py", "load_item"),
    ("reference look-ups (BatchContext.preload)", "webapp/submissions/services.py", "preload"),
    ("inserts (_insert)", "webapp/submissions/services.py", "_insert"),
    ("commit", "sqlalchemy/orm/session.py", "commit"),
    ("site-status refresh", "webapp/submissions/site_status.py", "refresh_site_status"),
    ("photo: store bytes", "webapp/submissions/photos.py", "store_attachment"),
    ("photo: processing job", "webapp/submissions/photos.py", "process_photo"),
    ("audit", "webapp/audit.py", "record"),
    ("logging", "logging/__init__.py", "_log"),
    ("JSON encoding (jsonify)", "flask/json/provider.py", "response"),
    ("translations (get_locale/gettext)", "flask_babel/__init__.py", "get_locale"),
    ("SQL execution (all, incl. driver)", "sqlalchemy/orm/session.py", "execute"),
    ("security headers (CSP)", "webapp/security.py", "set_headers"),
]


def backend_cpu_ms(pid: int | None) -> float:
    """utime + stime of a process on this machine, in ms."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _jpeg(rng: random.Random) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (1200, 900), (rng.randrange(256), 120, 80))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def stage_table(profile: cProfile.Profile, requests: int) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile)
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for label, fragment, func in STAGES:
            if name == func and filename.endswith(fragment) or (name == func and fragment in filename):
                totals[label] = totals.get(label, 0.0) + ct
    return [(label, totals.get(label, 0.0) * 1000 / requests) for label in dict.fromkeys(s[0] for s in STAGES)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100, help="items per request of the batch round")
    parser.add_argument("--batches", type=int, default=20, help="requests in the batch round (0: none)")
    parser.add_argument("--top", type=int, default=0, help="also print the N most expensive functions per request kind")
    args = parser.parse_args()

    url, workdir = fresh_database(os.environ.get("BENCH_DATABASE_URL"))
    app, site_uuids = prepare(url, workdir, 1, 200)
    rng = random.Random(17)
    items = make_items(args.requests * 2, site_uuids, rng)
    chunks = [make_items(args.batch, site_uuids, rng) for _ in range(args.batches)]
    photo = _jpeg(rng)

    import hashlib
    import json
    import re

    from webapp.extensions import db

    client = app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/masuk", data={"username": "bench0", "password": PASSWORD, "csrf_token": token}).status_code == 302
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]

    def one_batch(item):
        response = client.post("/api/v1/submissions/batch", data=json.dumps({"submissions": [item]}),
                               headers={"Content-Type": "application/json", "X-CSRFToken": csrf})
        assert response.status_code == 200 and b'"created"' in response.data, response.data[:300]

    def one_chunk(chunk):
        response = client.post("/api/v1/submissions/batch", data=json.dumps({"submissions": chunk}),
                               headers={"Content-Type": "application/json", "X-CSRFToken": csrf})
        assert response.status_code == 200 and response.data.count(b'"created"') == len(chunk), response.data[:300]

    def one_photo(item):
        att = item["attachments"][0]
        response = client.put(f"/api/v1/attachments/{att['uuid']}", data=photo,
                              headers={"Content-Type": "image/jpeg", "X-CSRFToken": csrf})
        assert response.status_code == 200, response.data[:300]

    def one_session(_item):
        assert client.get("/api/v1/session").status_code == 200

    # Photos declared by the items the photo round uploads must carry the photo's real checksum.
    photo_items = items[args.requests:]
    for item in photo_items:
        att = item["attachments"][0]
        att.update(sha256=hashlib.sha256(photo).hexdigest(), bytes=len(photo))
    for item in items[: args.requests // 10]:
        one_batch(item)  # warm-up: caches, pool, first-use imports
    for item in photo_items:
        one_batch(item)

    with app.app_context():
        pids = {r[0] for r in db.session.execute(db.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))} \
            if url.startswith("postgresql") else set()
        db.session.rollback()
    rounds = [
        ("POST /api/v1/submissions/batch (1 item)", one_batch, items[args.requests // 10: args.requests]),
        (f"POST /api/v1/submissions/batch ({args.batch} items)", one_chunk, chunks),
        ("PUT /api/v1/attachments/<uuid>", one_photo, photo_items[: args.requests - args.requests // 10]),
        ("GET /api/v1/session", one_session, items[: args.requests]),
    ]
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Profile of one sync request — {backend}, in-process WSGI, cProfile on process CPU; "
          f"load average {os.getloadavg()[0]:.1f}")
    for title, call, round_items in rounds:
        if not round_items:
            continue
        # Unprofiled first: the real CPU per request without the profiler's overhead.
        half = len(round_items) // 2
        plain, profiled = round_items[:half], round_items[half:]
        if call is one_session:
            plain, profiled = round_items, round_items
        db_before = sum(backend_cpu_ms(p) for p in pids if Path(f"/proc/{p}").exists())
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for item in plain:
            call(item)
        cpu = (time.process_time() - cpu0) * 1000 / len(plain)
        wall = (time.perf_counter() - wall0) * 1000 / len(plain)
        db_cpu = (sum(backend_cpu_ms(p) for p in pids if Path(f"/proc/{p}").exists()) - db_before) / len(plain)
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for item in profiled:
            call(item)
        profile.disable()
        print(f"\n{title}: server CPU {cpu:.2f} ms, database backend CPU {db_cpu:.2f} ms, wall {wall:.2f} ms "
              f"per request ({len(plain)} requests)")
        print(f"  {'stage (inclusive CPU, profiled)':<46}{'ms/request':>11}")
        for label, ms in stage_table(profile, len(profiled)):
            if ms >= 0.005:
                print(f"  {label:<46}{ms:>11.2f}")
        if args.top:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
