"""Sync ingest benchmark: 10,000 GEBER submissions in batches of 100 over HTTP, concurrency 8.

Prints submissions/second through gunicorn next to the raw batched insert rate of the same rows
into the same database, measured in the same run, and the peak memory of a server worker.

    python bench/sync_ingest.py                      # SQLite (embedded default)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench python bench/sync_ingest.py
"""
import argparse
import hashlib
import os
import queue
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import PASSWORD, Client, app_env, fresh_database, gunicorn, peak_rss_mb  # noqa: E402

CHECKLIST = ["sampah_berserakan", "tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar",
             "toilet_bersih", "pembakaran_sampah", "genangan_air", "halaman_terawat", "jadwal_piket"]


def prepare(url: str, workdir: str, monitors: int, sites: int):
    """Monitors and sites, created through the app's own services."""
    os.environ.update(app_env(url, workdir))
    from webapp import create_app
    from webapp.accounts.services import create_user
    from webapp.extensions import db
    from webapp.regions.models import Desa
    from webapp.sites.models import Site

    app = create_app()
    with app.app_context():
        for n in range(monitors):
            create_user(f"bench{n}", PASSWORD, "monitor")
        desa = db.session.scalars(db.select(Desa)).all()
        rng = random.Random(7)
        site_uuids = []
        for n in range(sites):
            d = desa[n % len(desa)]
            site = Site(uuid=uuid.uuid4(), name=f"Lokasi {n}", kind="sekolah", desa_id=d.id,
                        kecamatan_id=d.kecamatan_id, lat=-4.45 + rng.uniform(-0.2, 0.2), lon=102.9 + rng.uniform(-0.2, 0.2))
            db.session.add(site)
            site_uuids.append(str(site.uuid))
        db.session.commit()
        db.engine.dispose()
    return app, site_uuids


def make_items(count: int, site_uuids: list[str], rng: random.Random) -> list[dict]:
    now = datetime.now(timezone.utc)
    items = []
    for _ in range(count):
        photo = rng.randbytes(16)
        att = {"uuid": str(uuid.uuid4()), "field": "foto", "sha256": hashlib.sha256(photo).hexdigest(),
               "bytes": 180_000 + rng.randrange(200_000), "content_type": "image/jpeg"}
        answers = {name: rng.random() < 0.7 for name in CHECKLIST}
        answers.update(catatan="Saluran depan sekolah tersumbat sampah plastik." if rng.random() < 0.3 else "",
                       foto=[att["uuid"]])
        items.append({
            "uuid": str(uuid.uuid4()), "form": "geber_cek", "form_version": 1,
            "recorded_at": (now - timedelta(minutes=rng.randrange(60 * 24 * 3))).isoformat(),
            "location": {"lat": -4.45 + rng.uniform(-0.2, 0.2), "lon": 102.9 + rng.uniform(-0.2, 0.2),
                         "accuracy_m": rng.uniform(3, 60)},
            "site": {"uuid": rng.choice(site_uuids)}, "answers": answers, "attachments": [att],
        })
    return items


def http_ingest(port: int, monitors: int, items: list[dict], batch: int, concurrency: int) -> tuple[float, int]:
    idle: queue.Queue = queue.Queue()
    for n in range(monitors):
        idle.put(Client(port, f"bench{n}"))
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]

    def send(index: int) -> int:
        client = idle.get()  # one connection per phone: never two requests on one at once
        try:
            status, body = client.post_json("/api/v1/submissions/batch", {"submissions": batches[index]})
        finally:
            idle.put(client)
        if status != 200:
            raise RuntimeError(f"batch {index}: HTTP {status} {body[:200]!r}")
        return body.count(b'"created"')

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        created = sum(pool.map(send, range(len(batches))))
    return time.perf_counter() - started, created


def raw_insert(app, items: list[dict], batch: int) -> float:
    """The same rows straight into the same tables with batched INSERTs: the ceiling."""
    from sqlalchemy import delete, insert, select

    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.forms.models import FormVersion
    from webapp.sites.models import Site, SiteStatus
    from webapp.submissions.models import Attachment, Submission

    with app.app_context():
        db.session.execute(delete(SiteStatus))
        db.session.execute(delete(Attachment))
        db.session.execute(delete(Submission))
        db.session.commit()
        user_id = db.session.scalar(select(User.id).limit(1))
        version_id = db.session.scalar(select(FormVersion.id).limit(1))
        site_ids = dict(db.session.execute(select(Site.uuid, Site.id)).all())
        sub_rows, att_rows = [], []
        for n, item in enumerate(items, start=1):
            site_id = site_ids[uuid.UUID(item["site"]["uuid"])]
            sub_rows.append({
                "id": n, "uuid": uuid.UUID(item["uuid"]), "form_version_id": version_id, "form_code": "geber_cek",
                "user_id": user_id, "site_id": site_id, "kecamatan_id": None, "kegiatan_id": None,
                "recorded_at": datetime.fromisoformat(item["recorded_at"]), "received_at": datetime.now(timezone.utc),
                "lat": item["location"]["lat"], "lon": item["location"]["lon"],
                "accuracy_m": item["location"]["accuracy_m"], "answers": item["answers"], "content_hash": "0" * 64,
                "score": 70.0, "status": "incomplete", "flags": {}, "flagged": False, "review_state": "received",
            })
            att = item["attachments"][0]
            att_rows.append({"uuid": uuid.UUID(att["uuid"]), "submission_id": n, "field": "foto", "sha256": att["sha256"],
                             "bytes": att["bytes"], "content_type": "image/jpeg", "state": "pending"})
        started = time.perf_counter()
        for i in range(0, len(items), batch):
            db.session.execute(insert(Submission), sub_rows[i:i + batch])
            db.session.execute(insert(Attachment), att_rows[i:i + batch])
            db.session.commit()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sites", type=int, default=2_000)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    url, workdir = fresh_database(url)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    app, site_uuids = prepare(url, workdir, args.concurrency, args.sites)
    items = make_items(args.submissions, site_uuids, random.Random(2026))

    with gunicorn(app_env(url, workdir), workers=args.workers) as (port, proc):
        seconds, created = http_ingest(port, args.concurrency, items, args.batch, args.concurrency)
        peak = peak_rss_mb(proc)
    raw_seconds = raw_insert(app, items, args.batch)

    rate, raw_rate = created / seconds, len(items) / raw_seconds
    target = 1900 if backend == "PostgreSQL" else 1500
    print(f"Sync ingest benchmark — {backend}, {args.submissions} GEBER submissions, batches of {args.batch}, "
          f"concurrency {args.concurrency}, gunicorn {args.workers} workers × 2 threads, {os.cpu_count()} cores")
    print(f"{'measure':<44}{'value':>14}")
    print(f"{'created (of ' + str(len(items)) + ')':<44}{created:>14}")
    print(f"{'HTTP ingest, submissions/s':<44}{rate:>14.0f}")
    print(f"{'raw batched INSERT of the same rows, rows/s':<44}{raw_rate:>14.0f}")
    print(f"{'HTTP ingest as share of the raw rate':<44}{rate / raw_rate:>13.1%}")
    print(f"{'peak RSS of a server worker, MB':<44}{peak:>14.1f}")
    verdict = "meets" if rate >= target and (backend == "SQLite" or rate / raw_rate >= 0.10) else "MISSES"
    print(f"target: ≥ {target}/s" + (" and ≥ 10% of raw" if backend == "PostgreSQL" else "") + f" → {verdict}")
    if created != len(items):
        sys.exit("not every submission was created")


if __name__ == "__main__":
    main()
