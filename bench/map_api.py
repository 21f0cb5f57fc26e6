"""Benchmark of the map data through gunicorn: 50,000 sites and 500,000 submissions.

Generates the data into a fresh SQLite file (and into PostgreSQL when BENCH_DATABASE_URL is
set; that database is emptied first, and ANALYZEd after loading), starts gunicorn on loopback
against it, and measures with HTTP clients that log in as a regency-wide user and reconnect and
retry when the server drops a connection (as a phone does). Each figure is the median of 3
rounds, printed with the load average, its target and the naive baseline of the same run:

* the prebuilt files of a scope built by the job after a change (server CPU, not a request);
* cold whole regency: a new client's first view after a change (the groups of the whole regency
  at zoom 9 and the first page of the list, which the job built ahead), and a filtered view
  computed on demand from the files (the worker's decoded copy outdated by the change);
* the same when no job ran before (the request rebuilds the files itself);
* the whole-map client's first load (manifest, positions file, status array) and its bytes;
* a typical update: the status delta after a synced batch of 20 and of 100 sites, its bytes;
* conditional requests answered 304;
* the naive map: the latest check per site from the submissions table by a window function,
  formatted to GeoJSON and gzipped in-process (no HTTP);
* the server CPU (gunicorn workers and PostgreSQL backends, from the scheduler) of the whole
  regency computed on demand, the figure that does not depend on the machine's load.

Targets (DESIGN.md): cold whole regency ≤ 150 ms and ≥ 10× faster than naive; 304 ≤ 10 ms;
first load ≤ 600 KB compressed; a typical update ≤ 50 KB.

    python bench/map_api.py [--sites 50000] [--submissions 500000] [--rounds 3] [--strict]
"""
import argparse
import gzip
import http.client
import json
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

from sqlalchemy import String, cast, func, select, text  # noqa: E402

from bench._server import Client, app_env, empty_postgres, gunicorn  # noqa: E402

TARGET_MS = 150.0
TARGET_RATIO = 10.0
TARGET_304_MS = 10.0
TARGET_FIRST_KB = 600.0
TARGET_UPDATE_KB = 50.0
PASSWORD = "bench-password-1"
#: The whole regency as the map shows it on a laptop at zoom 9 (a generous box around it).
REGENCY_VIEW = "z=9&bbox=-5.2,102.3,-3.8,103.6"
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
    empty_postgres(url)


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
    from webapp.sites.models import Site, SiteStatus
    from webapp.vocabulary import SiteKind
    from webapp.submissions.models import Submission

    rng = random.Random(seed)
    timings = {}
    SITE_KINDS = SiteKind.values()
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
    from webapp.maps.services import epoch
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
        .with_only_columns(Site.id, cast(Site.uuid, String), Site.name, Site.kind, Site.desa_id, Site.lat, Site.lon,
                           ranked.c.score, epoch(ranked.c.recorded_at), text("NULL"), ranked.c.flagged)
        .order_by(Site.id)
    )
    return services.fast_rows(stmt)


def naive_response_bytes(user) -> bytes:
    """The naive rows formatted as compact GeoJSON features and gzipped (no cache)."""
    from webapp.extensions import db
    from webapp.regions.models import Desa

    desa = {i: json.dumps(name, ensure_ascii=False) for i, name in db.session.execute(select(Desa.id, Desa.name))}
    features = []
    for _, uid, name, kind, desa_id, lat, lon, score, at, monev, flagged in naive_rows(user):
        extra = f',"s":{score:.4g}' if score is not None else ""
        if at is not None:
            extra += f',"t":{at}'
        if monev is not None:
            extra += f',"m":{json.dumps(monev)}'
        if flagged:
            extra += ',"f":true'
        if len(uid) == 32:
            uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        features.append(
            f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon:.5f},{lat:.5f}]}},'
            f'"properties":{{"id":"{uid}","n":{json.dumps(name, ensure_ascii=False)},"k":"{kind}",'
            f'"d":{desa.get(desa_id, "null")}{extra}}}}}')
    text = '{"type":"FeatureCollection","features":[' + ",".join(features) + f'],"count":{len(features)}}}'
    return gzip.compress(text.encode(), 6, mtime=0)


def _schedstat_ns(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def server_cpu_ns(master_pid: int, database_url: str) -> int:
    """CPU time so far (ns, from the scheduler) of the gunicorn workers' threads and of the
    database's server processes serving this database (PostgreSQL; SQLite runs in the workers)."""
    import subprocess

    pids = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    total = sum(_schedstat_ns(task / "schedstat") for pid in pids for task in Path(f"/proc/{pid}/task").glob("*"))
    if database_url.startswith("postgresql"):
        import psycopg

        dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as conn:
            backends = [row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        total += sum(_schedstat_ns(Path(f"/proc/{pid}/schedstat")) for pid in backends)
    return total


class RetryingClient(Client):
    """A logged-in client that reconnects and retries when the server drops its connection."""

    RETRIES = 4

    def request(self, method, path, body=None, headers=None):
        for attempt in range(self.RETRIES + 1):
            try:
                return super().request(method, path, body, headers)
            except (OSError, http.client.HTTPException):
                if attempt == self.RETRIES:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                time.sleep(0.05 * 2 ** attempt)
        raise AssertionError("unreachable")

    def timed(self, path, headers=None, status=200) -> tuple[float, bytes]:
        started = time.perf_counter()
        code, data = self.request("GET", path, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert code == status, (path, code, data[:300])
        return elapsed, data


GZ = {"Accept-Encoding": "gzip"}


def change_sites(app, rng, count: int) -> None:
    """What a synced batch does to the map: `count` sites get a new latest check."""
    from webapp.extensions import db
    from webapp.sites.models import SiteStatus
    from webapp.types import utcnow

    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(SiteStatus))
        ids = db.session.scalars(select(SiteStatus.site_id).order_by(SiteStatus.site_id)
                                 .offset(rng.randrange(max(1, total - count))).limit(count)).all()
        for status in db.session.scalars(select(SiteStatus).where(SiteStatus.site_id.in_(ids))):
            status.geber_score = float(rng.choice((10, 40, 65, 90)))
            status.geber_at = utcnow()
        db.session.commit()


def build_job(app) -> float:
    """The rebuild job after a change, in this process; milliseconds."""
    from webapp.maps.tasks import EAGER_SCOPES, rebuild_snapshots_job

    with app.app_context():
        started = time.perf_counter()
        rebuild_snapshots_job.run_inline(list(EAGER_SCOPES))
        return (time.perf_counter() - started) * 1000


def one_round(app, port: int, rng, master_pid: int, database_url: str) -> dict:
    r = {}
    change_sites(app, rng, 1)
    r["job_ms"] = build_job(app)
    first = RetryingClient(port, "bappeda")
    groups_ms, groups = first.timed(f"/api/v1/map/clusters?{REGENCY_VIEW}", GZ)
    list_ms, listed = first.timed("/api/v1/map/list", GZ)
    r["cold_ms"] = groups_ms + list_ms
    r["cold_groups_ms"], r["cold_list_ms"] = groups_ms, list_ms
    r["first_view_bytes"] = len(groups) + len(listed)
    etag = first.last_etag
    # A filtered view is computed on demand from the files (decoded once per process and change).
    filtered = "kecamatan=17.01.05&band=kotor"
    f_groups_ms, _ = first.timed(f"/api/v1/map/clusters?{REGENCY_VIEW}&{filtered}", GZ)
    f_list_ms, _ = first.timed(f"/api/v1/map/list?{filtered}", GZ)
    r["cold_filtered_ms"] = f_groups_ms + f_list_ms
    # The whole regency computed on demand: a zoom and a list page the job does not build ahead.
    change_sites(app, rng, 1)
    build_job(app)
    cpu_before = server_cpu_ns(master_pid, database_url)
    c_groups_ms, _ = first.timed("/api/v1/map/clusters?z=13&bbox=-5.2,102.3,-3.8,103.6", GZ)
    c_list_ms, _ = first.timed("/api/v1/map/list?offset=100", GZ)
    r["cold_computed_cpu_ms"] = (server_cpu_ns(master_pid, database_url) - cpu_before) / 1e6
    r["cold_computed_ms"] = c_groups_ms + c_list_ms
    first.timed("/api/v1/map/list", GZ)
    etag = first.last_etag
    r["list_304_ms"] = statistics.median(first.timed("/api/v1/map/list", {**GZ, "If-None-Match": etag}, 304)[0]
                                         for _ in range(20))
    # No job ran: the first request after the change rebuilds the files itself.
    change_sites(app, rng, 1)
    r["cold_nojob_ms"] = first.timed(f"/api/v1/map/clusters?{REGENCY_VIEW}", GZ)[0]

    # The client that keeps the whole map: manifest, positions file, status array.
    whole = RetryingClient(port, "bappeda")
    manifest_ms, manifest = whole.timed("/api/v1/map/manifest", GZ)
    manifest_etag = whole.last_etag
    files = json.loads(gzip.decompress(manifest))
    positions_ms, positions = whole.timed(files["sites_url"], GZ)
    status_ms, status = whole.timed(files["status_url"], GZ)
    r["first_load_ms"] = manifest_ms + positions_ms + status_ms
    r["first_load_bytes"] = len(manifest) + len(positions) + len(status)
    r["positions_bytes"], r["status_bytes"] = len(positions), len(status)
    r["manifest_304_ms"] = statistics.median(
        whole.timed("/api/v1/map/manifest", {**GZ, "If-None-Match": manifest_etag}, 304)[0] for _ in range(20))
    for size in (20, 100):
        change_sites(app, rng, size)
        build_job(app)
        update_ms, delta = whole.timed(f"{files['status_url']}?since={files['version']}", GZ)
        r[f"update{size}_ms"], r[f"update{size}_bytes"] = update_ms, len(delta)
        files = json.loads(gzip.decompress(whole.timed("/api/v1/map/manifest", GZ)[1]))
    r["load"] = os.getloadavg()[0]
    return r


def naive_round(app) -> dict:
    """The naive map in-process."""
    from webapp.accounts.models import User
    from webapp.extensions import db

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "bappeda"))
        started = time.perf_counter()
        body = naive_response_bytes(user)
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    return {"naive_ms": elapsed, "naive_bytes": len(body), "load": os.getloadavg()[0]}


def report(name: str, generated: dict, rounds: list[dict], naive: list[dict]) -> list[str]:
    med = lambda key, rows=rounds: statistics.median(r[key] for r in rows)  # noqa: E731
    failures = []
    print(f"\n=== {name} through gunicorn: {generated['counts']['sites']:,} sites, "
          f"{generated['counts']['submissions']:,} submissions, {generated['counts']['site_status']:,} status rows ===")
    for step, seconds in generated["timings"].items():
        print(f"  generate {step:<28} {seconds:8.1f} s")
    naive_ms = med("naive_ms", naive)
    loads = ", ".join(f"{r['load']:.2f}" for r in rounds)
    naive_loads = ", ".join(f"{r['load']:.2f}" for r in naive)
    print(f"  load average (1 min) per round: {loads}; naive rounds: {naive_loads}; {os.cpu_count()} CPUs")
    rows = [
        ("job after a change: files + first views (2 scopes)", med("job_ms"), "ms", None, None),
        ("cold whole regency: groups z=9 + list page", med("cold_ms"), "ms", TARGET_MS, "≤"),
        ("  of which groups / list", f"{med('cold_groups_ms'):.1f} / {med('cold_list_ms'):.1f}", "ms", None, None),
        ("  bytes of that first view (gzip)", med("first_view_bytes") / 1024, "KB", None, None),
        ("cold, one kecamatan + band (computed on demand)", med("cold_filtered_ms"), "ms", TARGET_MS, "≤"),
        ("cold whole regency computed: groups z=13 + list p.2", med("cold_computed_ms"), "ms", TARGET_MS, "≤"),
        ("  server CPU of it (gunicorn workers + database)", med("cold_computed_cpu_ms"), "ms", None, None),
        ("cold, no job ran (request rebuilds)", med("cold_nojob_ms"), "ms", None, None),
        ("naive map (window function), in-process", naive_ms, "ms", None, None),
        ("  its bytes (gzip)", med("naive_bytes", naive) / 1024, "KB", None, None),
        ("ratio naive / cold whole regency", naive_ms / med("cold_ms"), "×", TARGET_RATIO, "≥"),
        ("ratio naive / whole regency computed on demand", naive_ms / med("cold_computed_ms"), "×", TARGET_RATIO, "≥"),
        ("whole-map first load: manifest+positions+status", med("first_load_ms"), "ms", None, None),
        ("  bytes (gzip): positions / status", f"{med('positions_bytes') / 1024:.0f} / {med('status_bytes') / 1024:.0f}",
         "KB", None, None),
        ("  bytes (gzip) in all", med("first_load_bytes") / 1024, "KB", TARGET_FIRST_KB, "≤"),
        ("update after a batch of 20 sites (delta)", med("update20_bytes") / 1024, "KB", TARGET_UPDATE_KB, "≤"),
        ("  time", med("update20_ms"), "ms", None, None),
        ("update after a batch of 100 sites (delta)", med("update100_bytes") / 1024, "KB", TARGET_UPDATE_KB, "≤"),
        ("304: manifest (If-None-Match)", med("manifest_304_ms"), "ms", TARGET_304_MS, "≤"),
        ("304: list page (If-None-Match)", med("list_304_ms"), "ms", TARGET_304_MS, "≤"),
    ]
    print(f"  {'what':<58} {'median':>10}  target")
    for label, value, unit, target, op in rows:
        value_text = value if isinstance(value, str) else f"{value:.1f}"
        if target is None:
            print(f"  {label:<58} {value_text:>10} {unit}")
            continue
        ok = value <= target if op == "≤" else value >= target
        print(f"  {label:<58} {value_text:>10} {unit}  {op} {target:g} {unit}  {'ok' if ok else 'MISSED'}")
        if not ok:
            failures.append(f"{name}: {label.strip()}")
    return failures


def run(name: str, database_url: str, args) -> list[str]:
    workdir = tempfile.mkdtemp(prefix="pantau-bench-map-")
    storage = f"{workdir}/storage"
    app = make_app(database_url, storage)
    generated = generate(app, args.sites, args.submissions)
    with app.app_context():
        started = time.perf_counter()
        from webapp.maps.tasks import EAGER_SCOPES, rebuild_snapshots_job

        rebuild_snapshots_job.run_inline(list(EAGER_SCOPES))
        generated["timings"]["first build of the map files"] = time.perf_counter() - started
    rng = random.Random(11)
    naive = [naive_round(app) for _ in range(args.rounds)]
    env = app_env(database_url, workdir)
    with gunicorn(env, workers=2, threads=2) as (port, proc):
        rounds = [one_round(app, port, rng, proc.pid, database_url) for _ in range(args.rounds)]
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()
    return report(name, generated, rounds, naive)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--submissions", type=int, default=500_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run one database only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    os.environ.setdefault("PANTAU_ENV", "development")
    failures = []
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
            failures += run("SQLite", f"sqlite:///{tmp}/map-bench.sqlite", args)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg and args.only != "sqlite":
        reset_postgres(pg)
        failures += run("PostgreSQL", pg, args)
    if failures:
        print("\nMissed: " + "; ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
