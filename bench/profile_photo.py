"""Where the CPU of a photo goes: its upload (`PUT /api/v1/attachments/<uuid>`) and its job.

In-process through the WSGI app (real session cookie and CSRF token) against a fresh database
with Redis, so the upload queues its job as in production; the queued jobs then run through the
app's own rq worker (`webapp.jobs.app_worker`, burst mode) in this process. The photos are those
`bench/load.py` sends (1600 × 1200 JPEG, as the field app stores them). Prints, per upload and per
job: the CPU of this process unprofiled, the database backend's CPU (PostgreSQL, read from /proc),
Redis's CPU (the whole server: other work using it counts too), and the inclusive CPU of the
stages under cProfile (about 2× the unprofiled figures: read them as shares). A round's uploads
all land before its jobs run, so the queued jobs are as few as they can be (one, when photos are
merged into one job); `bench/load.py` shows the worker under a real arrival rate.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench BENCH_REDIS_URL=redis://127.0.0.1:6379/13 \\
        python bench/profile_photo.py [--photos 200] [--top 25]
"""
import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import random
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import PASSWORD, app_env, fresh_database  # noqa: E402
from bench.load import phone_photos  # noqa: E402
from bench.profile_sync import backend_cpu_ms  # noqa: E402
from bench.sync_ingest import make_items, prepare  # noqa: E402

STAGES = [
    ("whole upload request (WSGI app)", "flask/app.py", "wsgi_app"),
    ("user loading (Flask-Login)", "flask_login/login_manager.py", "_load_user"),
    ("session cookie open/save", "flask/sessions.py", "open_session"),
    ("session cookie open/save", "flask/sessions.py", "save_session"),
    ("CSRF check", "flask_wtf/csrf.py", "protect"),
    ("upload: accept_photo", "webapp/submissions/intake.py", "accept_photo"),
    ("upload: store_attachment", "webapp/submissions/photos.py", "store_attachment"),
    ("upload: image check (decode)", "webapp/submissions/photos.py", "check_image"),
    ("upload: sha256", "<built-in method _hashlib.openssl_sha256>", ""),
    ("file writes (the original; the two copies)", "webapp/storage.py", "write_bytes"),
    ("upload: enqueue (rq)", "webapp/jobs.py", "enqueue"),
    ("upload: queue the photo job (process_later)", "webapp/submissions/photos.py", "process_later"),
    ("upload: submission complete?", "webapp/submissions/services.py", "mark_complete_if_all_arrived"),
    ("response dump (smorest)", "marshmallow/schema.py", "dump"),
    ("rq worker: the jobs, all of them", "webapp/jobs.py", "execute_job"),
    ("job: process_photo", "webapp/submissions/photos.py", "process_photo"),
    ("job: process_received_photos", "webapp/submissions/photos.py", "process_received_photos"),
    ("job: render_copies (decode, encode)", "webapp/submissions/photos.py", "render_copies"),
    ("commit (upload or job)", "sqlalchemy/orm/session.py", "commit"),
    ("SQL execution (all, incl. driver)", "sqlalchemy/orm/session.py", "execute"),
    ("Redis commands (all)", "redis/client.py", "execute_command"),
    ("Redis pipelines (all)", "redis/client.py", "execute"),
]


def stage_table(profile: cProfile.Profile, count: int) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile)
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for label, fragment, func in STAGES:
            if (func and name == func and filename.endswith(fragment)) or (not func and name == fragment):
                totals[label] = totals.get(label, 0.0) + ct
    return [(label, totals.get(label, 0.0) * 1000 / count) for label in dict.fromkeys(s[0] for s in STAGES)]


def redis_cpu_ms() -> float:
    pids = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split()
    return sum(backend_cpu_ms(int(p)) for p in pids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200, help="uploads (and jobs); half unprofiled, half profiled")
    parser.add_argument("--top", type=int, default=0, help="also print the N most expensive functions of each part")
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")

    url, workdir = fresh_database(os.environ.get("BENCH_DATABASE_URL"))
    os.environ.update(app_env(url, workdir, REDIS_URL=redis_url))
    app, site_uuids = prepare(url, workdir, 1, 50)
    from redis import Redis

    from webapp.extensions import db
    from webapp.jobs import app_worker, redis_connection

    Redis.from_url(redis_url).flushdb()
    rng = random.Random(11)
    photos = phone_photos(6, 2026)
    items = make_items(args.photos + 10, site_uuids, rng)
    for item in items:
        photo = rng.choice(photos)
        item["attachments"][0].update(sha256=hashlib.sha256(photo).hexdigest(), bytes=len(photo))
        item["_photo"] = photo

    client = app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/masuk", data={"username": "bench0", "password": PASSWORD, "csrf_token": token}).status_code == 302
    csrf = client.get("/api/v1/session").get_json()["csrf_token"]
    for start in range(0, len(items), 20):
        chunk = [{k: v for k, v in item.items() if k != "_photo"} for item in items[start:start + 20]]
        response = client.post("/api/v1/submissions/batch", data=json.dumps({"submissions": chunk}),
                               headers={"Content-Type": "application/json", "X-CSRFToken": csrf})
        assert response.status_code == 200 and response.data.count(b'"created"') == len(chunk), response.data[:300]

    def upload(item):
        att = item["attachments"][0]
        response = client.put(f"/api/v1/attachments/{att['uuid']}", data=item["_photo"],
                              headers={"Content-Type": "image/jpeg", "X-CSRFToken": csrf})
        assert response.status_code == 200, response.data[:300]

    with app.app_context():
        pids = {r[0] for r in db.session.execute(db.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))} \
            if url.startswith("postgresql") else set()
        db.session.rollback()
    worker = app_worker(app, ["default"], redis_connection(redis_url))

    def run_jobs():
        worker.work(burst=True, logging_level="WARNING")

    for item in items[:10]:
        upload(item)  # warm-up: first-use imports, pools, caches
    run_jobs()
    half = args.photos // 2
    plain, profiled_items = items[10:10 + half], items[10 + half:]
    print(f"Profile of a photo — {'PostgreSQL' if pids else 'SQLite'}, Redis, in-process; "
          f"load average {os.getloadavg()[0]:.1f}")

    def measure(call, batch, profiled: bool):
        """CPU per photo of this process, the database backend and Redis; the profile when asked."""
        db0 = sum(backend_cpu_ms(p) for p in pids if Path(f"/proc/{p}").exists())
        redis0, cpu0 = redis_cpu_ms(), time.process_time()
        profile = cProfile.Profile(time.process_time) if profiled else None
        if profile:
            profile.enable()
        call(batch)
        if profile:
            profile.disable()
        db_cpu = sum(backend_cpu_ms(p) for p in pids if Path(f"/proc/{p}").exists()) - db0
        return ((time.process_time() - cpu0) * 1000 / len(batch), db_cpu / len(batch),
                (redis_cpu_ms() - redis0) / len(batch), profile)

    uploads, jobs = [], []
    for batch, profiled in ((plain, False), (profiled_items, True)):
        uploads.append(measure(lambda b: [upload(i) for i in b], batch, profiled))
        jobs.append(measure(lambda _b: run_jobs(), batch, profiled))
    for title, (unprofiled, with_profile) in (("PUT /api/v1/attachments/<uuid>", uploads),
                                              ("the photo job (rq worker, app_worker)", jobs)):
        cpu, db_cpu, redis_cpu, _ = unprofiled
        print(f"\n{title}: CPU {cpu:.2f} ms, database backend {db_cpu:.2f} ms, Redis {redis_cpu:.2f} ms "
              f"per photo ({len(plain)} unprofiled)")
        print(f"  {'stage (inclusive CPU, profiled)':<46}{'ms/photo':>11}")
        for label, ms in stage_table(with_profile[3], len(profiled_items)):
            if ms >= 0.005:
                print(f"  {label:<46}{ms:>11.2f}")
        if args.top:
            out = io.StringIO()
            pstats.Stats(with_profile[3], stream=out).sort_stats("tottime").print_stats(args.top)
            print(out.getvalue())
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
