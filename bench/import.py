"""Benchmark of the DPA import: 5,000 sub kegiatan with 12-month plans, as one XLSX file.

For each database (SQLite, and PostgreSQL when BENCH_DATABASE_URL is set — that database is
emptied first), three rounds, each on a freshly migrated database and in its own child process:

* baseline: reading the same XLSX with openpyxl read-only, touching every cell (what any import
  of the file costs at least);
* preview: `preview_dpa` — read, normalise and check every row, compare with the database;
* commit: `import_dpa` and the commit — every row written in one transaction.

Printed: the medians of the three rounds, the child's peak RSS (VmHWM), and the load average.
Targets (DESIGN.md): preview ≤ 10 s, commit ≤ 20 s, ≤ 250 MB RSS.

    python bench/import.py [--rows 5000] [--rounds 3] [--strict]
"""
import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import fresh_database  # noqa: E402

TARGETS = {"preview_s": 10.0, "commit_s": 20.0, "rss_mb": 250.0}
OPDS = ("DLH", "PUPR", "DISDIK", "DINKES", "PERKIM", "DISHUB", "DINSOS", "DPMD", "PERTANIAN", "PERIKANAN",
        "DISPERINDAG", "DISPARPORA", "DUKCAPIL", "KOMINFO", "BPKD", "BPBD", "SATPOLPP", "SETDA", "INSPEKTORAT",
        "BAPPEDA")
PHYSICAL = [0, 4, 10, 18, 28, 40, 52, 64, 75, 86, 95, 100]
CASH_SHARE = [0, 20, 20, 30, 35, 50, 55, 65, 70, 80, 92, 100]


def make_dpa(rows: int, year: int = 2026) -> bytes:
    """A DPA workbook of `rows` sub kegiatan spread over 20 OPDs, with plans and Indonesian-written money."""
    from openpyxl import Workbook

    from webapp.monev.dpa import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("DPA")
    sheet.append(list(COLUMNS))
    kecamatan = [f"17.01.{n:02d}" for n in range(1, 12)]
    for i in range(rows):
        opd_index = i % len(OPDS)
        n = i // len(OPDS)
        program = f"1.{opd_index + 1:02d}.{n // 50 + 2:02d}"
        group = f"{program}.2.{n // 10 % 100:02d}"
        code = f"{group}.{n % 10000:04d}"
        pagu = 50_000_000 + (i * 7_919_000) % 2_000_000_000
        cash = [pagu * share // 100 for share in CASH_SHARE]
        values = {
            "tahun": year, "kode_opd": OPDS[opd_index], "kode_program": program, "nama_program": f"Program {program}",
            "kode_kegiatan": group, "nama_kegiatan": f"Kegiatan {group}", "kode_sub_kegiatan": code,
            "nama_sub_kegiatan": f"Sub kegiatan {code} — pembangunan dan rehabilitasi sarana",
            "pagu": f"Rp {pagu:,}".replace(",", ".") if i % 2 else pagu,
            "indikator": "Jumlah sarana yang dibangun", "target": 1 + i % 9, "satuan": "unit",
            "keluaran": "Sarana terbangun", "kode_kecamatan": kecamatan[i % len(kecamatan)], "kode_desa": "",
            "kode_lokasi": "", "tanggal_mulai": f"{year}-02-01", "tanggal_selesai": f"{year}-11-30",
        }
        for month, (physical, money) in enumerate(zip(PHYSICAL, cash)):
            key = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des")[month]
            values[f"fisik_{key}"] = physical
            values[f"kas_{key}"] = money
        sheet.append([values[c] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def measure(path: str, url: str, workdir: str) -> dict:
    """In a child process: baseline read, preview, commit; returns seconds and peak RSS."""
    os.environ.update({"DATABASE_URL": url, "STORAGE_ROOT": f"{workdir}/storage", "PANTAU_ENV": "development"})
    os.environ.pop("REDIS_URL", None)
    from openpyxl import load_workbook

    from webapp import create_app
    from webapp.extensions import db
    from webapp.monev.dpa import import_dpa, preview_dpa

    data = Path(path).read_bytes()
    started = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    cells = sum(1 for row in workbook.worksheets[0].iter_rows(values_only=True) for _ in row)
    workbook.close()
    baseline = time.perf_counter() - started
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        preview = preview_dpa(data, "dpa.xlsx")
        preview_s = time.perf_counter() - started
        assert preview.ok and preview.count("new") > 0, [r.reasons for r in preview.errors[:3]]
        started = time.perf_counter()
        import_dpa(data, "dpa.xlsx")
        db.session.commit()
        commit_s = time.perf_counter() - started
        again = preview_dpa(data, "dpa.xlsx")
        assert again.count("unchanged") == len(again.results)
        db.session.remove()
        db.engine.dispose()
    return {"baseline_s": baseline, "cells": cells, "preview_s": preview_s, "commit_s": commit_s,
            "rows": len(preview.results), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run(label: str, url: str | None, path: str, rounds: int) -> dict:
    results = []
    for _ in range(rounds):
        db_url, workdir = fresh_database(url)
        child = subprocess.run([sys.executable, __file__, "--measure", path, db_url, workdir], capture_output=True,
                               text=True, cwd=Path(__file__).resolve().parent.parent)
        if child.returncode != 0:
            raise SystemExit(f"{label}: the measuring child failed:\n{child.stderr[-3000:]}")
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    median = {key: statistics.median(r[key] for r in results) for key in ("baseline_s", "preview_s", "commit_s")}
    median["rss_mb"] = max(r["rss_mb"] for r in results)
    median["rows"] = results[0]["rows"]
    return median


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    path = Path(tempfile.mkdtemp(prefix="pantau-bench-dpa-")) / "dpa.xlsx"
    path.write_bytes(make_dpa(args.rows))
    print(f"DPA import benchmark: {args.rows:,} sub kegiatan × 12-month plans, {path.stat().st_size / 1e6:.1f} MB XLSX; "
          f"median of {args.rounds} rounds, each on a fresh database")
    backends = [("SQLite", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        backends.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    missed = []
    print(f"  {'database':<11} {'baseline read':>14} {'preview':>9} {'× base':>7} {'commit':>9} {'peak RSS':>10}")
    for label, url in backends:
        r = run(label, url, str(path), args.rounds)
        print(f"  {label:<11} {r['baseline_s']:>12.2f} s {r['preview_s']:>7.2f} s {r['preview_s'] / r['baseline_s']:>6.1f}× "
              f"{r['commit_s']:>7.2f} s {r['rss_mb']:>7.0f} MB")
        for key, target in TARGETS.items():
            if r[key] > target:
                missed.append(f"{label} {key} {r[key]:.1f} > {target}")
    print(f"  load average after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print("  targets: preview ≤ 10 s, commit ≤ 20 s, peak RSS ≤ 250 MB" + (f" — MISSED: {'; '.join(missed)}" if missed else " — met"))
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
