"""Benchmark of the map data API: 50,000 sites and 500,000 submissions.

Generates the data into a fresh SQLite file (and into PostgreSQL when BENCH_DATABASE_URL is
set; that database is emptied first), then times in the same run:

* the map API per request through the Flask test client (all sites, regency-wide user), with
  and without gzip, and the bytes on the wire;
* a conditional request answered 304;
* a naive map built from the submissions table (latest check per site by a window function),
  serialised and compressed by the same code, so only the data path differs;
* the two queries alone.

Targets (DESIGN.md): ≤ 150 ms per request, ≥ 10× faster than the naive query, 304 ≤ 10 ms.

    python bench/map_api.py [--sites 50000] [--submissions 500000] [--repeat 7] [--strict]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

TARGET_MS = 150.0
TARGET_RATIO = 10.0
TARGET_304_MS = 10.0
PASSWORD = "bench-password-1"
GEBER_ANSWERS = {
    "sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True, "sampah_diangkut": True,
    "drainase_lancar": True, "pembakaran_sampah": False, "genangan_air": False, "halaman_terawat": True,
    "jadwal_piket": True,
}
SITE_NAMES = {
    "sekolah": "SD Negeri {n} {desa}", "kantor": "Kantor Desa {desa}", "pasar": "Pasar {desa} Blok {n}",
    "fasilitas_kesehatan": "Puskesmas Pembantu {desa}", "tempat_ibadah": "Masjid Al-Ikhlas {desa} {n}",
    "ruang_publik": "Lapangan {desa} {n}", "permukiman": "Permukiman RT {n} {desa}", "tps": "TPS {desa} {n}",
    "sungai_drainase": "Drainase Jalan {desa} {n}", "lokasi_kegiatan": "Lokasi Kegiatan {n} {desa}",
}


def make_app(database_url: str, storage: str):
    from webapp import create_app
    from webapp.config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE_ROOT = storage
        SECRET_KEY = "bench-secret-key-not-for-production"
        RATELIMIT_ENABLED = False
        TESTING = True

    return create_app(BenchConfig)


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows through the driver: executemany on SQLite, COPY on PostgreSQL.

    Values go through the columns' own bind processors, so they are stored exactly as the ORM
    would store them (UUID as hex on SQLite, UTC datetimes, JSON text).
    """
    from webapp.extensions import db

    if not rows:
        return
    conn = db.session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    values = [tuple(p(row[n]) if p else row[n] for n, p in zip(names, processors)) for row in rows]
    driver = conn.connection.dbapi_connection
    cursor = driver.cursor()
    if dialect.name == "postgresql":
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values)
    cursor.close()


def generate(app, n_sites: int, n_submissions: int, seed: int = 1701) -> dict:
    """Sites, kegiatan, submissions and the per-site status, by bulk inserts."""
    from flask_migrate import upgrade

    from webapp.accounts.models import Opd, User
    from webapp.accounts.opds import seed_opds
    from webapp.extensions import db
    from webapp.forms.services import find_version, load_builtin_forms
    from webapp.monev.models import Kegiatan, Program, kegiatan_site
    from webapp.regions.models import Desa
    from webapp.regions.services import region_bbox, seed_regions
    from webapp.sites.models import SITE_KINDS, Site, SiteStatus
    from webapp.submissions.models import Submission

    rng = random.Random(seed)
    timings = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        seed_regions(app.config["REGION_CODE"])
        seed_opds()
        load_builtin_forms()
        db.session.commit()
        timings["schema and reference data"] = time.perf_counter() - started

        started = time.perf_counter()
        desa = db.session.execute(select(Desa.id, Desa.name, Desa.kecamatan_id)).all()
        opds = db.session.scalars(select(Opd.id)).all()
        bappeda = User(username="bappeda", full_name="Analis Bappeda", role="bappeda")
        bappeda.set_password(PASSWORD)
        # One hash for all: hashing is slow on purpose, and the monitors never log in here.
        users = [User(username=f"petugas{i}", full_name=f"Petugas {i}", role="monitor",
                      kecamatan_id=desa[i % len(desa)].kecamatan_id, password_hash=bappeda.password_hash)
                 for i in range(20)]
        db.session.add_all([*users, bappeda])
        db.session.flush()
        user_ids = [u.id for u in users]
        geber_version = find_version("geber_cek", 1).id
        monev_version = find_version("monev_kunjungan", 1).id
        south, west, north, east = region_bbox(app.config)
        now = datetime.now(timezone.utc)

        sites = []
        for n in range(1, n_sites + 1):
            d = desa[rng.randrange(len(desa))]
            kind = rng.choice(SITE_KINDS)
            sites.append({
                "id": n, "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                "name": SITE_NAMES[kind].format(n=n % 97 + 1, desa=d.name), "kind": kind, "desa_id": d.id,
                "kecamatan_id": d.kecamatan_id, "lat": rng.uniform(south + 0.1, north - 0.1),
                "lon": rng.uniform(west + 0.1, east - 0.1), "created_at": now, "updated_at": now,
            })
        bulk_insert(Site.__table__, sites)

        programs, kegiatan, links = [], [], []
        kegiatan_sites = rng.sample(range(1, n_sites + 1), min(n_sites, 2000))
        for k in range(1, 401):
            opd_id = opds[k % len(opds)]
            programs.append({"id": k, "code": f"B.P{k}", "name": f"Program {k}", "opd_id": opd_id, "fiscal_year": now.year})
            kegiatan.append({
                "id": k, "code": f"B.K{k}", "name": f"Kegiatan {k}", "program_id": k, "opd_id": opd_id,
                "fiscal_year": now.year, "pagu": 500_000_000, "target_indicator": "Panjang saluran",
                "target_unit": "m", "target_value": 100.0,
            })
            for site_id in kegiatan_sites[(k - 1) * 5:k * 5]:
                links.append({"kegiatan_id": k, "site_id": site_id})
        bulk_insert(Program.__table__, programs)
        bulk_insert(Kegiatan.__table__, kegiatan)
        bulk_insert(kegiatan_site, links)
        site_kegiatan = {link["site_id"]: link["kegiatan_id"] for link in links}
        timings["users, sites, kegiatan"] = time.perf_counter() - started

        started = time.perf_counter()
        # Indexes are built once after the load, far faster than kept up row by row.
        connection = db.session.connection()
        submission_indexes = list(Submission.__table__.indexes)
        for index in submission_indexes:
            index.drop(connection)
        latest: dict[int, tuple] = {}
        approved: dict[int, tuple] = {}
        monev: dict[int, tuple] = {}
        batch = []
        kegiatan_site_ids = list(site_kegiatan)
        states = ["approved"] * 6 + ["received"] * 3 + ["returned", "rejected"]
        for n in range(1, n_submissions + 1):
            is_visit = n % 10 == 0
            site_id = rng.choice(kegiatan_site_ids) if is_visit else rng.randrange(1, n_sites + 1)
            site = sites[site_id - 1]
            recorded = now - timedelta(seconds=rng.randrange(0, 365 * 86400))
            state = rng.choice(states)
            flagged = rng.random() < 0.05
            if is_visit:
                status = rng.choice(("on_track", "on_track", "at_risk", "late"))
                answers, score, form_code, version = {"status": status, "progres_fisik": rng.randrange(100)}, None, "monev_kunjungan", monev_version
                if state != "rejected" and (site_id not in monev or monev[site_id][0] < recorded):
                    monev[site_id] = (recorded, status, flagged)
            else:
                score = float(rng.choice((0, 10, 25, 40, 55, 60, 65, 70, 75, 80, 85, 90, 100)))
                answers, form_code, version = GEBER_ANSWERS, "geber_cek", geber_version
                if state != "rejected" and (site_id not in latest or latest[site_id][0] < recorded):
                    latest[site_id] = (recorded, score, n, flagged)
                if state == "approved" and (site_id not in approved or approved[site_id][0] < recorded):
                    approved[site_id] = (recorded, score)
            batch.append({
                "id": n, "uuid": uuid.UUID(int=rng.getrandbits(128), version=4), "form_version_id": version,
                "form_code": form_code, "user_id": rng.choice(user_ids), "site_id": site_id,
                "kecamatan_id": site["kecamatan_id"], "kegiatan_id": site_kegiatan.get(site_id) if is_visit else None,
                "recorded_at": recorded, "received_at": recorded, "lat": site["lat"], "lon": site["lon"],
                "accuracy_m": 8.0, "answers": answers, "content_hash": "0" * 64, "score": score,
                "status": "complete", "flags": {}, "flagged": flagged, "review_state": state,
            })
            if len(batch) == 50_000:
                bulk_insert(Submission.__table__, batch)
                batch = []
        bulk_insert(Submission.__table__, batch)
        for index in submission_indexes:
            index.create(connection)
        timings["submissions"] = time.perf_counter() - started

        started = time.perf_counter()
        statuses = []
        for site_id in range(1, n_sites + 1):
            check, ok, visit = latest.get(site_id), approved.get(site_id), monev.get(site_id)
            if not (check or ok or visit):
                continue
            statuses.append({
                "site_id": site_id, "geber_score": check[1] if check else None, "geber_at": check[0] if check else None,
                "geber_submission_id": check[2] if check else None,
                "approved_score": ok[1] if ok else None, "approved_at": ok[0] if ok else None,
                "monev_status": visit[1] if visit else None, "monev_at": visit[0] if visit else None,
                "flagged": bool((check and check[3]) or (visit and visit[2])), "updated_at": now,
            })
        bulk_insert(SiteStatus.__table__, statuses)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("site", "site_status", "submission", "kegiatan_site", "desa"):
                db.session.execute(text(f"ANALYZE {table}"))
            db.session.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        timings["site status"] = time.perf_counter() - started
        counts = {
            "sites": db.session.scalar(select(func.count()).select_from(Site)),
            "submissions": db.session.scalar(select(func.count()).select_from(Submission)),
            "site_status": db.session.scalar(select(func.count()).select_from(SiteStatus)),
        }
    return {"timings": timings, "counts": counts}


def naive_rows(user):
    """The latest check per site computed from the submissions table, as the map would without SiteStatus."""
    from webapp import scopes
    from webapp.extensions import db
    from webapp.maps import services
    from webapp.maps.services import epoch, uuid_text
    from webapp.sites.models import Site
    from webapp.submissions.models import Submission

    ranked = (
        select(
            Submission.site_id, Submission.score, Submission.recorded_at, Submission.flagged,
            func.row_number().over(partition_by=Submission.site_id,
                                   order_by=(Submission.recorded_at.desc(), Submission.id.desc())).label("rn"),
        )
        .where(Submission.form_code == "geber_cek", Submission.review_state.in_(("received", "approved", "returned")))
        .subquery()
    )
    stmt = (
        scopes.sites_query(user)
        .outerjoin(ranked, (ranked.c.site_id == Site.id) & (ranked.c.rn == 1))
        .with_only_columns(Site.id, uuid_text(Site.uuid), Site.name, Site.kind, Site.desa_id, Site.lat, Site.lon,
                           ranked.c.score, epoch(ranked.c.recorded_at), text("NULL"), ranked.c.flagged)
        .order_by(Site.id)
    )
    return services._fast_rows(stmt)


def naive_response_bytes(user) -> bytes:
    """The same answer from the naive rows, through the same formatting and compression (no cache)."""
    from flask import current_app

    from webapp.maps import geojson, services

    filters = services.MapFilters()
    keys = services.map_chunk_keys(user, filters, "naive")
    limit = current_app.config.get("MAP_CACHE_BYTES")
    current_app.config["MAP_CACHE_BYTES"] = 0
    try:
        return geojson.site_collection_gzip(keys, lambda chunks: naive_rows(user), services.desa_names(),
                                            lambda count: {"count": count})
    finally:
        current_app.config["MAP_CACHE_BYTES"] = limit


class Samples(list):
    """Wall-clock milliseconds per run, with the process CPU milliseconds alongside (`cpu`)."""

    def __init__(self):
        super().__init__()
        self.cpu: list[float] = []


def timed(fn, repeat: int, before=None) -> Samples:
    """Time `fn` `repeat` times; `before` (untimed) runs ahead of each call."""
    out = Samples()
    for _ in range(repeat):
        if before is not None:
            before()
        cpu = time.process_time()
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
        out.cpu.append((time.process_time() - cpu) * 1000)
    return out


def login(client) -> None:
    import re

    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/masuk", data={"username": "bappeda", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


def measure(app, repeat: int) -> dict:
    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.maps import services

    from webapp.maps.geojson import SEGMENTS
    from webapp.sites.models import SiteStatus
    from webapp.types import utcnow

    client = app.test_client()
    login(client)
    gz = {"Accept-Encoding": "gzip"}
    results = {}
    rng = random.Random(7)

    def get(url, headers=None, status=200):
        response = client.get(url, headers=headers or {})
        assert response.status_code == status, (url, response.status_code, response.get_data()[:300])
        return response

    def change_one_site():
        """What a synced check does to the map: one site's status changes."""
        with app.app_context():
            site_id = db.session.scalar(select(SiteStatus.site_id).order_by(SiteStatus.site_id)
                                        .offset(rng.randrange(1000)).limit(1))
            status = db.session.get(SiteStatus, site_id)
            status.geber_score = float(rng.randrange(0, 101))
            status.geber_at = utcnow()
            db.session.commit()

    first = get("/api/v1/map/sites", gz)  # warm-up: connection pool, compiled statements, imports
    etag = first.headers["ETag"]
    plain = get("/api/v1/map/sites")
    results["bytes_gzip"] = len(first.get_data())
    results["bytes_identity"] = len(plain.get_data())
    # Cold: nothing built before (the chunk cache emptied ahead of every request).
    results["api_gzip"] = timed(lambda: get("/api/v1/map/sites", gz), repeat, before=SEGMENTS.clear)
    results["api_identity"] = timed(lambda: get("/api/v1/map/sites"), repeat)
    # The usual case on a working server: one site changed since the last answer.
    get("/api/v1/map/sites", gz)
    results["api_changed"] = timed(lambda: get("/api/v1/map/sites", gz), repeat, before=change_one_site)
    # Nothing changed, but a new client (no ETag): every chunk comes from the cache.
    results["api_warm"] = timed(lambda: get("/api/v1/map/sites", gz), repeat)
    etag = get("/api/v1/map/sites", gz).headers["ETag"]
    results["api_304"] = timed(lambda: get("/api/v1/map/sites", {**gz, "If-None-Match": etag}, status=304), max(repeat, 20))
    results["api_filtered"] = timed(lambda: get("/api/v1/map/sites?kecamatan=17.01.05&band=kotor", gz), repeat,
                                    before=SEGMENTS.clear)
    results["summary"] = timed(lambda: get("/api/v1/map/kecamatan-summary", gz), repeat)

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "bappeda"))
        filters = services.MapFilters()
        # Both queries are consumed the way the API consumes them: row by row.
        results["query_fast"] = timed(lambda: sum(1 for _ in services.map_site_rows(user, filters)), repeat)
        naive_repeat = max(3, repeat // 2)
        results["query_naive"] = timed(lambda: sum(1 for _ in naive_rows(user)), naive_repeat)
        naive_body = naive_response_bytes(user)
        results["naive_bytes_gzip"] = len(naive_body)
        results["naive_gzip"] = timed(lambda: naive_response_bytes(user), naive_repeat)
        fast_count = sum(1 for _ in services.map_site_rows(user, filters))
        naive_count = sum(1 for _ in naive_rows(user))
        assert fast_count == naive_count, (fast_count, naive_count)
        results["features"] = fast_count
        db.session.remove()
    return results


def report(name: str, generated: dict, r: dict) -> list[str]:
    med = statistics.median
    p90 = lambda xs: sorted(xs)[max(0, int(round(0.9 * len(xs))) - 1)]  # noqa: E731
    failures = []
    print(f"\n=== {name}: {generated['counts']['sites']:,} sites, {generated['counts']['submissions']:,} submissions, "
          f"{generated['counts']['site_status']:,} status rows; {r['features']:,} features per map ===")
    for step, seconds in generated["timings"].items():
        print(f"  generate {step:<28} {seconds:8.1f} s")
    rows = [
        ("map API, all sites, gzip, cold", r["api_gzip"], r["bytes_gzip"]),
        ("  same, one site changed before", r["api_changed"], r["bytes_gzip"]),
        ("  same, unchanged, new client", r["api_warm"], r["bytes_gzip"]),
        ("map API, all sites, identity", r["api_identity"], r["bytes_identity"]),
        ("map API, 304 (If-None-Match)", r["api_304"], 0),
        ("map API, kecamatan + band, cold", r["api_filtered"], None),
        ("kecamatan summary", r["summary"], None),
        ("naive map (submissions), gzip", r["naive_gzip"], r["naive_bytes_gzip"]),
        ("query only: SiteStatus", r["query_fast"], None),
        ("query only: naive window function", r["query_naive"], None),
    ]
    print(f"  {'what':<36} {'median ms':>10} {'p90 ms':>9} {'min ms':>8} {'cpu ms':>8} {'bytes on wire':>14}")
    for label, samples, size in rows:
        size_text = "" if size is None else f"{size:,}"
        print(f"  {label:<36} {med(samples):10.1f} {p90(samples):9.1f} {min(samples):8.1f} {med(samples.cpu):8.1f} {size_text:>14}")
    ratio = med(r["naive_gzip"]) / med(r["api_gzip"])
    ratio_changed = med(r["naive_gzip"]) / med(r["api_changed"])
    query_ratio = med(r["query_naive"]) / med(r["query_fast"])
    print(f"  ratio naive / API, whole answer, gzip: {ratio:.1f}× cold, {ratio_changed:.1f}× after one change;"
          f" queries alone: {query_ratio:.1f}×")
    print(f"  load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
          " (wall times stretch with it; the cpu column much less)")
    checks = [
        (f"map API cold ≤ {TARGET_MS:.0f} ms", med(r["api_gzip"]) <= TARGET_MS),
        (f"map API after a change ≤ {TARGET_MS:.0f} ms", med(r["api_changed"]) <= TARGET_MS),
        (f"≥ {TARGET_RATIO:.0f}× faster than naive (cold)", ratio >= TARGET_RATIO),
        (f"≥ {TARGET_RATIO:.0f}× faster than naive (after a change)", ratio_changed >= TARGET_RATIO),
        (f"304 ≤ {TARGET_304_MS:.0f} ms", med(r["api_304"]) <= TARGET_304_MS),
    ]
    for label, ok in checks:
        print(f"  target {label:<44} {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append(f"{name}: {label}")
    return failures


def run(name: str, database_url: str, args) -> list[str]:
    storage = tempfile.mkdtemp(prefix="pantau-bench-storage-")
    app = make_app(database_url, storage)
    generated = generate(app, args.sites, args.submissions)
    results = measure(app, args.repeat)
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()
    return report(name, generated, results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--submissions", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    os.environ.setdefault("PANTAU_ENV", "development")
    failures = []
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        failures += run("SQLite", f"sqlite:///{tmp}/map-bench.sqlite", args)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        reset_postgres(pg)
        failures += run("PostgreSQL", pg, args)
    if failures:
        print("\nMissed: " + "; ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
