"""Evaluasi terhadap Hasil RKPD (Permendagri 86/2017), cell by cell on the known data set of
tests/reports/printed_dataset.py; every expected number is worked out by hand in the comments."""
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, select

from tests import factories
from tests.reports import printed_dataset
from webapp import schedule
from webapp.extensions import db
from webapp.opd_reports.models import OpdReport
from webapp.reports import rkpd, tasks
from webapp.reports.models import ReportJob

M = 1_000_000
Q3 = rkpd.Quarter(2026, 3)
YEAR = rkpd.Quarter(2026)
DLH = "Dinas Lingkungan Hidup"
PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"
SR, R, S = "Sangat Rendah", "Rendah", "Sedang"

# (code, name, indicator, target K, pagu, TW I K, Rp, TW II K, Rp, TW III K, Rp, TW IV K, Rp, cumulative K, Rp,
#  capaian K %, Rp %, predikat K, Rp, OPD)
DLH_Q3 = [
    # S4's September report: 0 unit, Rp 80 jt (Rp 80 / 200 = 40 %); its October draft does not count.
    ("DLH", DLH, None, None, 200 * M, None, 0, None, 0, None, 80 * M, None, None, None, 80 * M, 0, 40, SR, SR, DLH),
    ("2.11.03", "Program Pengelolaan Persampahan", None, None, 200 * M, None, 0, None, 0, None, 80 * M, None, None,
     None, 80 * M, 0, 40, SR, SR, DLH),
    ("2.11.03.2.01", "Pengelolaan Sampah", None, None, 200 * M, None, 0, None, 0, None, 80 * M, None, None, None,
     80 * M, 0, 40, SR, SR, DLH),
    ("2.11.03.2.01.0002", "Pembangunan TPS3R", "Capaian Pembangunan TPS3R (unit)", 1, 200 * M, 0, 0, 0, 0, 0, 80 * M,
     None, None, 0, 80 * M, 0, 40, SR, SR, DLH),
]
PUPR_Q3 = [
    # Rp per triwulan: I 40 + 0; II (300 − 40) + 150 = 410; III (450 − 300) + (350 − 150) = 350; cumulative 800 of
    # 1,500 = 53.33 % (Rendah); capaian K = mean(50, 75) = 62.5 (Rendah).
    ("PUPR", PUPR, None, None, 1500 * M, None, 40 * M, None, 410 * M, None, 350 * M, None, None, None, 800 * M, 62.5,
     53.33, R, R, PUPR),
    ("1.03.10", "Program Penyelenggaraan Jalan", None, None, 1500 * M, None, 40 * M, None, 410 * M, None, 350 * M, None,
     None, None, 800 * M, 62.5, 53.33, R, R, PUPR),
    ("1.03.10.2.01", "Penyelenggaraan Jalan Kabupaten", None, None, 1500 * M, None, 40 * M, None, 410 * M, None,
     350 * M, None, None, None, 800 * M, 62.5, 53.33, R, R, PUPR),
    # Outputs 0.1 (Mar), 0.5 (Jun), 1.0 (Sep): 0.1, 0.4, 0.5; 1.0 of 2 km = 50 % (Sangat Rendah: ≤ 50);
    # Rp 40, 260, 150; 450 of 1,000 = 45 %.
    ("1.03.10.2.01.0015", "Rehabilitasi Jalan Desa A", "Capaian Rehabilitasi Jalan Desa A (km)", 2, 1000 * M,
     0.1, 40 * M, 0.4, 260 * M, 0.5, 150 * M, None, None, 1, 450 * M, 50, 45, SR, SR, PUPR),
    # No report before June: triwulan I is 0; outputs 1 (Jun), 3 (Sep): 3 of 4 = 75 % (Sedang); 350 of 500 = 70 %.
    ("1.03.10.2.01.0016", "Pemeliharaan Jembatan B", "Capaian Pemeliharaan Jembatan B (unit)", 4, 500 * M,
     0, 0, 1, 150 * M, 2, 200 * M, None, None, 3, 350 * M, 75, 70, S, S, PUPR),
]
# Rp: I 40, II 410, III 430; 880 of 1,700 = 51.76 % (Rendah); capaian K = mean(0, 50, 75) = 41.67 (Sangat Rendah).
TOTAL_Q3 = (None, "JUMLAH KABUPATEN", None, None, 1700 * M, None, 40 * M, None, 410 * M, None, 430 * M, None, None,
            None, 880 * M, 41.67, 51.76, SR, R, None)


@pytest.fixture
def data(app):
    ids = printed_dataset.build(app)
    yield ids
    printed_dataset.clear_heads(app)


@pytest.fixture(autouse=True)
def inline_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _build(app, tmp_path, quarter=Q3, opd_id=None, fmt="xlsx"):
    path = tmp_path / f"rkpd.{fmt}"
    with app.test_request_context():
        rkpd.build(path, quarter, opd_id, fmt)
    return path


def _sheet(ws):
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "Kode")
    rows = []
    for values in ws.iter_rows(min_row=header + 3, max_col=20, values_only=True):
        if values[1] is None:
            break
        rows.append(tuple(values))
    below = [ws.cell(row=r, column=c).value for r in range(header + 3 + len(rows), ws.max_row + 1) for c in (1, 2, 16)]
    return header, rows, [v for v in below if v is not None]


@pytest.mark.parametrize(("pct", "band"), [
    (120, "Sangat Tinggi"), (100, "Sangat Tinggi"), (91, "Sangat Tinggi"), (90.5, "Sangat Tinggi"),
    (90, "Tinggi"), (76, "Tinggi"), (75, "Sedang"), (66, "Sedang"), (65, "Rendah"), (51, "Rendah"),
    (50, "Sangat Rendah"), (0, "Sangat Rendah"), (None, ""),
])
def test_the_predikat_bands_of_permendagri_86(pct, band):
    assert rkpd.predikat(pct) == band


@pytest.mark.parametrize(("key", "label", "last"), [("2026-T1", "Triwulan I 2026", 3), ("2026-T4", "Triwulan IV 2026", 12),
                                                    ("2026", "Tahun 2026", 12)])
def test_quarter_keys(key, label, last):
    quarter = rkpd.parse_quarter(key)
    assert (quarter.key, quarter.label(), quarter.last_month) == (key, label, last)


@pytest.mark.parametrize("key", ["2026-T5", "2026-Q1", "26", "", "1999-T1"])
def test_a_bad_quarter_key_is_refused(key):
    with pytest.raises(ValueError):
        rkpd.parse_quarter(key)


def test_the_regency_evaluation_of_triwulan_iii_cell_by_cell(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path)).active
    assert ws["A1"].value == "EVALUASI TERHADAP HASIL RKPD"
    assert ws["A3"].value == "Periode pelaksanaan: s.d. Triwulan III 2026 · Tahun Anggaran 2026"
    header, rows, notes = _sheet(ws)
    assert [ws.cell(row=header, column=c).value for c in (1, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20)] == [
        "Kode", "Indikator kinerja", "Target RKPD", "Realisasi triwulan I", "Realisasi triwulan II",
        "Realisasi triwulan III", "Realisasi triwulan IV", "Realisasi kumulatif", "Tingkat capaian (%)", "Predikat",
        "OPD penanggung jawab"]
    assert [ws.cell(row=header + 1, column=c).value for c in range(4, 20)] == ["K", "Rp"] * 8
    assert rows == [*DLH_Q3, *PUPR_Q3, TOTAL_Q3]
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header + 2}" and ws.freeze_panes == f"C{header + 3}"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.cell(row=header + 3, column=5).number_format == '"Rp" #,##0'
    assert ws.cell(row=header + 3, column=16).number_format == '0.00" %"'
    # Under the table, per OPD (DLH first): the triwulan's reports' factors and actions.
    expected_notes = [
        "Faktor pendorong keberhasilan pencapaian", DLH, "–", PUPR,
        "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Cuaca baik",
        "Faktor penghambat pencapaian", DLH, "2.11.03.2.01.0002 Pembangunan TPS3R: Lahan belum siap",
        PUPR, "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Material terlambat",
        "Tindak lanjut yang diperlukan dalam triwulan berikutnya", DLH, "–", PUPR,
        "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Percepat pengiriman",
        "Tindak lanjut yang diperlukan dalam RKPD berikutnya (sub kegiatan dengan capaian kinerja di bawah predikat "
        "Tinggi)", DLH, "2.11.03.2.01.0002 Pembangunan TPS3R: capaian kinerja 0,00 % (Sangat Rendah)", PUPR,
        "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: capaian kinerja 50,00 % (Sangat Rendah); Percepat pengiriman",
        "1.03.10.2.01.0016 Pemeliharaan Jembatan B: capaian kinerja 75,00 % (Sedang)",
    ]
    assert notes[:len(expected_notes)] == expected_notes
    assert notes[len(expected_notes) + 1:] == [
        "Mengetahui,", "Kepala Badan Perencanaan Pembangunan Daerah, Penelitian dan Pengembangan",
        "Dr. Siti Aminah, M.Si", "NIP. 197505052000032002"]


def test_the_year_adds_triwulan_iv(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path, YEAR, data.pupr)).active
    assert ws["A3"].value == "Periode pelaksanaan: Tahun 2026 · Tahun Anggaran 2026"
    _header, rows, notes = _sheet(ws)
    s1, s2, total = rows[2], rows[3], rows[4]
    # October: S1 1.2 km, Rp 500 jt → triwulan IV 0.2 and Rp 50 jt; 1.2 of 2 = 60 % (Rendah), 50 %.
    assert s1[11:19] == (0.2, 50 * M, 1.2, 500 * M, 60, 50, R, SR)
    # S2 3 unit, Rp 400 jt → triwulan IV 0 and Rp 50 jt; 75 %, 80 % (Tinggi).
    assert s2[11:19] == (0, 50 * M, 3, 400 * M, 75, 80, S, "Tinggi")
    # JUMLAH: 900 of 1,500 = 60 % (Rendah); capaian K mean(60, 75) = 67.5 (Sedang).
    assert total[:2] == (None, "JUMLAH") and total[12:19] == (100 * M, None, 900 * M, 67.5, 60, S, R)
    # The whole year's factors; the latest report's action is October's.
    assert "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Hujan deras" in notes
    assert "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Tambah jam kerja" in notes
    assert "Ir. Budi Santoso" in notes and DLH not in notes


def test_the_pdf_holds_the_same_totals(app, data, tmp_path):
    path = _build(app, tmp_path, fmt="pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    for figure in ("EVALUASI TERHADAP HASIL RKPD", "1.700.000.000", "880.000.000", "430.000.000", "410.000.000",
                   "41,67", "51,76", "Sangat Tinggi 91–100", "Faktor penghambat pencapaian", "Lahan belum siap",
                   "Dr. Siti Aminah, M.Si"):
        assert figure in text, figure


def test_an_opd_gets_its_own_evaluation_only(app, data, login_as):
    dlh = login_as("opd", opd_code="DLH")
    ask = {"kind": "rkpd_evaluation", "quarter": "2026-T3"}
    assert dlh.post("/api/v1/reports/jobs", json={**ask, "opd_id": data.pupr}).status_code == 403
    job = dlh.post("/api/v1/reports/jobs", json=ask).json
    assert job["state"] == "ready" and job["result_name"] == "evaluasi-rkpd-2026-T3-dlh.xlsx"
    response = dlh.get(job["download_url"])
    body = response.data
    response.close()
    _header, rows, _notes = _sheet(load_workbook(io.BytesIO(body)).active)
    assert [r[0] for r in rows] == ["2.11.03", "2.11.03.2.01", "2.11.03.2.01.0002", None]
    assert login_as("camat").post("/api/v1/reports/jobs", json=ask).status_code == 403
    bad = login_as("bappeda").post("/api/v1/reports/jobs", json={"kind": "rkpd_evaluation", "quarter": "2026-T9"})
    assert bad.status_code == 422 and "quarter" in bad.json["errors"]


def test_an_unchanged_evaluation_is_reused_and_a_new_report_rebuilds_it(app, data, login_as, monkeypatch):
    builds = []
    original = rkpd.build
    monkeypatch.setattr(rkpd, "build", lambda *args, **kwargs: builds.append(args[1:4]) or original(*args, **kwargs))
    bappeda = login_as("bappeda")
    ask = {"kind": "rkpd_evaluation", "quarter": "2026-T3"}
    first = bappeda.post("/api/v1/reports/jobs", json=ask).json
    second = bappeda.post("/api/v1/reports/jobs", json=ask).json
    assert first["state"] == second["state"] == "ready" and len(builds) == 1
    # A report of October is outside triwulan III: still the same file.
    with app.app_context():
        october = db.session.scalar(select(OpdReport).where(OpdReport.kegiatan_id == data.s1, OpdReport.month == 10))
        october.problems = "Banjir"
        db.session.commit()
    bappeda.post("/api/v1/reports/jobs", json=ask)
    assert len(builds) == 1
    with app.app_context():
        db.session.add(OpdReport(kegiatan_id=data.s4, opd_id=data.dlh, year=2026, month=8, state="submitted",
                                 physical_pct=20.0, realisation_rp=30 * M, output_value=0))
        db.session.commit()
    bappeda.post("/api/v1/reports/jobs", json=ask)
    assert len(builds) == 2


def test_queries_do_not_grow_with_the_number_of_kegiatan(app, data):
    def add(n):
        with app.app_context():
            for opd_code in ("DLH", "PUPR"):
                for _i in range(n):
                    k = factories.make_kegiatan(opd_code, pagu=100 * M)
                    for month in (3, 6):
                        db.session.add(OpdReport(kegiatan_id=k.id, opd_id=k.opd_id, year=2026, month=month,
                                                 state="submitted", physical_pct=10.0 * month,
                                                 realisation_rp=month * M, output_value=month))
            db.session.commit()

    def count():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        with app.test_request_context():
            event.listen(db.engine, "before_cursor_execute", before)
            try:
                rkpd.collect(Q3)
                rkpd.data_version(Q3, None)
            finally:
                event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    add(2)
    small = count()
    add(20)
    assert count() == small


def test_progress_moves_per_opd(app, data):
    seen = []
    with app.test_request_context():
        rkpd.collect(Q3, None, seen.append)
    assert seen == [5, 47, 90]


def test_the_evaluation_runs_after_each_quarter(app, data, login_as, monkeypatch):
    from datetime import datetime, timezone

    item = schedule.entry("evaluasi-rkpd")
    with app.app_context():
        monkeypatch.setitem(app.config, "OPD_REPORT_DEADLINE_DAY", 10)
        # 11 October 02:00 WIB = 10 October 19:00 UTC, after triwulan III's reports are due.
        assert schedule.next_run(schedule.cron_of(item), datetime(2026, 7, 20, tzinfo=timezone.utc)) == \
            datetime(2026, 10, 10, 19, 0, tzinfo=timezone.utc)
        tasks.scheduled_rkpd_evaluation("2026-10-10T19:00:00+00:00")
        tasks.scheduled_rkpd_evaluation("2026-10-10T19:00:00+00:00")
        jobs = db.session.scalars(select(ReportJob).order_by(ReportJob.id)).all()
        assert sorted((j.params["period"], j.opd_id or 0, j.state) for j in jobs) == sorted(
            [("2026-T3", 0, "ready"), ("2026-T3", data.dlh, "ready"), ("2026-T3", data.pupr, "ready")])
        # In January: triwulan IV and the whole year before.
        tasks.scheduled_rkpd_evaluation("2027-01-10T19:00:00+00:00")
        periods = {j.params["period"] for j in db.session.scalars(select(ReportJob))}
    assert periods == {"2026-T3", "2026-T4", "2026"}
    listed = login_as("opd", opd_code="PUPR").get("/api/v1/reports/jobs").json["jobs"]
    assert sorted(j["result_name"] for j in listed) == ["evaluasi-rkpd-2026-T3-pupr.xlsx",
                                                        "evaluasi-rkpd-2026-T4-pupr.xlsx", "evaluasi-rkpd-2026-pupr.xlsx"]


def test_a_regency_pdf_of_hundreds_of_rows_repeats_the_header_on_every_page(app, data, tmp_path):
    codes = printed_dataset.many_kegiatan(app, 300)
    path = _build(app, tmp_path, fmt="pdf")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]
    # The table's pages hold its header; the notes (one "next triwulan" line per sub kegiatan) follow.
    notes = next(n for n, page in enumerate(pages) if "Faktor pendorong keberhasilan pencapaian" in page)
    table_pages = pages[:notes + 1]
    assert len(table_pages) >= 4 and all(code in "\n".join(table_pages) for code in codes)
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {len(pages)}" in page
    for page in table_pages:
        for title in ("Kode", "Indikator kinerja", "Target RKPD", "Realisasi kumulatif", "Predikat"):
            assert title in page, title
    text = "\n".join(pages)
    assert text.count("EVALUASI TERHADAP HASIL RKPD") == 1 and text.count("Mengetahui,") == 1
    assert "4.700.000.000" in text and "Dr. Siti Aminah, M.Si" in text
    assert "• 2.11.03.2.01.0002 Pembangunan TPS3R: Lahan belum siap" in text
