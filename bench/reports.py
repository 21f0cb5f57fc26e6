"""Benchmark of the printed reports: the RFK and the Evaluasi terhadap Hasil RKPD for the regency.

Generates, into a fresh SQLite file (and into PostgreSQL when BENCH_DATABASE_URL is set; that
database is emptied first): 40 OPDs, each with 2 programmes of 2 kegiatan, 2,000 sub kegiatan in
all (half with a DPA monthly plan, half on the straight-line fallback), their OPD reports for all
12 months (with output, factors, problems and planned action), 20,000 field visits and one
follow-up per sub kegiatan. Then, each in a fresh worker process (so its peak RSS is the job's
own), through the report-job machinery (`run_report`: data version, build, file):

* the RFK of December, XLSX — median of 3 (each run a new job, the earlier files made unusable
  so the job builds again);
* the evaluation of the whole year (triwulan I–IV), XLSX — median of 3;
* the same job asked again with nothing changed (the file is reused: the cache path);
* the naive version of each report, one set of queries per sub kegiatan, timed once;
* the RFK and the evaluation as PDF (ReportLab) for one OPD, once, and for the regency, median of 3.

Targets: each report ≤ 30 s and a peak RSS ≤ 250 MB on SQLite and on PostgreSQL. The peak is the
resident memory of the worker process while the job runs (its high-water mark reset after the app
started, which peaks on its own); the start-up peak is printed beside it.

    python bench/reports.py [--kegiatan 2000] [--opds 40] [--visits 20000] [--repeat 3] [--no-pdf] [--strict]
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from map_api import PASSWORD, bulk_insert, make_app, reset_postgres  # noqa: E402
from sqlalchemy import event, select, text, update  # noqa: E402

TARGET_S = 30.0
TARGET_MB = 250.0
YEAR = date.today().year - 1
MONTH_KEY = f"{YEAR}-12"


def generate(app, n_kegiatan: int, n_opds: int, n_visits: int, seed: int = 1414) -> dict:
    from flask_migrate import upgrade

    from webapp.accounts.models import Opd, User
    from webapp.accounts.opds import seed_opds
    from webapp.extensions import db
    from webapp.followups.models import FollowUp
    from webapp.forms.services import find_version, load_builtin_forms
    from webapp.monev.models import Kegiatan, KegiatanGroup, KegiatanPlan, Program
    from webapp.opd_reports.models import OpdReport
    from webapp.regions.services import seed_regions
    from webapp.submissions.models import Submission

    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    with app.app_context():
        upgrade()
        seed_regions(app.config["REGION_CODE"])
        seed_opds()
        load_builtin_forms()
        existing = db.session.scalar(select(db.func.count()).select_from(Opd))
        for n in range(existing, n_opds):
            db.session.add(Opd(code=f"OPD{n + 1:02d}", short_name=f"OPD {n + 1}", name=f"Dinas Contoh {n + 1:02d}",
                               head_name=f"Kepala {n + 1}", head_nip=f"1970010119950310{n % 100:02d}"))
        bappeda = User(username="bappeda", full_name="Analis Bappeda", role="bappeda")
        bappeda.set_password(PASSWORD)
        monitor = User(username="petugas", full_name="Petugas", role="monitor", password_hash=bappeda.password_hash)
        db.session.add_all([bappeda, monitor])
        db.session.commit()
        opds = db.session.scalars(select(Opd.id).order_by(Opd.id)).all()[:n_opds]
        programs, groups = [], []
        for i, opd in enumerate(opds):
            for p in range(2):
                programs.append({"id": len(programs) + 1, "code": f"{i + 1}.{p + 1:02d}.01", "name": f"Program {i}-{p}",
                                 "opd_id": opd, "fiscal_year": YEAR})
                for g in range(2):
                    groups.append({"id": len(groups) + 1, "code": f"{i + 1}.{p + 1:02d}.01.2.{g + 1:02d}",
                                   "name": f"Kegiatan {i}-{p}-{g}", "program_id": programs[-1]["id"], "opd_id": opd,
                                   "fiscal_year": YEAR})
        bulk_insert(Program.__table__, programs)
        bulk_insert(KegiatanGroup.__table__, groups)
        kegiatan, plans, reports, followups = [], [], [], []
        for i in range(n_kegiatan):
            group = groups[i % len(groups)]
            pagu = rng.randrange(100, 5000) * 1_000_000
            kegiatan.append({"id": i + 1, "code": f"{group['code']}.{i:04d}", "name": f"Sub kegiatan {i}",
                             "program_id": group["program_id"], "group_id": group["id"], "opd_id": group["opd_id"],
                             "fiscal_year": YEAR, "pagu": pagu, "target_indicator": "Panjang saluran",
                             "target_unit": "m", "target_value": 100.0,
                             "start_date": date(YEAR, 1, 1), "end_date": date(YEAR, 12, 31)})
            physical = [min(100.0, round(100 * ((m + 1) / 12) ** 1.6, 1)) for m in range(12)]
            if i % 2 == 0:
                plans.append({"kegiatan_id": i + 1, "revision": 1, "physical_pct": physical,
                              "cash": [round(pagu * p / 100) for p in physical], "pagu": pagu, "created_at": now})
            progress = 0.0
            for month in range(1, 13):
                progress = min(100.0, progress + rng.uniform(0, 15))
                reports.append({
                    "kegiatan_id": i + 1, "opd_id": group["opd_id"], "year": YEAR, "month": month, "state": "submitted",
                    "realisation_rp": round(pagu * min(100.0, progress + rng.uniform(-5, 10)) / 100),
                    "physical_pct": round(progress, 1), "output_value": round(progress, 1),
                    "driving_factors": "Cuaca mendukung" if month % 3 == 0 else None,
                    "problems": "Material terlambat datang" if month % 4 == 0 else None,
                    "planned_action": "Percepat pengiriman material" if month % 2 == 0 else None,
                    "created_at": now, "updated_at": now, "submitted_at": now})
            followups.append({"title": f"Percepat pekerjaan {i}", "kegiatan_id": i + 1, "assignee_opd_id": group["opd_id"],
                              "due_date": date(YEAR, 12, 20), "status": "open", "created_at": now, "updated_at": now})
        bulk_insert(Kegiatan.__table__, kegiatan)
        bulk_insert(KegiatanPlan.__table__, plans)
        bulk_insert(OpdReport.__table__, reports)
        bulk_insert(FollowUp.__table__, followups)
        version = find_version("monev_kunjungan", 2).id
        visits = []
        year_start = datetime(YEAR, 1, 1, tzinfo=timezone.utc)
        for _n in range(n_visits):
            k = rng.randrange(n_kegiatan)
            at = year_start + timedelta(minutes=rng.randrange(364 * 24 * 60))
            visits.append({"uuid": uuid.uuid4(), "form_version_id": version, "form_code": "monev_kunjungan",
                           "user_id": monitor.id, "kegiatan_id": k + 1, "recorded_at": at, "received_at": at,
                           "lat": -4.4, "lon": 102.9, "accuracy_m": 8.0,
                           "answers": {"kegiatan": kegiatan[k]["code"], "progres_fisik": round(rng.uniform(0, 100), 1),
                                       "status": "on_track"},
                           "content_hash": uuid.uuid4().hex, "status": "complete", "flags": {}, "flagged": False,
                           "review_state": rng.choice(("approved", "approved", "received", "rejected"))})
        bulk_insert(Submission.__table__, visits)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            for table in ("program", "kegiatan_group", "kegiatan", "follow_up"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return {"opds": n_opds, "kegiatan": n_kegiatan, "reports": len(reports), "visits": n_visits,
            "seconds": time.perf_counter() - started}


# --- what one worker process measures ----------------------------------------------------------------

def _count_queries(fn):
    from webapp.extensions import db

    seen = []

    def before(*args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(seen)


def _job(kind: str, fmt: str, fresh: bool, opd_id: int | None = None) -> dict:
    """One report job through `run_report`; `fresh` makes earlier files unusable so it builds."""
    from webapp.extensions import db
    from webapp.reports import tasks
    from webapp.reports.models import ReportJob
    from webapp.vocabulary import JobState

    period = MONTH_KEY if kind == "rfk" else str(YEAR)
    if fresh:
        db.session.execute(update(ReportJob).values(data_version=None))
    report = ReportJob(kind=kind, params={"period": period, "opd_id": opd_id, "format": fmt}, user_id=None,
                       opd_id=opd_id, state=JobState.QUEUED)
    db.session.add(report)
    db.session.commit()
    report_id = report.id
    queries = _count_queries(lambda: tasks.run_report.run_inline(report_id))
    db.session.expire_all()
    report = db.session.get(ReportJob, report_id)
    assert report.state == JobState.READY, report.message
    return {"queries": queries, "file": report.result_key}


def naive_rfk(path) -> None:
    """The RFK with one set of queries per sub kegiatan (the evaluation, texts and follow-ups of
    each one read on their own), written the same way."""
    from webapp import scopes
    from webapp.accounts.models import Opd
    from webapp.evaluation.monthly import evaluate
    from webapp.extensions import db
    from webapp.followups import services as followups
    from webapp.monev.models import Kegiatan, KegiatanGroup, Program
    from webapp.reports import periods, rfk

    period = periods.parse_month(MONTH_KEY)
    reader = scopes.report_reader(None)
    report = rfk.RfkReport(period=period, opd=None, generated_at=datetime.now(timezone.utc))
    grand = rfk._Sum("total", "", "JUMLAH KABUPATEN")
    for opd in db.session.scalars(select(Opd).order_by(Opd.name)):
        ids = db.session.scalars(select(Kegiatan.id).where(Kegiatan.opd_id == opd.id, Kegiatan.fiscal_year == YEAR))
        rows, texts, items, programs, groups = [], {}, {}, {}, {}
        for kegiatan_id in ids:
            stmt = scopes.kegiatan_query(reader).where(Kegiatan.id == kegiatan_id)
            rows += evaluate(reader, YEAR, kegiatan_stmt=stmt, months=[12])
            texts.update(rfk._texts(reader, YEAR, 12, [kegiatan_id]))
            items.update(followups.for_kegiatan(reader, [kegiatan_id]))
            k = rows[-1].kegiatan
            programs[k.program_id] = db.session.get(Program, k.program_id)
            groups[k.group_id] = db.session.get(KegiatanGroup, k.group_id)
        if not rows:
            continue
        lines, total = rfk._opd_lines(rows, 12, texts, items, programs, groups)
        report.lines += [total, *lines]
        for line in lines:
            if line.level == "sub":
                grand.add(line)
    report.total = grand.done()
    rfk.write_xlsx(report, path)


def naive_rkpd(path) -> None:
    """The evaluation with one query of reports per sub kegiatan, written the same way."""
    from webapp import scopes
    from webapp.accounts.models import Opd
    from webapp.extensions import db
    from webapp.monev.models import Kegiatan, KegiatanGroup, Program
    from webapp.opd_reports.models import OpdReport
    from webapp.reports import rkpd
    from webapp.vocabulary import OpdReportState

    quarter = rkpd.Quarter(YEAR)
    reader = scopes.report_reader(None)
    report = rkpd.RkpdReport(quarter=quarter, opd=None, generated_at=datetime.now(timezone.utc))
    grand = rkpd._Sum("total", "", "JUMLAH KABUPATEN", "", 4)
    for opd in db.session.scalars(select(Opd).order_by(Opd.name)):
        kegiatan = list(db.session.scalars(select(Kegiatan).where(Kegiatan.opd_id == opd.id,
                                                                  Kegiatan.fiscal_year == YEAR)))
        by_kegiatan, programs, groups = {}, {}, {}
        for k in kegiatan:
            by_kegiatan[k.id] = [tuple(r) for r in db.session.execute(
                scopes.opd_reports_query(reader).where(OpdReport.kegiatan_id == k.id, OpdReport.year == YEAR,
                                                       OpdReport.state == OpdReportState.SUBMITTED)
                .order_by(OpdReport.month).with_only_columns(
                    OpdReport.month, OpdReport.physical_pct, OpdReport.realisation_rp, OpdReport.output_value,
                    OpdReport.driving_factors, OpdReport.problems, OpdReport.planned_action))]
            programs[k.program_id] = db.session.get(Program, k.program_id)
            groups[k.group_id] = db.session.get(KegiatanGroup, k.group_id)
        if not kegiatan:
            continue
        lines, total, notes = rkpd._opd_block(opd, kegiatan, by_kegiatan, programs, groups, quarter)
        report.lines += [total, *lines]
        report.notes.append(notes)
        for line in lines:
            if line.level == "sub":
                grand.add(line)
    report.total = grand.done()
    rkpd.write_xlsx(report, path)


def _status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """Run one measurement in this fresh process and print it as JSON."""
    from flask_babel import force_locale

    app = make_app(args.url, args.storage)
    result = {}
    with app.test_request_context():
        from webapp.extensions import db

        db.session.execute(text("SELECT 1"))
    # Starting the app peaks higher than it stays; reset the high-water mark (Linux) so the peak
    # read afterwards is the job's own (resident memory of the process while the job ran).
    start_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    base = _status_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    with app.test_request_context(), force_locale("id"):
        if args.child in ("rfk", "rkpd_evaluation"):
            result = _job(args.child, args.format, fresh=not args.cached, opd_id=args.opd)
        elif args.child == "naive_rfk":
            result = {"queries": _count_queries(lambda: naive_rfk(Path(args.storage) / "naive-rfk.xlsx"))}
        else:
            result = {"queries": _count_queries(lambda: naive_rkpd(Path(args.storage) / "naive-rkpd.xlsx"))}
    result["seconds"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - cpu
    result["rss_mb"] = _status_mb("VmHWM")
    result["base_mb"] = base
    result["start_peak_mb"] = start_peak
    print(json.dumps(result))


def measure(url: str, storage: str, what: str, fmt: str = "xlsx", cached: bool = False, opd: int | None = None) -> dict:
    command = [sys.executable, __file__, "--child", what, "--url", url, "--storage", storage, "--format", fmt]
    if opd is not None:
        command += ["--opd", str(opd)]
    if cached:
        command.append("--cached")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    load = os.getloadavg()[0]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stderr[-3000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "load": load}


def _line(label: str, runs: list[dict]) -> str:
    seconds = [r["seconds"] for r in runs]
    rss = max(r["rss_mb"] for r in runs)
    spread = f" (min {min(seconds):.1f}, max {max(seconds):.1f})" if len(runs) > 1 else ""
    kind = f"median of {len(runs)}" if len(runs) > 1 else "once"
    base = max(r["base_mb"] for r in runs)
    start = max(r["start_peak_mb"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    loads = sorted(r["load"] for r in runs)
    load = f"{loads[0]:.1f}" + (f"-{loads[-1]:.1f}" if len(loads) > 1 else "")
    return f"  {label:<34} {kind:<12} {statistics.median(seconds):7.2f} s{spread}, CPU {cpu:.2f} s, load {load}  " \
           f"peak RSS {rss:6.1f} MB (before the job {base:5.1f}; app start-up peak {start:5.1f})  " \
           f"{runs[0]['queries']:,} queries"


def run(name: str, url: str, args) -> list[str]:
    failures = []
    with tempfile.TemporaryDirectory(prefix="pantau-bench-storage-") as storage:
        app = make_app(url, storage)
        generated = generate(app, args.kegiatan, args.opds, args.visits)
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()
        print(f"\n{name}: {generated['opds']} OPDs, {generated['kegiatan']:,} sub kegiatan, {generated['reports']:,} "
              f"OPD reports, {generated['visits']:,} visits; generated in {generated['seconds']:.1f} s")
        for kind, label in (("rfk", f"RFK {MONTH_KEY} (regency, XLSX)"),
                            ("rkpd_evaluation", f"Evaluasi RKPD {YEAR} (regency, XLSX)")):
            print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            if not args.pdf_only:
                runs = [measure(url, storage, kind) for _ in range(args.repeat)]
                print(_line(label, runs))
                print(_line("  same request again (file reused)", [measure(url, storage, kind, cached=True)]))
                naive = measure(url, storage, f"naive_{'rfk' if kind == 'rfk' else 'rkpd'}")
                print(_line("  naive, per-sub-kegiatan queries", [naive]) +
                      f"  ({naive['seconds'] / statistics.median(r['seconds'] for r in runs):.1f}× the job)")
                failures += _missed(f"{name} {label}", runs)
            else:
                print(f"  {label}: PDF only")
            if not args.no_pdf:
                # One OPD (about 50 sub kegiatan) first: the PDF an OPD asks for, then the whole regency.
                print(_line("  one OPD as PDF", [measure(url, storage, kind, fmt="pdf", opd=1)]))
                runs = [measure(url, storage, kind, fmt="pdf") for _ in range(args.repeat)]
                print(_line("  regency as PDF", runs))
                failures += _missed(f"{name} {label} PDF", runs)
    return failures


def _missed(what: str, runs: list[dict]) -> list[str]:
    """The targets a set of runs misses: the median time and the highest peak RSS."""
    median = statistics.median(r["seconds"] for r in runs)
    peak = max(r["rss_mb"] for r in runs)
    return ([f"{what} {median:.1f} s > {TARGET_S:.0f} s"] if median > TARGET_S else []) + \
        ([f"{what} peak RSS {peak:.0f} MB > {TARGET_MB:.0f} MB"] if peak > TARGET_MB else [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kegiatan", type=int, default=2_000)
    parser.add_argument("--opds", type=int, default=40)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF runs")
    parser.add_argument("--pdf-only", action="store_true", help="only the PDF runs")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (BENCH_DATABASE_URL)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--storage", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="xlsx", help=argparse.SUPPRESS)
    parser.add_argument("--cached", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--opd", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("PANTAU_ENV", "development")
    if args.child:
        child(args)
        return 0
    print(f"Targets: each report ≤ {TARGET_S:.0f} s with a peak RSS ≤ {TARGET_MB:.0f} MB (one worker process per run).")
    failures = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
            failures += run("SQLite", f"sqlite:///{tmp}/reports-bench.sqlite", args)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        reset_postgres(pg)
        failures += run("PostgreSQL", pg, args)
    if failures:
        print("\nMissed: " + "; ".join(failures))
    return 1 if failures and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
