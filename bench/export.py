"""Benchmark of the submissions export: 100,000 GEBER checks as CSV and XLSX.

Generates the rows into a fresh SQLite file (or into PostgreSQL when BENCH_DATABASE_URL is set;
that database is emptied first), then runs each export in its own child process and prints the
child's peak resident memory (VmHWM), so one measurement never inherits another's heap:

* the streamed exports the app uses (`webapp.reports.exports`: rows `yield_per` at a time,
  openpyxl write-only), over a fifth of the rows and over all of them: flat means the two
  peaks are about the same;
* a naive export measured in the same run: every submission loaded as an ORM object, every row
  built in a list, then written (CSV; XLSX with a normal openpyxl workbook);
* an idle child (the app imported and created, nothing exported): the floor.

Target (DESIGN.md): streamed export of 100,000 submissions ≤ 150 MB peak RSS, flat.

    python bench/export.py [--rows 100000] [--strict]
"""
import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import fresh_database  # noqa: E402

TARGET_MB = 150.0
DAYS = 100
START = datetime(2026, 3, 1, tzinfo=timezone.utc)
GEBER_ITEMS = ("sampah_berserakan", "tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar",
               "toilet_bersih", "pembakaran_sampah", "genangan_air", "halaman_terawat", "jadwal_piket")
NOTES = ("Selokan depan sekolah tersumbat daun dan plastik, perlu kerja bakti Jumat.",
         "Tempat sampah terpilah sudah ada tetapi belum dipakai dengan benar oleh warga.",
         "Lokasi bersih, jadwal piket berjalan, TPS diangkut dua kali seminggu.", "")


def make_app(database_url: str, storage: str):
    from webapp import create_app
    from webapp.config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE_ROOT = storage
        SECRET_KEY = "bench-secret-key-not-for-production"
        REDIS_URL = None

    return create_app(BenchConfig)


# --- data ---------------------------------------------------------------------------------------

def generate(database_url: str, storage: str, rows: int, seed: int = 6) -> None:
    from sqlalchemy import insert, select

    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.forms.services import find_version
    from webapp.regions.models import Desa
    from webapp.sites.models import Site
    from webapp.submissions.models import Submission

    rng = random.Random(seed)
    app = make_app(database_url, storage)
    with app.app_context():
        monitors = []
        for n in range(20):
            user = User(username=f"petugas{n}", full_name=f"Petugas Lapangan {n}", role="monitor")
            user.set_password("bench-password-1")
            db.session.add(user)
            monitors.append(user)
        bappeda = User(username="bappeda", full_name="Analis Bappeda", role="bappeda")
        bappeda.set_password("bench-password-1")
        db.session.add(bappeda)
        db.session.flush()
        desa = db.session.scalars(select(Desa)).all()
        sites = []
        for n in range(2000):
            d = rng.choice(desa)
            sites.append({"uuid": uuid.uuid4(), "name": f"Lokasi {n} {d.name}", "kind": "sekolah", "desa_id": d.id,
                          "kecamatan_id": d.kecamatan_id, "lat": -4.45 + rng.random() / 10,
                          "lon": 102.9 + rng.random() / 10})
        db.session.execute(insert(Site), sites)
        site_rows = db.session.execute(select(Site.id, Site.kecamatan_id)).all()
        version = find_version("geber_cek", 1)
        monitor_ids = [m.id for m in monitors]
        batch = []
        for n in range(rows):
            site_id, kecamatan_id = rng.choice(site_rows)
            answers = {item: rng.random() < 0.7 for item in GEBER_ITEMS}
            answers["catatan"] = rng.choice(NOTES)
            answers["foto"] = [str(uuid.uuid4()) for _ in range(rng.randint(1, 3))]
            answers["titik"] = {"lat": -4.45 + rng.random() / 10, "lon": 102.9 + rng.random() / 10,
                                "accuracy_m": round(rng.uniform(3, 30), 1)}
            recorded = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            batch.append({
                "uuid": uuid.uuid4(), "form_version_id": version.id, "form_code": "geber_cek",
                "user_id": rng.choice(monitor_ids), "site_id": site_id, "kecamatan_id": kecamatan_id,
                "recorded_at": recorded, "received_at": recorded + timedelta(minutes=rng.randint(1, 600)),
                "lat": -4.45, "lon": 102.9, "accuracy_m": 8.0, "answers": answers, "content_hash": uuid.uuid4().hex,
                "score": float(rng.randrange(0, 101, 5)), "status": "complete", "flags": {}, "flagged": False,
                "review_state": rng.choice(("received", "approved", "approved", "returned")),
            })
            if len(batch) == 5000:
                db.session.execute(insert(Submission), batch)
                batch = []
        if batch:
            db.session.execute(insert(Submission), batch)
        db.session.commit()


# --- children -----------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries the parent's high-water
    mark into ru_maxrss across fork and exec, which would charge the data generator to every child."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _naive_rows(user, params):
    """What an export looks like when nobody thinks about memory: everything loaded, then written."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from webapp import scopes
    from webapp.extensions import db
    from webapp.forms.models import FormVersion
    from webapp.reports.exports import META_COLUMNS, REVIEW_LABELS, SYNC_LABELS, AnswerColumns, option_lookups
    from webapp.reports.periods import wib_naive
    from webapp.sites.models import Site
    from webapp.submissions.models import Submission

    version = db.session.get(FormVersion, params["form_version_id"])
    columns = AnswerColumns(version.definition, option_lookups())
    submissions = db.session.scalars(
        scopes.submissions_query(user).where(Submission.form_version_id == version.id)
        .options(selectinload(Submission.user), selectinload(Submission.site).selectinload(Site.desa),
                 selectinload(Submission.site).selectinload(Site.kecamatan))
        .order_by(Submission.recorded_at, Submission.id)
    ).all()
    rows = [META_COLUMNS + columns.header]
    for s in submissions:
        rows.append([
            str(s.uuid), version.form.code, version.version, wib_naive(s.recorded_at), wib_naive(s.received_at),
            s.user.full_name, s.site.kecamatan.name if s.site else None, s.site.desa.name if s.site else None,
            s.site.name if s.site else None, str(s.site.uuid) if s.site else None, s.lat, s.lon, s.accuracy_m,
            s.score, SYNC_LABELS.get(s.status), REVIEW_LABELS.get(s.review_state), s.review_note,
            "Ya" if s.flagged else "Tidak", *columns.values(s.answers),
        ])
    return rows


def child(mode: str, database_url: str, storage: str, out: str, end: str | None) -> None:
    from sqlalchemy import select

    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.forms.services import find_version
    from webapp.reports import exports

    app = make_app(database_url, storage)
    started = time.perf_counter()
    count = 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "bappeda"))
        params = {"form_version_id": find_version("geber_cek", 1).id, "end": end}
        if mode == "streamed-csv":
            count = exports.write_submissions_csv(out, user, params)
        elif mode == "streamed-xlsx":
            count = exports.write_submissions_xlsx(out, user, params)
        elif mode == "naive-csv":
            rows = _naive_rows(user, params)
            with open(out, "w", newline="", encoding="utf-8-sig") as handle:
                csv.writer(handle).writerows([exports._csv_value(v) for v in row] for row in rows)
            count = len(rows) - 1
        elif mode == "naive-xlsx":
            from openpyxl import Workbook

            rows = _naive_rows(user, params)
            workbook = Workbook()
            for row in rows:
                workbook.active.append(row)
            workbook.save(out)
            count = len(rows) - 1
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(json.dumps({"mode": mode, "rows": count, "seconds": round(seconds, 2), "peak_mb": round(peak_mb, 1),
                      "bytes": os.path.getsize(out) if os.path.exists(out) else 0}))


def run_child(mode: str, database_url: str, storage: str, workdir: str, end: str | None = None) -> dict:
    out = os.path.join(workdir, f"{mode}.out")
    args = [sys.executable, __file__, "--child", mode, "--database-url", database_url, "--storage", storage,
            "--out", out] + (["--end", end] if end else [])
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--skip-naive-xlsx", action="store_true", help="the slowest measurement")
    parser.add_argument("--child")
    parser.add_argument("--database-url")
    parser.add_argument("--storage")
    parser.add_argument("--out")
    parser.add_argument("--end")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url, args.storage, args.out, args.end)
        return

    url, workdir = fresh_database(os.environ.get("BENCH_DATABASE_URL"))
    storage = f"{workdir}/storage"
    backend = url.split(":", 1)[0]
    started = time.perf_counter()
    generate(url, storage, args.rows)
    print(f"{args.rows:,} GEBER checks generated in {time.perf_counter() - started:.1f} s ({backend})")
    fifth = (START + timedelta(days=DAYS // 5 - 1)).date().isoformat()
    runs = [run_child("idle", url, storage, workdir)]
    runs.append(run_child("streamed-csv", url, storage, workdir, end=fifth))
    runs.append(run_child("streamed-csv", url, storage, workdir))
    runs.append(run_child("streamed-xlsx", url, storage, workdir, end=fifth))
    runs.append(run_child("streamed-xlsx", url, storage, workdir))
    runs.append(run_child("naive-csv", url, storage, workdir))
    if not args.skip_naive_xlsx:
        runs.append(run_child("naive-xlsx", url, storage, workdir))

    print(f"\n{'export':<16}{'rows':>9}{'seconds':>10}{'peak RSS MB':>14}{'file MB':>10}")
    for run in runs:
        print(f"{run['mode']:<16}{run['rows']:>9,}{run['seconds']:>10.2f}{run['peak_mb']:>14.1f}"
              f"{run['bytes'] / 1e6:>10.1f}")
    full = {r["mode"]: r for r in runs if r["rows"] == args.rows}
    part = {r["mode"]: r for r in runs if 0 < r["rows"] < args.rows}
    worst = max(full["streamed-csv"]["peak_mb"], full["streamed-xlsx"]["peak_mb"])
    print(f"\nstreamed peak {worst:.1f} MB for {args.rows:,} rows (target ≤ {TARGET_MB:.0f} MB): "
          f"{'met' if worst <= TARGET_MB else 'MISSED'}")
    for mode in ("streamed-csv", "streamed-xlsx"):
        print(f"{mode}: {part[mode]['rows']:,} rows → {part[mode]['peak_mb']:.1f} MB, "
              f"{full[mode]['rows']:,} rows → {full[mode]['peak_mb']:.1f} MB "
              f"(+{full[mode]['peak_mb'] - part[mode]['peak_mb']:.1f} MB for {full[mode]['rows'] - part[mode]['rows']:,} "
              "more rows)")
    for mode in ("naive-csv", "naive-xlsx"):
        if mode in full:
            streamed = full[mode.replace("naive", "streamed")]
            print(f"{mode}: {full[mode]['peak_mb']:.1f} MB = {full[mode]['peak_mb'] / streamed['peak_mb']:.1f}× the "
                  f"streamed peak, {full[mode]['seconds'] / streamed['seconds']:.1f}× its time")
    if args.strict and worst > TARGET_MB:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
