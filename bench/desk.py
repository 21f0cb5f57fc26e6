"""Benchmark of the monthly evaluation pages: the Bappeda desk and a kegiatan page.

Generates, into a fresh SQLite file (and into PostgreSQL when BENCH_DATABASE_URL is set; that
database is emptied first; each database in a process of its own, as a worker serves one): 2,000 kegiatan across the OPDs (half with a DPA monthly plan, half on
the straight-line fallback), their OPD reports for all 12 months of the fiscal year, and 20,000
field visits. Then times, in the same run, median of 5 (after one warm-up request):

* GET /bappeda?bulan=<December> — the whole desk, including the monthly evaluation, as a production
  worker serves it (GC_FREEZE) and, beside it, without the freeze;
* GET /kegiatan/<code> — one kegiatan's page with its S-curves and timeline;
* GET /rakor?bulan=<December> — the Rakor deck, which reads the same evaluation as the desk;
* the evaluation computed the naive way, one kegiatan (and so one set of queries) per row;

and counts the queries each page makes. Target (DESIGN.md): ≤ 300 ms server time for each page.

    python bench/desk.py [--kegiatan 2000] [--visits 20000] [--repeat 5] [--strict]
"""
import argparse
import gc
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from map_api import PASSWORD, bulk_insert, make_app, reset_postgres  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

TARGET_MS = 300.0
YEAR = date.today().year - 1


def generate(app, n_kegiatan: int, n_visits: int, seed: int = 1313) -> dict:
    from flask_migrate import upgrade

    from webapp.accounts.models import Opd, User
    from webapp.accounts.opds import seed_opds
    from webapp.extensions import db
    from webapp.forms.services import find_version, load_builtin_forms
    from webapp.monev.models import Kegiatan, KegiatanPlan, Program, kegiatan_site
    from webapp.opd_reports.models import OpdReport
    from webapp.regions.models import Desa
    from webapp.regions.services import seed_regions
    from webapp.sites.models import Site
    from webapp.submissions.models import Submission

    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        seed_regions(app.config["REGION_CODE"])
        seed_opds()
        load_builtin_forms()
        bappeda = User(username="bappeda", full_name="Analis Bappeda", role="bappeda")
        bappeda.set_password(PASSWORD)
        monitor = User(username="petugas", full_name="Petugas", role="monitor", password_hash=bappeda.password_hash)
        db.session.add_all([bappeda, monitor])
        db.session.commit()
        opds = db.session.scalars(select(Opd.id)).all()
        desa = db.session.execute(select(Desa.id, Desa.kecamatan_id)).all()
        programs = [{"id": i + 1, "code": f"1.{i:02d}.01", "name": f"Program {i}", "opd_id": opd, "fiscal_year": YEAR}
                    for i, opd in enumerate(opds)]
        bulk_insert(Program.__table__, programs)
        now = datetime.now(timezone.utc)
        kegiatan, sites, links, plans, reports = [], [], [], [], []
        for i in range(n_kegiatan):
            program = programs[i % len(programs)]
            pagu = rng.randrange(100, 5000) * 1_000_000
            kegiatan.append({"id": i + 1, "code": f"{program['code']}.2.01.{i:04d}", "name": f"Kegiatan {i}",
                             "program_id": program["id"], "opd_id": program["opd_id"], "fiscal_year": YEAR, "pagu": pagu,
                             "target_indicator": "Panjang saluran", "target_unit": "m", "target_value": 100.0,
                             "start_date": date(YEAR, 1, 1), "end_date": date(YEAR, 12, 31)})
            place = desa[i % len(desa)]
            sites.append({"id": i + 1, "uuid": uuid.uuid4(), "name": f"Lokasi {i}", "kind": "lokasi_kegiatan",
                          "desa_id": place.id, "kecamatan_id": place.kecamatan_id, "lat": -4.4, "lon": 102.9,
                          "created_at": now, "updated_at": now})
            links.append({"kegiatan_id": i + 1, "site_id": i + 1})
            physical = [min(100.0, round(100 * ((m + 1) / 12) ** 1.6, 1)) for m in range(12)]
            if i % 2 == 0:
                plans.append({"kegiatan_id": i + 1, "revision": 1, "physical_pct": physical,
                              "cash": [round(pagu * p / 100) for p in physical], "pagu": pagu, "created_at": now})
            progress = 0.0
            for month in range(1, 13):
                progress = min(100.0, progress + rng.uniform(0, 15))
                reports.append({"kegiatan_id": i + 1, "opd_id": program["opd_id"], "year": YEAR, "month": month,
                                "state": "submitted", "realisation_rp": round(pagu * min(100.0, progress + rng.uniform(-5, 20)) / 100),
                                "physical_pct": round(progress, 1), "created_at": now, "updated_at": now,
                                "submitted_at": now})
        bulk_insert(Kegiatan.__table__, kegiatan)
        bulk_insert(Site.__table__, sites)
        bulk_insert(kegiatan_site, links)
        bulk_insert(KegiatanPlan.__table__, plans)
        bulk_insert(OpdReport.__table__, reports)
        version = find_version("monev_kunjungan", 2).id
        visits = []
        year_start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
        for n in range(n_visits):
            k = rng.randrange(n_kegiatan)
            at = year_start + timedelta(minutes=rng.randrange(364 * 24 * 60))
            visits.append({"uuid": uuid.uuid4(), "form_version_id": version, "form_code": "monev_kunjungan",
                           "user_id": monitor.id, "site_id": k + 1, "kecamatan_id": sites[k]["kecamatan_id"],
                           "kegiatan_id": k + 1, "recorded_at": at, "received_at": at, "lat": -4.4, "lon": 102.9,
                           "accuracy_m": 8.0, "answers": {"kegiatan": kegiatan[k]["code"],
                                                          "progres_fisik": round(rng.uniform(0, 100), 1),
                                                          "status": "on_track"},
                           "content_hash": uuid.uuid4().hex, "status": "complete", "flags": {}, "flagged": False,
                           "review_state": rng.choice(("approved", "approved", "received", "rejected"))})
        bulk_insert(Submission.__table__, visits)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            for table in ("program", "kegiatan", "site"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            db.session.commit()
            # What autovacuum does soon after a bulk load (off on the bench's server): the planner's
            # statistics, and the visibility map without which no count is answered from an index
            # alone. VACUUM cannot run inside a transaction.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
    return {"kegiatan": n_kegiatan, "reports": len(reports), "visits": n_visits, "plans": len(plans),
            "seconds": time.perf_counter() - started, "code": kegiatan[0]["code"]}


def login(client) -> None:
    import re

    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/masuk", data={"username": "bappeda", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


class Timings(list):
    """Wall-clock milliseconds, with the process's CPU milliseconds beside them in `.cpu`: on a
    shared machine the wall clock counts other processes' turns too."""

    def __init__(self):
        super().__init__()
        self.cpu = []


def timed(fn, repeat: int) -> Timings:
    fn()  # warm-up: the first request fills caches (forms, translations, compiled templates)
    out = Timings()
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - started) * 1000)
        out.cpu.append((time.process_time() - cpu) * 1000)
    return out


def count_queries(app, fn) -> int:
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def before(*args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def naive_evaluation(app, year: int) -> int:
    """The same evaluation, one kegiatan at a time: a set of queries per row."""
    from webapp import scopes
    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.evaluation import monthly as evaluation
    from webapp.monev.models import Kegiatan

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "bappeda"))
        ids = db.session.scalars(scopes.kegiatan_query(user).where(Kegiatan.fiscal_year == year)
                                 .with_only_columns(Kegiatan.id)).all()
        rows = 0
        for kegiatan_id in ids:
            rows += len(evaluation.evaluate(user, year, scopes.kegiatan_query(user).where(Kegiatan.id == kegiatan_id),
                                            upto=12))
        db.session.remove()
        return rows


def run(name: str, url: str, args) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="pantau-bench-storage-") as storage:
        app = make_app(url, storage)
        generated = generate(app, args.kegiatan, args.visits)
        client = app.test_client()
        login(client)
        desk_url = f"/bappeda?bulan={YEAR}-12"
        page_url = f"/kegiatan/{generated['code']}?tahun={YEAR}"

        def get(path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()

        unfrozen = timed(lambda: get(desk_url), args.repeat)
        # As a production worker runs (GC_FREEZE, on in ProductionConfig): what start-up built is
        # frozen out of the full collections; the bench's app is made with the testing flags, so
        # the freeze is done here, once the app and the data exist.
        gc.collect()
        gc.freeze()
        desk = timed(lambda: get(desk_url), args.repeat)
        page = timed(lambda: get(page_url), args.repeat)
        rakor_url = f"/rakor?bulan={YEAR}-12"
        rakor = timed(lambda: get(rakor_url), args.repeat)
        rakor_queries = count_queries(app, lambda: get(rakor_url))
        desk_queries = count_queries(app, lambda: get(desk_url))
        page_queries = count_queries(app, lambda: get(page_url))
        # The naive pass takes minutes at full size: timed once, counting its queries meanwhile.
        started = time.perf_counter()
        naive_queries = count_queries(app, lambda: naive_evaluation(app, YEAR))
        naive = [(time.perf_counter() - started) * 1000]
        gc.unfreeze()
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()
    med = statistics.median
    print(f"\n{name} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): {generated['kegiatan']:,} kegiatan ({generated['plans']:,} with a DPA plan), "
          f"{generated['reports']:,} OPD reports, {generated['visits']:,} visits; generated in {generated['seconds']:.1f} s")
    print(f"  Bappeda desk          median {med(desk):7.1f} ms wall, {med(desk.cpu):7.1f} ms CPU of the app process "
          f"(wall min {min(desk):.1f}, max {max(desk):.1f})  {desk_queries} queries")
    print(f"  desk without GC_FREEZE median {med(unfrozen):7.1f} ms wall, {med(unfrozen.cpu):7.1f} ms CPU "
          f"(wall min {min(unfrozen):.1f}, max {max(unfrozen):.1f})")
    print(f"  kegiatan page         median {med(page):7.1f} ms wall, {med(page.cpu):7.1f} ms CPU of the app process "
          f"(wall min {min(page):.1f}, max {max(page):.1f})  {page_queries} queries")
    print(f"  Rakor deck            median {med(rakor):7.1f} ms wall, {med(rakor.cpu):7.1f} ms CPU of the app process "
          f"(wall min {min(rakor):.1f}, max {max(rakor):.1f})  {rakor_queries} queries")
    print(f"  naive evaluation      once   {med(naive):7.1f} ms  one kegiatan per pass, {naive_queries:,} queries "
          f"({med(naive) / med(desk):.1f}× the whole desk)")
    failures = []
    for label, values in (("desk", desk), ("kegiatan page", page)):
        if med(values) > TARGET_MS:
            failures.append(f"{name} {label} {med(values):.0f} ms > {TARGET_MS:.0f} ms")
    return failures


def _sqlite_run(args) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        return run("SQLite", f"sqlite:///{tmp}/desk-bench.sqlite", args)


def _postgres_run(args) -> list[str]:
    pg = os.environ["BENCH_DATABASE_URL"]
    reset_postgres(pg)
    return run("PostgreSQL", pg, args)


def _in_own_process(target, args) -> list[str]:
    """Each database in a fresh process, as a worker serves one: run after the other in the same
    process, the second carried the first's objects into its garbage collections (the PostgreSQL
    desk measured 254–417 ms that way, 238–281 ms on its own)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(target, args).result()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kegiatan", type=int, default=2_000)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    os.environ.setdefault("PANTAU_ENV", "development")
    failures = _in_own_process(_sqlite_run, args)
    if os.environ.get("BENCH_DATABASE_URL"):
        failures += _in_own_process(_postgres_run, args)
    if failures:
        print("\nMissed: " + "; ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
