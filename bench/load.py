"""Server under load: 50 monitors syncing while 10 dashboard users pan the map.

gunicorn on loopback with PostgreSQL and Redis, and an rq worker (`flask worker`, as deployed)
draining the photo and site-status jobs. Everyone logs in first (phones stay logged in for weeks;
a login costs a memory-hard password hash), then each request kind is timed alone, then the load:
each monitor fetches its bootstrap and syncs a few batches of 10–20 items (a third GEBER checks
with a 1600 px photo each, uploaded after the batch; the rest monitoring visits), pausing between
syncs; each dashboard user pans the map — the groups of the visible box at a zoom and the first
page of the list with varying filters (sending the ETag it holds), the kecamatan summary, a
site's panel, now and then the map page. Bounded by rounds and
by a time limit.

Prints requests/s, p50/p95/p99 latency per kind and overall (with the unloaded p50 beside it),
errors (must be 0), peak memory per gunicorn worker while logging in and during the load, where the CPU went (web
workers, rq worker, PostgreSQL + Redis, anything else on the machine), how long the job queue took
to drain, and the machine. Targets (DESIGN.md): 0 errors, p95 ≤ 500 ms, ≤ 150 MB RSS per worker.

    python bench/load.py                    # PostgreSQL pantau_bench + Redis db 12 on loopback
    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... python bench/load.py --monitors 50 --dashboards 10
    python bench/load.py --monitor-pause 5 15 --dashboard-pause 1 3    # calmer pacing
    python bench/load.py --runs 3           # three runs, each on a fresh database, and their medians

Clients send again after a dropped connection, as the field app does (up to 3 times, backing off).
"""
import argparse
import hashlib
import http.client
import io
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import (  # noqa: E402
    PASSWORD, ROOT, WORKER_COMMAND, Client, app_env, fresh_database, gunicorn, wait_for_queue)

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/pantau_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
TARGET_P95_MS = 500.0
TARGET_RSS_MB = 150.0
CHECKLIST = ["sampah_berserakan", "tempat_sampah", "sampah_dipilah", "sampah_diangkut", "drainase_lancar",
             "toilet_bersih", "pembakaran_sampah", "genangan_air", "halaman_terawat", "jadwal_piket"]
KINDS = ["sekolah", "kantor", "pasar", "tps", "permukiman", "ruang_publik", "tempat_ibadah"]


# --- data --------------------------------------------------------------------------------------

def prepare(url: str, workdir: str, monitors: int, dashboards: int, sites: int, seed: int) -> dict:
    """Users and sites (with a latest status, so the map has colours), through the app's models."""
    os.environ.update(app_env(url, workdir))
    from webapp import create_app
    from webapp.accounts.services import create_user
    from webapp.accounts.models import Opd
    from webapp.extensions import db
    from webapp.monev.models import Kegiatan, Program
    from webapp.regions.models import Desa, Kecamatan
    from webapp.sites.models import Site, SiteStatus

    app = create_app()
    rng = random.Random(seed)
    with app.app_context():
        kecamatan = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.code)).all()
        desa = db.session.scalars(db.select(Desa)).all()
        for n in range(monitors):
            create_user(f"petugas{n}", PASSWORD, "monitor", kecamatan_code=kecamatan[n % len(kecamatan)].code)
        roles = ["bappeda", "bappeda", "admin", "camat", "camat", "camat", "opd", "bappeda", "camat", "bappeda"]
        dash = []
        for n in range(dashboards):
            role = roles[n % len(roles)]
            scope = {"kecamatan_code": kecamatan[n % len(kecamatan)].code} if role == "camat" else {}
            if role == "opd":
                scope = {"opd_code": "DLH"}
            create_user(f"dasbor{n}", PASSWORD, role, **scope)
            dash.append((f"dasbor{n}", role))
        now = datetime.now(timezone.utc)
        site_rows, by_kecamatan = [], defaultdict(list)
        for n in range(sites):
            d = desa[n % len(desa)]
            site_rows.append({"uuid": uuid.uuid4(), "name": f"Lokasi {n} {d.name}", "kind": rng.choice(KINDS),
                              "desa_id": d.id, "kecamatan_id": d.kecamatan_id,
                              "lat": -4.45 + rng.uniform(-0.2, 0.2), "lon": 102.9 + rng.uniform(-0.2, 0.2),
                              "created_at": now, "updated_at": now})
        db.session.execute(db.insert(Site), site_rows)
        db.session.commit()
        codes = {k.id: k.code for k in kecamatan}
        statuses = []
        for site_id, kecamatan_id, site_uuid, lat, lon in db.session.execute(
                db.select(Site.id, Site.kecamatan_id, Site.uuid, Site.lat, Site.lon)):
            by_kecamatan[codes[kecamatan_id]].append((str(site_uuid), lat, lon))
            if rng.random() < 0.7:
                at = now - timedelta(days=rng.randrange(90))
                statuses.append({"site_id": site_id, "geber_score": float(rng.randrange(0, 101, 5)), "geber_at": at,
                                 "approved_score": float(rng.randrange(0, 101, 5)) if rng.random() < 0.5 else None,
                                 "approved_at": at if rng.random() < 0.5 else None, "flagged": rng.random() < 0.05,
                                 "updated_at": now})
        db.session.execute(db.insert(SiteStatus), statuses)
        # Three activities per kecamatan, each at ten of its sites: what the monitors visit.
        kegiatan_of = defaultdict(list)
        opds = db.session.scalars(db.select(Opd).order_by(Opd.code)).all()
        site_ids = dict(db.session.execute(db.select(Site.uuid, Site.id)).all())
        for k_index, kec in enumerate(kecamatan):
            for n in range(3):
                owner = opds[(k_index + n) % len(opds)]
                code = f"K{kec.code[-2:]}{n}"
                program = Program(code=f"P{code}", name=f"Program {code}", opd_id=owner.id, fiscal_year=now.year)
                kegiatan = Kegiatan(code=code, name=f"Kegiatan {code}", program=program, opd_id=owner.id,
                                    fiscal_year=now.year, pagu=rng.randrange(100, 900) * 1_000_000,
                                    target_indicator="Panjang saluran", target_unit="m", target_value=100,
                                    start_date=now.date().replace(month=1, day=1),
                                    end_date=now.date().replace(month=12, day=31))
                chosen = rng.sample(by_kecamatan[kec.code], min(10, len(by_kecamatan[kec.code])))
                kegiatan.sites.extend(db.session.get(Site, site_ids[uuid.UUID(s[0])]) for s in chosen)
                db.session.add(kegiatan)
                kegiatan_of[kec.code].append((code, chosen))
        kecamatan_codes = [k.code for k in kecamatan]
        db.session.commit()
        db.engine.dispose()
    return {"sites": by_kecamatan, "kegiatan": kegiatan_of, "kecamatan": kecamatan_codes, "dashboards": dash,
            "monitor_kecamatan": {f"petugas{n}": kecamatan_codes[n % len(kecamatan_codes)] for n in range(monitors)}}


def phone_photos(count: int, seed: int) -> list[bytes]:
    """Photos as the field app stores them: 1600 px on the longest side, JPEG, a few hundred KB."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    photos = []
    for _ in range(count):
        noise = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3))
        image = noise.filter(ImageFilter.GaussianBlur(2)).resize((1600, 1200))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
        photos.append(out.getvalue())
    return photos


def geber_check(site: tuple, rng: random.Random, photo: bytes | None) -> tuple[dict, bytes | None]:
    site_uuid, lat, lon = site
    attachments = []
    if photo is not None:
        attachments.append({"uuid": str(uuid.uuid4()), "field": "foto", "sha256": hashlib.sha256(photo).hexdigest(),
                            "bytes": len(photo), "content_type": "image/jpeg"})
    answers = {name: rng.random() < 0.7 for name in CHECKLIST}
    answers["foto"] = [a["uuid"] for a in attachments]
    now = datetime.now(timezone.utc)
    item = {
        "uuid": str(uuid.uuid4()), "form": "geber_cek", "form_version": 1,
        "recorded_at": (now - timedelta(minutes=rng.randrange(600))).isoformat(),
        "location": {"lat": lat + rng.uniform(-0.0004, 0.0004), "lon": lon + rng.uniform(-0.0004, 0.0004),
                     "accuracy_m": rng.uniform(4, 30)},
        "site": {"uuid": site_uuid}, "answers": answers, "attachments": attachments,
    }
    return item, photo


def monev_visit(kegiatan: tuple, rng: random.Random) -> dict:
    code, sites = kegiatan
    site_uuid, lat, lon = rng.choice(sites)
    now = datetime.now(timezone.utc)
    return {
        "uuid": str(uuid.uuid4()), "form": "monev_kunjungan", "form_version": 1,
        "recorded_at": (now - timedelta(minutes=rng.randrange(600))).isoformat(),
        "location": {"lat": lat, "lon": lon, "accuracy_m": rng.uniform(4, 30)},
        "site": {"uuid": site_uuid},
        "answers": {"kegiatan": code, "progres_fisik": round(rng.uniform(0, 100), 1),
                    "realisasi_anggaran": rng.randrange(0, 500) * 1_000_000,
                    "status": rng.choice(["on_track", "on_track", "at_risk", "late"]),
                    "rekomendasi": "Percepat pengadaan material." if rng.random() < 0.3 else ""},
        "attachments": [],
    }


class Phone(Client):
    """A client that, like the field app, sends again after a dropped connection (the server closed
    an idle keep-alive connection, or a worker was busy): up to RETRIES times, backing off."""

    RETRIES = 3
    last_etag: str | None = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(self.RETRIES + 1):
            try:
                return self._request(method, path, body, headers)
            except (http.client.RemoteDisconnected, http.client.BadStatusLine, BrokenPipeError, ConnectionResetError,
                    ConnectionRefusedError):
                self.conn.close()
                if attempt == self.RETRIES:
                    raise
                time.sleep(0.2 * 2 ** attempt)

    def _request(self, method, path, body, headers):
        return super().request(method, path, body, headers)


# --- simulated users ---------------------------------------------------------------------------

class Recorder:
    """Every request's kind, status and latency; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.statuses: dict[str, int] = defaultdict(int)
        self.rejected_items = 0
        self.login_seconds: list[float] = []

    def timed(self, kind: str, call, ok=(200,)):
        started = time.perf_counter()
        try:
            status, body = call()
        except Exception as exc:  # noqa: BLE001 — a failed request is an error of the run, counted
            with self.lock:
                self.errors.append(f"{kind}: {exc!r}")
            return None, b""
        elapsed = time.perf_counter() - started
        with self.lock:
            self.samples[kind].append(elapsed)
            self.statuses[f"{kind} {status}"] += 1
            if status not in ok:
                self.errors.append(f"{kind}: HTTP {status} {body[:200]!r}")
        return status, body


class Dashboard(Phone):
    """A browser: sends back the ETag it holds for a URL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.etags: dict[str, str] = {}

    def get_cached(self, path: str):
        headers = {"Accept-Encoding": "gzip"}
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        status, body = self.request("GET", path, None, headers)
        if self.last_etag:
            self.etags[path] = self.last_etag
        return status, body


def run_monitor(phone: "Phone", sites: list[tuple], kegiatan: list[tuple], photos: list[bytes],
                rounds: int, rec: Recorder, stop: threading.Event, seed: int, check_share: float,
                pause: tuple[float, float]) -> None:
    rng = random.Random(seed)
    # Phones open the app at different moments, not all in the same second.
    stop.wait(rng.uniform(0, pause[1]))
    rec.timed("bootstrap", lambda: phone.request("GET", "/api/v1/bootstrap"))
    for _ in range(rounds):
        if stop.is_set():
            break
        rec.timed("session", lambda: phone.request("GET", "/api/v1/session"))
        # GEBER checks carry a photo each (the form requires one); monitoring visits none here.
        batch = [geber_check(rng.choice(sites), rng, rng.choice(photos)) if rng.random() < check_share
                 else (monev_visit(rng.choice(kegiatan), rng), None) for _ in range(rng.randint(10, 20))]
        items = [item for item, _photo in batch]
        status, body = rec.timed("sync batch", lambda: phone.post_json("/api/v1/submissions/batch", {"submissions": items}))
        if status == 200:
            results = json.loads(body)["results"]
            with rec.lock:
                rec.rejected_items += sum(r["status"] == "rejected" for r in results)
        for item, photo in batch:
            if photo is None or status != 200:
                continue
            att = item["attachments"][0]["uuid"]
            rec.timed("photo upload", lambda: phone.request(
                "PUT", f"/api/v1/attachments/{att}", photo, {"Content-Type": "image/jpeg", "X-CSRFToken": phone.csrf}))
        rec.timed("my submissions", lambda: phone.request("GET", "/api/v1/submissions?mine=1"))
        stop.wait(rng.uniform(*pause))
    phone.conn.close()


def run_dashboard(user: "Dashboard", world: dict, rec: Recorder, stop: threading.Event,
                  seed: int, pause: tuple[float, float], rounds: int | None = None) -> None:
    rng = random.Random(seed)
    today = datetime.now(timezone.utc).date()
    all_sites = [s for sites in world["sites"].values() for s in sites]
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        done += 1
        params = {"layer": rng.choice(["geber", "geber", "monev"])}
        if rng.random() < 0.5:
            params["kecamatan"] = rng.choice(world["kecamatan"])
        if rng.random() < 0.3:
            params["band"] = rng.choice(["bersih", "cukup", "kotor", "belum"])
        if rng.random() < 0.3:
            params["kind"] = rng.choice(KINDS)
        if rng.random() < 0.3:
            params["from"] = (today - timedelta(days=rng.choice([7, 30, 90]))).isoformat()
            params["to"] = today.isoformat()
        query = urlencode(params)
        # What the map page asks for: the groups of the visible box at its zoom, the first page of
        # the list, and the summary; a pan or a zoom asks for the groups again.
        site_uuid, lat, lon = rng.choice(all_sites)
        for _ in range(rng.randint(1, 3)):
            zoom = rng.choice([9, 10, 11, 12, 13, 14, 15])
            half = 360 / 2 ** zoom  # a laptop's box, about 1,000 × 600 px
            box = f"{lat - half * 0.4:.4f},{lon - half * 0.6:.4f},{lat + half * 0.4:.4f},{lon + half * 0.6:.4f}"
            rec.timed("map clusters", lambda: user.get_cached(f"/api/v1/map/clusters?{query}&z={zoom}&bbox={box}"),
                      ok=(200, 304))
        rec.timed("map list", lambda: user.get_cached(f"/api/v1/map/list?{query}"), ok=(200, 304))
        rec.timed("map summary", lambda: user.get_cached(f"/api/v1/map/kecamatan-summary?{query}"), ok=(200, 304))
        # A camat or an OPD clicking a site outside their scope gets a 404: that is the scope working.
        rec.timed("site panel", lambda: user.request("GET", f"/api/v1/map/sites/{site_uuid}"), ok=(200, 404))
        if rng.random() < 0.1:
            rec.timed("map page", lambda: user.request("GET", f"/peta?{query}"))
        stop.wait(rng.uniform(*pause))
    user.conn.close()


# --- measurements ------------------------------------------------------------------------------

def worker_rss(master_pid: int) -> list[tuple[int, float, float]]:
    """(pid, current RSS MB, peak RSS MB) of each gunicorn worker."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    out = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        rss = re.search(r"VmRSS:\s+(\d+) kB", status)
        hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
        if rss and hwm:
            out.append((int(pid), int(rss.group(1)) / 1024, int(hwm.group(1)) / 1024))
    return out


def reset_peaks(master_pid: int) -> bool:
    """Start the workers' peak-memory counters (VmHWM) afresh; False where the kernel refuses."""
    done = True
    for pid, _rss, _hwm in worker_rss(master_pid):
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            done = False
    return done


def calibrate(phone: "Phone", dashboard: "Dashboard", world: dict, photos: list[bytes], rounds: int,
              seed: int) -> "Recorder":
    """The same requests one at a time, before the load: what each costs when nothing waits."""
    rec, stop = Recorder(), threading.Event()
    name = next(n for n, k in world["monitor_kecamatan"].items())
    kecamatan = world["monitor_kecamatan"][name]
    run_monitor(phone, world["sites"][kecamatan], world["kegiatan"][kecamatan], photos, rounds, rec, stop, seed,
                0.33, (0.0, 0.0))
    run_dashboard(dashboard, world, rec, stop, seed, (0.0, 0.0), rounds=rounds * 3)
    return rec


def log_in_everyone(port: int, world: dict, monitors: int, rec: Recorder) -> tuple[dict, dict]:
    """Every user logs in before the load, as phones that logged in days ago (a login costs a
    memory-hard password hash: 32 MB for scrypt, on purpose)."""
    from concurrent.futures import ThreadPoolExecutor

    def login(name: str, cls):
        started = time.perf_counter()
        client = cls(port, name)
        with rec.lock:
            rec.login_seconds.append(time.perf_counter() - started)
        return name, client

    with ThreadPoolExecutor(8) as pool:
        phones = dict(pool.map(lambda n: login(f"petugas{n}", Phone), range(monitors)))
        dashboards = dict(pool.map(lambda item: login(item[0], Dashboard), world["dashboards"]))
    return phones, dashboards


def sample_rss(master_pid: int, stop: threading.Event, peaks: dict) -> None:
    while not stop.wait(0.5):
        for pid, _rss, hwm in worker_rss(master_pid):
            peaks[pid] = max(peaks.get(pid, 0.0), hwm)


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system, with reaped children such as rq's work horses) of these processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])
    return total / ticks


def service_cpu(url: str) -> dict[int, float]:
    """CPU seconds of each process serving this run: the PostgreSQL backends connected to its database
    (not the server's other databases, which other work on the machine may be using) and Redis."""
    pids = [int(p) for p in subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout.split()]
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            pids += list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalars())
        engine.dispose()
    return {pid: cpu_seconds([pid]) for pid in pids}


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / ticks, sum(values) / ticks


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    model = ""
    try:
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({model or platform.machine()}), {mem_kb / 1024 / 1024:.1f} GB RAM, {platform.system()} {platform.release()}"


def finished_jobs(redis_url: str) -> int:
    from redis import Redis
    from rq import Queue

    return Queue("default", connection=Redis.from_url(redis_url)).finished_job_registry.count


def verify(url: str, workdir: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT state, count(*) FROM attachment GROUP BY state")).all())
        submissions = conn.execute(text("SELECT count(*) FROM submission")).scalar()
        duplicates = conn.execute(text("SELECT count(*) FROM (SELECT uuid FROM submission GROUP BY uuid HAVING count(*) > 1) d")).scalar()
    engine.dispose()
    return {"submissions": submissions, "duplicated": duplicates, "attachments": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--monitors", type=int, default=50)
    parser.add_argument("--dashboards", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4, help="syncs per monitor")
    parser.add_argument("--sites", type=int, default=5_000)
    parser.add_argument("--check-share", type=float, default=0.33,
                        help="share of GEBER checks (one photo each) among the items; the rest are monitoring visits")
    parser.add_argument("--monitor-pause", type=float, nargs=2, default=(1.0, 4.0), metavar=("MIN", "MAX"),
                        help="seconds a phone waits between syncs")
    parser.add_argument("--dashboard-pause", type=float, nargs=2, default=(0.5, 2.0), metavar=("MIN", "MAX"),
                        help="seconds a dashboard user looks before panning again")
    parser.add_argument("--calibrate", type=int, default=5,
                        help="syncs and pans made one at a time before the load, for the unloaded cost (0: none)")
    parser.add_argument("--rq-worker", choices=["flask", "simple"], default="flask",
                        help="flask: `flask worker` as deployed (no fork per job); simple: `rq worker` with rq's SimpleWorker")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat the whole benchmark (fresh database each time) and print the median figures")
    args = parser.parse_args()
    if args.runs > 1:
        repeat(args.runs)
        return

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    url, workdir = fresh_database(db_url)
    print(f"preparing: {args.sites} sites, {args.monitors} monitors, {args.dashboards} dashboard users …", flush=True)
    world = prepare(url, workdir, args.monitors, args.dashboards, args.sites, args.seed)
    photos = phone_photos(6, args.seed)
    env = app_env(url, workdir, REDIS_URL=redis_url)
    worker_log = open(Path(workdir) / "worker.log", "wb")
    if args.rq_worker == "flask":
        command = WORKER_COMMAND
    else:
        # For comparison only: rq's own command with its SimpleWorker, outside the app's CLI.
        command = [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url, "--worker-class",
                   "rq.worker.SimpleWorker", "default"]
    worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    rec, stop, rss_stop, peaks = Recorder(), threading.Event(), threading.Event(), {}
    try:
        with gunicorn(env, workers=args.workers, threads=args.threads) as (port, proc):
            phones, browsers = log_in_everyone(port, world, args.monitors, rec)
            unloaded = calibrate(Phone(port, "petugas0"), Dashboard(port, world["dashboards"][0][0]), world, photos,
                                 args.calibrate, args.seed - 1) if args.calibrate else None
            login_peaks = {pid: hwm for pid, _rss, hwm in worker_rss(proc.pid)}
            peaks_reset = reset_peaks(proc.pid)
            sampler = threading.Thread(target=sample_rss, args=(proc.pid, rss_stop, peaks), daemon=True)
            sampler.start()
            threads = []
            for n, (name, phone) in enumerate(phones.items()):
                kecamatan = world["monitor_kecamatan"][name]
                threads.append(threading.Thread(target=run_monitor, daemon=True, args=(
                    phone, world["sites"][kecamatan], world["kegiatan"][kecamatan], photos, args.rounds, rec,
                    stop, args.seed + n, args.check_share, args.monitor_pause)))
            dashboards = [threading.Thread(target=run_dashboard, daemon=True, args=(
                browser, world, rec, stop, args.seed + 1000 + n, args.dashboard_pause))
                for n, browser in enumerate(browsers.values())]
            load_before = os.getloadavg()
            web_pids = lambda: [pid for pid, _r, _h in worker_rss(proc.pid)]  # noqa: E731
            services_before = service_cpu(url)
            cpu_before = (cpu_seconds(web_pids()), cpu_seconds([worker.pid]))
            busy_before = machine_busy()
            self_before = time.process_time()
            started = time.perf_counter()
            for thread in dashboards + threads:
                thread.start()
            deadline = started + args.time_limit
            for thread in threads:
                thread.join(timeout=max(0.1, deadline - time.perf_counter()))
            timed_out = any(t.is_alive() for t in threads)
            stop.set()
            for thread in dashboards + threads:
                thread.join(timeout=30)
            elapsed = time.perf_counter() - started
            load_after = os.getloadavg()
            services_after = service_cpu(url)
            server_cpu = (cpu_seconds(web_pids()) - cpu_before[0], cpu_seconds([worker.pid]) - cpu_before[1],
                          sum(cpu - services_before.get(pid, 0.0) for pid, cpu in services_after.items()))
            busy_after = machine_busy()
            machine_cpu = (busy_after[0] - busy_before[0], busy_after[1] - busy_before[1])
            generator_cpu = time.process_time() - self_before
            drain = wait_for_queue(redis_url, 180)
            jobs_done = finished_jobs(redis_url)
            worker_cpu_total = cpu_seconds([worker.pid])
            rss_stop.set()
            sampler.join(timeout=5)
            for pid, _rss, hwm in worker_rss(proc.pid):
                peaks[pid] = max(peaks.get(pid, 0.0), hwm)
            current = {pid: rss for pid, rss, _hwm in worker_rss(proc.pid)}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        worker_log.close()
    result = verify(url, workdir)
    report(args, rec, elapsed, peaks, current, drain, result, timed_out,
           {"login_peaks": login_peaks, "reset": peaks_reset, "load": (load_before, load_after),
            "server_cpu": server_cpu, "machine_cpu": machine_cpu, "generator_cpu": generator_cpu,
            "unloaded": unloaded, "jobs": (jobs_done, worker_cpu_total)})


def repeat(runs: int) -> None:
    """Run the benchmark `runs` times, each in its own process, and print each run's figures and their medians."""
    import statistics

    argv = sys.argv[1:]
    if "--runs" in argv:
        index = argv.index("--runs")
        del argv[index:index + 2]
    argv = [a for a in argv if not a.startswith("--runs=")]
    results = []
    for n in range(runs):
        out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, cwd=ROOT)
        print(out.stdout, flush=True)
        line = next((line for line in out.stdout.splitlines() if line.startswith("RESULT ")), None)
        if line is None:
            print(out.stderr[-3000:])
            sys.exit(f"run {n + 1} failed")
        results.append(json.loads(line[len("RESULT "):]))
    keys = ["p50", "p95", "errors", "rss_login", "rss_load", "web_ms_per_request", "job_ms", "worker_ms_per_photo",
            "requests_per_s", "load_before", "load_after"]
    print(f"\n{'run':<8}" + "".join(f"{k:>20}" for k in keys))
    for n, result in enumerate(results, 1):
        print(f"{n:<8}" + "".join(f"{result[k]:>20.1f}" for k in keys))
    print(f"{'median':<8}" + "".join(f"{statistics.median(r[k] for r in results):>20.1f}" for k in keys))
    # Which requests make the slow tail: p95 per kind of request, each the median of the runs.
    kinds = sorted({kind for r in results for kind in r.get("kinds", {})})
    print(f"\n{'kind':<16}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}   p95 per run")
    for kind in kinds:
        rows = [r["kinds"][kind] for r in results if kind in r.get("kinds", {})]
        print(f"{kind:<16}{statistics.median(row[0] for row in rows):>8.0f}{statistics.median(row[1] for row in rows):>9.0f}"
              f"{statistics.median(row[2] for row in rows):>9.0f}   " + " / ".join(f"{row[2]:.0f}" for row in rows))
    errors = sum(r["errors"] for r in results)
    p95 = statistics.median(r["p95"] for r in results)
    rss = statistics.median(max(r["rss_login"], r["rss_load"]) for r in results)
    print(f"targets (medians of {runs}): 0 errors ({errors}), p95 ≤ {TARGET_P95_MS:.0f} ms ({p95:.0f}), "
          f"≤ {TARGET_RSS_MB:.0f} MB per worker including logins ({rss:.0f}) → "
          f"{'meets' if not errors and p95 <= TARGET_P95_MS and rss <= TARGET_RSS_MB else 'MISSES'}")


def report(args, rec: Recorder, elapsed: float, peaks: dict, current: dict, drain: float, result: dict,
           timed_out: bool, extra: dict) -> None:
    everything = [v for values in rec.samples.values() for v in values]
    total = len(everything)
    print(f"\nLoad benchmark — {args.monitors} monitors × {args.rounds} syncs, {args.dashboards} dashboard users, "
          f"{args.sites} sites; gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL, Redis + 1 rq worker")
    print(f"machine: {machine()}; load average before/after the run "
          f"{extra['load'][0][0]:.1f}/{extra['load'][1][0]:.1f} (other work on the machine competes for its cores)")
    print(f"logins before the load: {len(rec.login_seconds)}, p50 {percentile(rec.login_seconds, .5) * 1000:.0f} ms; "
          f"peak RSS per worker while logging in, MB: "
          + ", ".join(f"{v:.0f}" for v in sorted(extra["login_peaks"].values())))
    print(f"duration {elapsed:.1f} s{' (time limit reached)' if timed_out else ''}; {total} requests, "
          f"{total / elapsed:.1f} requests/s")
    unloaded = extra["unloaded"].samples if extra["unloaded"] else {}
    print(f"\n{'kind':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'unloaded p50':>14}")
    for kind in sorted(rec.samples):
        values = rec.samples[kind]
        alone = f"{percentile(unloaded[kind], .5) * 1000:>14.0f}" if unloaded.get(kind) else f"{'–':>14}"
        print(f"{kind:<16}{len(values):>7}{percentile(values, .5) * 1000:>9.0f}{percentile(values, .95) * 1000:>9.0f}"
              f"{percentile(values, .99) * 1000:>9.0f}{max(values) * 1000:>9.0f}{alone}")
    p95 = percentile(everything, .95) * 1000
    print(f"{'all':<16}{total:>7}{percentile(everything, .5) * 1000:>9.0f}{p95:>9.0f}"
          f"{percentile(everything, .99) * 1000:>9.0f}{max(everything) * 1000:>9.0f}")
    busy, total_cpu = extra["machine_cpu"]
    web, jobs, services = extra["server_cpu"]
    print(f"\nCPU during the load, core-seconds: gunicorn workers {web:.1f} ({web / max(total, 1) * 1000:.0f} ms per "
          f"request), rq worker {jobs:.1f}, PostgreSQL backends of its database + Redis {services:.1f}, load generator "
          f"{extra['generator_cpu']:.1f}; the machine was busy {busy:.0f} of {total_cpu:.0f} "
          f"({busy - web - jobs - services - extra['generator_cpu']:.0f} by anything else)")
    print(f"statuses: {dict(sorted(rec.statuses.items()))}")
    print(f"errors: {len(rec.errors)}; rejected items: {rec.rejected_items}")
    for line in rec.errors[:10]:
        print(f"  {line}")
    peak = max(peaks.values()) if peaks else float("nan")
    label = ("peak RSS per gunicorn worker during the load, MB: " if extra["reset"] else
             "peak RSS per gunicorn worker (logins included: the kernel refused to reset the peak), MB: ")
    print(label + ", ".join(f"{v:.0f}" for v in sorted(peaks.values()))
          + f" (at the end: {', '.join(f'{v:.0f}' for v in sorted(current.values()))})")
    jobs_done, worker_cpu_total = extra["jobs"]
    photos_done = result["attachments"].get("processed", 0)
    print(f"job queue drained {drain:.1f} s after the load ended; {jobs_done} jobs, "
          f"{worker_cpu_total / max(jobs_done, 1) * 1000:.0f} ms of rq worker CPU each ({args.rq_worker} worker, "
          f"start-up included), {worker_cpu_total / max(photos_done, 1) * 1000:.1f} ms per photo processed "
          f"(one job may take many photos; the site-status jobs included); "
          f"stored: {result['submissions']} submissions, {result['duplicated']} duplicated, "
          f"attachments {result['attachments']}")
    login_peak = max(extra["login_peaks"].values()) if extra["login_peaks"] else float("nan")
    print("RESULT " + json.dumps({
        "p50": percentile(everything, .5) * 1000, "p95": p95, "errors": len(rec.errors) + rec.rejected_items,
        "rss_load": peak, "rss_login": login_peak, "load_before": extra["load"][0][0], "load_after": extra["load"][1][0],
        "web_ms_per_request": web / max(total, 1) * 1000, "job_ms": worker_cpu_total / max(jobs_done, 1) * 1000,
        "worker_ms_per_photo": worker_cpu_total / max(photos_done, 1) * 1000,
        "requests_per_s": total / elapsed,
        "kinds": {kind: [len(values), percentile(values, .5) * 1000, percentile(values, .95) * 1000]
                  for kind, values in rec.samples.items()}}))
    peak = max(peak, login_peak)
    ok = not rec.errors and not rec.rejected_items and p95 <= TARGET_P95_MS and peak <= TARGET_RSS_MB
    print(f"targets: 0 errors, p95 ≤ {TARGET_P95_MS:.0f} ms, ≤ {TARGET_RSS_MB:.0f} MB per worker → "
          f"{'meets' if ok else 'MISSES'}")
    if rec.errors or rec.rejected_items:
        sys.exit(1)


if __name__ == "__main__":
    main()
