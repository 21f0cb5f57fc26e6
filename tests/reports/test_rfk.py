"""The RFK report (Laporan Realisasi Fisik dan Keuangan), cell by cell on the known data set of
tests/reports/printed_dataset.py; every expected number is worked out by hand in the comments."""
import io
import re
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, select

from tests import factories
from tests.reports import printed_dataset
from webapp import schedule
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.monev.models import KegiatanPlan
from webapp.opd_reports.models import OpdReport
from webapp.reports import periods, rfk, tasks
from webapp.reports.models import ReportJob
from webapp.submissions.models import Submission
from webapp.types import utcnow

M = 1_000_000
OCTOBER = periods.month(2026, 10)
HEADER = ["Kode", "Program / Kegiatan / Sub Kegiatan", "Pagu (Rp)", "Rencana s.d. bulan ini", None,
          "Realisasi s.d. bulan ini", None, None, "Deviasi (realisasi − rencana)", None, "Sisa anggaran (Rp)",
          "Permasalahan", "Tindak lanjut", "Verifikasi lapangan"]

# (code, name, pagu, plan %, plan Rp, real %, real Rp, real Rp %, dev physical, dev Rp, remaining,
#  problems, follow-up, verification)
DLH_ROWS = [
    # One sub kegiatan with no submitted report for October (its draft does not count): realisation 0.
    ("DLH", "Dinas Lingkungan Hidup", 200 * M, 50, 90 * M, 0, 0, 0, -50, -45, 200 * M, None, None, None),
    ("2.11.03", "Program Pengelolaan Persampahan", 200 * M, 50, 90 * M, 0, 0, 0, -50, -45, 200 * M, None, None, None),
    ("2.11.03.2.01", "Pengelolaan Sampah", 200 * M, 50, 90 * M, 0, 0, 0, -50, -45, 200 * M, None, None, None),
    # Plan Rp 90 jt = 45 % of the pagu; no report: realisation blank, remaining the whole pagu.
    ("2.11.03.2.01.0002", "Pembangunan TPS3R", 200 * M, 50, 90 * M, None, None, None, None, None, 200 * M,
     "Belum ada laporan OPD bulan ini", "TL: Percepat lelang (Terbuka, tenggat 15-11-2026)", "Belum dikunjungi"),
]
PUPR_ROWS = [
    # Plan %: (80 × 1,000 + 83.2 × 500) / 1,500 = 81.0667; real %: (60 × 1,000 + 85 × 500) / 1,500 = 68.3333;
    # Rp 900 / 1,500 = 60 %; dev physical 68.33 − 81.07 = −12.74; dev Rp 60 − 1,116/1,500 × 100 (74.4) = −14.4.
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", 1500 * M, 81.07, 1116 * M, 68.33, 900 * M, 60, -12.74, -14.4,
     600 * M, None, None, "1 berbeda"),
    ("1.03.10", "Program Penyelenggaraan Jalan", 1500 * M, 81.07, 1116 * M, 68.33, 900 * M, 60, -12.74, -14.4,
     600 * M, None, None, "1 berbeda"),
    ("1.03.10.2.01", "Penyelenggaraan Jalan Kabupaten", 1500 * M, 81.07, 1116 * M, 68.33, 900 * M, 60, -12.74, -14.4,
     600 * M, None, None, "1 berbeda"),
    # Observed 45 against reported 60: 15 points apart, more than 10.
    ("1.03.10.2.01.0015", "Rehabilitasi Jalan Desa A", 1000 * M, 80, 700 * M, 60, 500 * M, 50, -20, -20, 500 * M,
     "Hujan deras", "Tambah jam kerja", "BERBEDA -15 poin (lapangan 45 %)"),
    # Straight line 1 Jan – 31 Dec at 31 Oct: 303 / 364 days = 83.2 %, Rp 416 jt; observed 80 against 85: 5 points.
    ("1.03.10.2.01.0016", "Pemeliharaan Jembatan B *", 500 * M, 83.2, 416 * M, 85, 400 * M, 80, 1.8, -3.2, 100 * M,
     None, None, "Sesuai (lapangan 80 %)"),
]
# Plan %: (80 × 1,000 + 83.2 × 500 + 50 × 200) / 1,700 = 77.4118; real %: (60 × 1,000 + 85 × 500) / 1,700 = 60.2941;
# Rp 900 / 1,700 = 52.94 %; dev physical 60.29 − 77.41 = −17.12; dev Rp 52.9412 − 1,206/1,700 × 100 (70.9412) = −18.
REGENCY_TOTAL = (None, "JUMLAH KABUPATEN", 1700 * M, 77.41, 1206 * M, 60.29, 900 * M, 52.94, -17.12, -18, 800 * M,
                 None, None, "1 berbeda")
PUPR_TOTAL = (None, "JUMLAH",) + PUPR_ROWS[0][2:]


@pytest.fixture
def data(app):
    ids = printed_dataset.build(app)
    yield ids
    printed_dataset.clear_heads(app)


@pytest.fixture(autouse=True)
def inline_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _build(app, tmp_path, opd_id=None, fmt="xlsx"):
    path = tmp_path / f"rfk.{fmt}"
    with app.test_request_context():
        rfk.build(path, OCTOBER, opd_id, fmt)
    return path


def _table(ws):
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "Kode")
    rows = []
    for values in ws.iter_rows(min_row=header + 3, max_col=14, values_only=True):
        if values[1] is None:
            break
        rows.append(tuple(values))
    return header, rows


def _pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_the_regency_rfk_has_every_cell_as_worked_out_by_hand(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path)).active
    assert ws["A1"].value == "LAPORAN REALISASI FISIK DAN KEUANGAN"
    assert ws["A3"].value == "Bulan Oktober 2026 · Tahun Anggaran 2026"
    header, rows = _table(ws)
    assert [ws.cell(row=header, column=c).value for c in range(1, 15)] == HEADER
    assert [ws.cell(row=header + 1, column=c).value for c in (4, 5, 6, 7, 8, 9, 10)] == [
        "Fisik (%)", "Keuangan (Rp)", "Fisik (%)", "Keuangan (Rp)", "Keuangan (%)", "Fisik (poin)", "Keuangan (poin)"]
    assert [ws.cell(row=header + 2, column=c).value for c in range(1, 15)] == list(range(1, 15))
    # Dinas Lingkungan Hidup sorts before Dinas Pekerjaan Umum.
    assert rows == [*DLH_ROWS, *PUPR_ROWS, REGENCY_TOTAL]


def test_the_rfk_is_ready_to_print(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path)).active
    header, rows = _table(ws)
    first = header + 3
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header + 2}"
    assert ws.freeze_panes == f"C{first}"
    assert ws.cell(row=first, column=3).number_format == '"Rp" #,##0'
    assert ws.cell(row=first, column=4).number_format == '0.00" %"'
    assert ws.cell(row=first, column=9).number_format == "+0.00;-0.00;0.00"
    # The signature block under the table: the head of Bappeda signs the regency's report.
    below = [ws.cell(row=r, column=12).value for r in range(first + len(rows), ws.max_row + 1)]
    signature = [v for v in below if v]
    assert signature[1:] == ["Mengetahui,", "Kepala Badan Perencanaan Pembangunan Daerah, Penelitian dan Pengembangan",
                             "Dr. Siti Aminah, M.Si", "NIP. 197505052000032002"]
    assert re.fullmatch(r"Manna, \d{1,2} \w+ \d{4}", signature[0])


def test_f4_paper_when_configured(app, data, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_PAPER", "F4")
    ws = load_workbook(_build(app, tmp_path)).active
    assert int(ws.page_setup.paperSize) == 14


def test_an_opds_rfk_holds_its_own_rows_and_its_head_signs_it(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path, data.pupr)).active
    assert ws["A2"].value == "Dinas Pekerjaan Umum dan Penataan Ruang"
    _header, rows = _table(ws)
    assert rows == [*PUPR_ROWS[1:], PUPR_TOTAL]
    values = [ws.cell(row=r, column=12).value for r in range(1, ws.max_row + 1)]
    assert "Kepala Dinas Pekerjaan Umum dan Penataan Ruang" in values
    assert "Ir. Budi Santoso" in values and "NIP. 197001011995031001" in values


def test_an_opd_without_a_recorded_head_gets_dotted_lines_to_fill_in(app, data, tmp_path):
    ws = load_workbook(_build(app, tmp_path, data.dlh)).active
    values = [ws.cell(row=r, column=12).value for r in range(1, ws.max_row + 1)]
    assert "Kepala Dinas Lingkungan Hidup" in values
    assert "( ........................................ )" in values and "NIP. ........................................" in values


def test_the_pdf_holds_the_same_totals(app, data, tmp_path):
    text = _pdf_text(_build(app, tmp_path, fmt="pdf"))
    assert "LAPORAN REALISASI FISIK DAN KEUANGAN" in text
    # JUMLAH KABUPATEN: pagu, plan Rp, real %, real Rp, Rp %, deviations, remaining.
    for figure in ("1.700.000.000", "1.206.000.000", "60,29", "900.000.000", "52,94", "-17,12", "-18,00",
                   "800.000.000", "77,41", "BERBEDA", "Dr. Siti Aminah, M.Si", "NIP. 197505052000032002"):
        assert figure in text, figure
    text = _pdf_text(_build(app, tmp_path, data.pupr, fmt="pdf"))
    assert "1.500.000.000" in text and "1.116.000.000" in text and "Ir. Budi Santoso" in text
    assert "TPS3R" not in text


# --- jobs, scope, cache ---------------------------------------------------------------------------

def _jobs(app):
    with app.app_context():
        return [(j.kind, j.params, j.user_id, j.opd_id, j.state, j.result_key, j.data_version)
                for j in db.session.scalars(select(ReportJob).order_by(ReportJob.id))]


def _download(api, url):
    response = api.get(url)
    data = response.data
    response.close()
    return response, data


def test_an_opd_asks_for_its_own_rfk_and_never_another_opds(app, data, login_as):
    dlh = login_as("opd", opd_code="DLH")
    refused = dlh.post("/api/v1/reports/jobs", json={"kind": "rfk", "period": "2026-10", "opd_id": data.pupr})
    assert refused.status_code == 403
    # No OPD named: an OPD user's report is its own OPD's, never the regency's.
    job = dlh.post("/api/v1/reports/jobs", json={"kind": "rfk", "period": "2026-10", "opd_id": None}).json
    assert job["state"] == "ready" and job["result_name"] == "rfk-2026-10-dlh.xlsx"
    ws = load_workbook(io.BytesIO(_download(dlh, job["download_url"])[1])).active
    _header, rows = _table(ws)
    assert [r[0] for r in rows] == ["2.11.03", "2.11.03.2.01", "2.11.03.2.01.0002", None]
    pupr = login_as("opd", opd_code="PUPR")
    assert pupr.get(job["download_url"]).status_code == 404
    assert pupr.get(f"/api/v1/reports/jobs/{job['uuid']}").status_code == 404


def test_bappeda_asks_for_the_regency_rfk_as_pdf_from_the_page(app, data, login_as):
    bappeda = login_as("bappeda")
    page = bappeda.get("/laporan").text
    assert 'id="form-rfk"' in page and "Seluruh kabupaten (per OPD)" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = bappeda.client.post("/laporan", data={"csrf_token": token, "kind": "rfk", "period": "2026-10",
                                                    "opd_id": "", "format": "pdf"})
    assert response.status_code == 302
    [(kind, params, _user, opd_id, state, key, version)] = _jobs(app)
    assert (kind, params, opd_id, state) == ("rfk", {"period": "2026-10", "opd_id": None, "format": "pdf"}, None, "ready")
    download, body = _download(bappeda, re.search(r'href="(/laporan/[^"]+/unduh)"', bappeda.get("/laporan").text).group(1))
    assert download.headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


def test_a_csv_rfk_is_refused(login_as):
    response = login_as("bappeda").post("/api/v1/reports/jobs", json={"kind": "rfk", "period": "2026-10", "format": "csv"})
    assert response.status_code == 422 and "format" in response.json["errors"]


def test_an_unchanged_rfk_is_not_built_again_and_a_change_rebuilds_it(app, data, login_as, monkeypatch):
    builds = []
    original = rfk.build
    monkeypatch.setattr(rfk, "build", lambda *args, **kwargs: builds.append(args[1:4]) or original(*args, **kwargs))
    first, second = login_as("bappeda"), login_as("bappeda")
    ask = {"kind": "rfk", "period": "2026-10", "opd_id": data.pupr}
    one = first.post("/api/v1/reports/jobs", json=ask).json
    two = second.post("/api/v1/reports/jobs", json=ask).json
    assert one["state"] == two["state"] == "ready" and len(builds) == 1
    jobs = _jobs(app)
    assert jobs[0][5] == jobs[1][5] and jobs[0][6] == jobs[1][6] is not None
    # Another format or scope is another file.
    first.post("/api/v1/reports/jobs", json={**ask, "format": "pdf"})
    first.post("/api/v1/reports/jobs", json={**ask, "opd_id": data.dlh})
    assert len(builds) == 3
    # A DLH change leaves the PUPR report as it was; a PUPR change rebuilds it.
    with app.app_context():
        draft = db.session.scalar(select(OpdReport).where(OpdReport.kegiatan_id == data.s4, OpdReport.month == 10))
        draft.problems = "Hujan"
        db.session.commit()
    first.post("/api/v1/reports/jobs", json=ask)
    assert len(builds) == 3
    with app.app_context():
        october = db.session.scalar(select(OpdReport).where(OpdReport.kegiatan_id == data.s1, OpdReport.month == 10))
        october.realisation_rp = 520 * M
        db.session.commit()
    again = first.post("/api/v1/reports/jobs", json=ask).json
    assert len(builds) == 4 and again["state"] == "ready"
    assert _jobs(app)[-1][5] != jobs[0][5] and _jobs(app)[-1][6] != jobs[0][6]


@pytest.mark.parametrize("change", ["head", "visit_rejected", "followup", "plan"])
def test_each_input_changes_the_data_version(app, data, change):
    with app.test_request_context():
        before = rfk.data_version(OCTOBER, data.pupr if change != "followup" else data.dlh)
        if change == "head":
            factories.opd("PUPR").head_nip = "197001011995031009"
        elif change == "visit_rejected":
            visit = db.session.scalar(select(Submission).where(Submission.kegiatan_id == data.s1))
            visit.review_state, visit.reviewed_at = "rejected", utcnow()
        elif change == "followup":
            db.session.scalar(select(FollowUp)).title = "Percepat lelang ulang"
        else:
            # A DPA Perubahan: the plan in force is superseded by a new revision.
            plan = db.session.scalar(select(KegiatanPlan).where(KegiatanPlan.kegiatan_id == data.s1))
            plan.superseded_at = utcnow()
            db.session.add(KegiatanPlan(kegiatan_id=data.s1, revision=2, physical_pct=plan.physical_pct,
                                        cash=[*plan.cash[:9], 710 * M, *plan.cash[10:]], pagu=plan.pagu))
        db.session.flush()
        after = rfk.data_version(OCTOBER, data.pupr if change != "followup" else data.dlh)
        db.session.rollback()
    assert after != before


def test_progress_moves_per_opd(app, data):
    seen = []
    with app.test_request_context():
        rfk.collect(OCTOBER, None, seen.append)
    # Two OPDs: 5 after the common reads, then 5 + 85/2 and 5 + 85.
    assert seen == [5, 47, 90]


def _queries(app, fn) -> int:
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", before)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_number_of_kegiatan(app, data):
    def add(n):
        with app.app_context():
            for opd_code in ("DLH", "PUPR"):
                for _i in range(n):
                    k = factories.make_kegiatan(opd_code, pagu=100 * M)
                    db.session.add(OpdReport(kegiatan_id=k.id, opd_id=k.opd_id, year=2026, month=10,
                                             state="submitted", physical_pct=50.0, realisation_rp=40 * M))
            db.session.commit()

    def run():
        rfk.collect(OCTOBER)
        rfk.data_version(OCTOBER, None)

    add(2)
    small = _queries(app, run)
    add(20)
    assert _queries(app, run) == small


# --- schedule ---------------------------------------------------------------------------------------

def test_the_rfk_runs_the_day_after_the_opd_deadline(app, monkeypatch):
    item = schedule.entry("laporan-rfk")
    with app.app_context():
        monkeypatch.setitem(app.config, "OPD_REPORT_DEADLINE_DAY", 10)
        # 11 November 01:00 WIB is 10 November 18:00 UTC.
        assert schedule.next_run(schedule.cron_of(item), datetime(2026, 11, 1, tzinfo=timezone.utc)) == \
            datetime(2026, 11, 10, 18, 0, tzinfo=timezone.utc)
        monkeypatch.setitem(app.config, "OPD_REPORT_DEADLINE_DAY", 5)
        assert schedule.cron_of(item) == "0 1 6 * *"


def test_a_scheduled_rfk_is_built_once_for_the_regency_and_each_opd(app, data, login_as):
    with app.app_context():
        tasks.scheduled_rfk("2026-11-10T18:00:00+00:00")
        tasks.scheduled_rfk("2026-11-10T18:00:00+00:00")
    jobs = _jobs(app)
    assert sorted((j[1]["period"], j[3] or 0, j[4]) for j in jobs) == sorted(
        [("2026-10", 0, "ready"), ("2026-10", data.dlh, "ready"), ("2026-10", data.pupr, "ready")])
    assert all(j[2] is None for j in jobs)
    listed = login_as("opd", opd_code="DLH").get("/api/v1/reports/jobs").json["jobs"]
    assert [j["result_name"] for j in listed] == ["rfk-2026-10-dlh.xlsx"]
    assert len(login_as("bappeda").get("/api/v1/reports/jobs").json["jobs"]) == 3


def test_the_opd_head_is_recorded_from_the_command_line(app):
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["opd-head", "dlh", "--name", "Drs. Ahmad Yani", "--nip", "19680202 199003 1 004"])
        assert result.exit_code == 0, result.output
        assert "Kepala Dinas Lingkungan Hidup: Drs. Ahmad Yani (NIP 196802021990031004)" in result.output
        bad = runner.invoke(args=["opd-head", "DLH", "--name", "X", "--nip", "123"])
        assert bad.exit_code == 1 and "18 angka" in bad.output
        assert runner.invoke(args=["opd-head", "NOPE", "--name", "X"]).exit_code == 1
    finally:
        with app.app_context():
            owner = factories.opd("DLH")
            owner.head_name = owner.head_nip = owner.head_title = None
            db.session.commit()


def test_a_regency_pdf_of_hundreds_of_rows_repeats_the_header_on_every_page(app, data, tmp_path):
    codes = printed_dataset.many_kegiatan(app, 300)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(_build(app, tmp_path, fmt="pdf").read_bytes())).pages]
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {len(pages)}" in page
        for title in ("Kode", "Pagu (Rp)", "Rencana s.d. bulan ini", "Sisa anggaran", "Permasalahan", "Verifikasi"):
            assert title in page, (number, title)
    text = "\n".join(pages)
    # Every row once, in order; one heading, one signature; the total over 1,700 + 300 × 10 jt.
    assert [text.index(code) for code in codes] == sorted(text.index(code) for code in codes)
    assert all(text.count(code) == 1 for code in codes)
    assert text.count("LAPORAN REALISASI FISIK DAN KEUANGAN") == 1 and text.count("Mengetahui,") == 1
    for figure in ("4.700.000.000", "Pembangunan TPS3R", "JUMLAH KABUPATEN", "Dr. Siti Aminah, M.Si"):
        assert figure in text, figure
    # Typed text is broken into lines within its column.
    assert len(re.findall(r"Partisipasi\s+warga\s+rendah", text)) == 100


def test_the_pdf_is_on_f4_when_configured(app, data, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_PAPER", "F4")
    box = PdfReader(io.BytesIO(_build(app, tmp_path, fmt="pdf").read_bytes())).pages[0].mediabox
    # 330 × 215 mm, landscape, in points.
    assert (round(float(box.width)), round(float(box.height))) == (935, 609)
