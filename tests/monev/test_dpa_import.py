"""The DPA import: preview, all-or-nothing commit, idempotent re-import, revisions, bad input."""
import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from webapp import cells
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.monev.dpa import COLUMNS, DpaInvalid, import_dpa, preview_dpa
from webapp.monev.dpa_files import example_rows, rows_to_csv, template_xlsx
from webapp.monev.models import Kegiatan, KegiatanGroup, KegiatanPlan, Program
from webapp.tabular import Cell, TableError


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _written() -> tuple[int, int, int, int]:
    return _count(Program), _count(KegiatanGroup), _count(Kegiatan), _count(KegiatanPlan)


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _reasons(preview) -> dict[int, str]:
    return {r.line: " | ".join(r.reasons) for r in preview.errors}


def test_the_example_dpa_imports_every_level_with_its_monthly_plan(app_ctx):
    preview = import_dpa(rows_to_csv(example_rows()), "contoh-dpa.csv")
    db.session.commit()
    assert [r.status for r in preview.results] == ["new"] * 6
    assert _written() == (5, 5, 6, 6)
    road = db.session.scalar(select(Kegiatan).where(Kegiatan.code == "1.03.10.2.01.0015"))
    assert road.pagu == 2_450_000_000  # written "Rp 2.450.000.000" in the file
    assert road.program.code == "1.03.10" and road.group.code == "1.03.10.2.01"
    assert road.target_value == 3.2 and road.target_unit == "km"  # "3,2"
    assert road.kecamatan.code == "17.01.02"
    assert (road.start_date, road.end_date) == (date(2026, 2, 1), date(2026, 11, 30))
    assert road.plan.revision == 1
    assert road.plan.physical_pct[-1] == 100 and road.plan.cash[-1] == road.pagu
    assert road.plan.physical_pct[5] == 48 and road.plan.cash[1] == 490_000_000


def test_importing_the_same_file_again_changes_nothing(app_ctx):
    data = rows_to_csv(example_rows())
    import_dpa(data, "dpa.csv")
    db.session.commit()
    audits = _count(AuditEvent)
    again = import_dpa(data, "dpa.csv")
    db.session.commit()
    assert {r.status for r in again.results} == {"unchanged"}
    assert _written() == (5, 5, 6, 6)
    assert _count(AuditEvent) == audits


def test_a_revised_dpa_updates_by_code_and_keeps_the_previous_plan_as_a_revision(app_ctx):
    rows = example_rows()
    import_dpa(rows_to_csv(rows), "dpa-murni.csv")
    db.session.commit()
    rows[0]["pagu"] = "2.600.000.000"
    rows[0]["kas_des"] = "2600000000"
    rows[0]["fisik_jun"] = "40"
    preview = preview_dpa(rows_to_csv(rows), "dpa-perubahan.csv")
    assert preview.results[0].status == "changed"
    assert set(preview.results[0].changes) == {"pagu", "rencana_fisik", "rencana_kas"}
    assert [r.status for r in preview.results[1:]] == ["unchanged"] * 5
    assert _written() == (5, 5, 6, 6)  # the preview wrote nothing
    import_dpa(rows_to_csv(rows), "dpa-perubahan.csv")
    db.session.commit()
    road = db.session.scalar(select(Kegiatan).where(Kegiatan.code == "1.03.10.2.01.0015"))
    assert road.pagu == 2_600_000_000
    assert [(p.revision, p.source, p.superseded_at is None) for p in road.plan_revisions] == [
        (2, "dpa-perubahan.csv", True), (1, "dpa-murni.csv", False)]
    assert road.plan.physical_pct[5] == 40
    assert road.plan_revisions[1].physical_pct[5] == 48 and road.plan_revisions[1].pagu == 2_450_000_000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kegiatan.update"))
    assert event.before["pagu"] == 2_450_000_000 and event.after["pagu"] == 2_600_000_000


def test_the_xlsx_template_imports_as_it_ships(app_ctx):
    preview = preview_dpa(template_xlsx(), "templat-dpa.xlsx")
    assert [r.status for r in preview.results] == ["new"] * 6, _reasons(preview)


@pytest.mark.parametrize(("written", "expected"), [
    ("1500000", 1_500_000), ("Rp 1.500.000", 1_500_000), ("Rp. 1.500.000", 1_500_000), ("1.500.000,00", 1_500_000),
    ("1,500,000", 1_500_000), ("1500000.00", 1_500_000), ("Rp1.500.000,-".rstrip(",-"), 1_500_000), (1500000.0, 1_500_000),
])
def test_rupiah_written_the_usual_ways_is_read_as_whole_rupiah(app_ctx, written, expected):
    assert cells.rupiah(Cell(written)) == expected


@pytest.mark.parametrize(("written", "message"), [
    ("1.500.000,50", "pecahan"), ("satu juta", "bukan angka"), ("=SUM(A1:A3)", "rumus"), ("", "wajib"),
])
def test_rupiah_that_cannot_be_read_unambiguously_is_refused(app_ctx, written, message):
    with pytest.raises(cells.CellError, match=message):
        cells.rupiah(Cell(written))


@pytest.mark.parametrize(("cell", "expected"), [
    (Cell("45,5"), 45.5), (Cell("45.5"), 45.5), (Cell("45 %"), 45.0), (Cell(45), 45.0), (Cell(0.455, percent=True), 45.5),
])
def test_percentages_are_read_from_text_numbers_and_percent_cells(app_ctx, cell, expected):
    assert cells.percent(cell) == expected


def _bad_rows():
    rows = example_rows()
    rows[0]["kode_kecamatan"] = "17.99.99"
    rows[1]["kode_opd"] = "TIDAKADA"
    rows[2]["pagu"] = "-310000000"
    rows[3]["fisik_jul"] = "30"  # after 48 in June
    rows[4]["tanggal_selesai"] = "2027-01-15"
    rows[5]["kode_sub_kegiatan"] = rows[4]["kode_sub_kegiatan"]
    rows[5]["kode_kegiatan"] = rows[4]["kode_kegiatan"]
    rows[5]["kode_program"] = rows[4]["kode_program"]
    rows[5]["nama_program"] = rows[4]["nama_program"]
    rows[5]["nama_kegiatan"] = rows[4]["nama_kegiatan"]
    rows[5]["kode_opd"] = rows[4]["kode_opd"]
    return rows


def test_every_bad_row_is_named_with_its_reason_and_nothing_is_written(app_ctx):
    data = rows_to_csv(_bad_rows())
    preview = preview_dpa(data, "dpa.csv")
    reasons = _reasons(preview)
    assert "kode_kecamatan: '17.99.99' tidak ada di kabupaten ini" in reasons[2]
    assert "kode_opd: OPD 'TIDAKADA' tidak dikenal" in reasons[3]
    assert "pagu: harus lebih dari 0" in reasons[4]
    assert "fisik_jul: rencana kumulatif turun" in reasons[5]
    assert "tanggal_selesai: 2027-01-15 di luar tahun anggaran 2026" in reasons[6]
    assert "kode_sub_kegiatan: 1.02.02.2.01.0009 sudah ada di baris 6" in reasons[7]
    with pytest.raises(DpaInvalid):
        import_dpa(data, "dpa.csv")
    db.session.rollback()
    assert _written() == (0, 0, 0, 0)


def test_a_file_with_one_bad_row_writes_none_of_the_good_ones(app_ctx):
    rows = example_rows()
    rows[3]["kas_des"] = "100"
    with pytest.raises(DpaInvalid) as caught:
        import_dpa(rows_to_csv(rows), "dpa.csv")
    db.session.rollback()
    assert [r.status for r in caught.value.preview.results].count("new") == 5
    assert "kas_des: rencana kas harus berakhir sama dengan pagu 640.000.000" in _reasons(caught.value.preview)[5]
    assert _written() == (0, 0, 0, 0)


def test_plans_must_end_at_one_hundred_percent_and_unknown_desa_is_named(app_ctx):
    rows = example_rows()
    rows[0]["fisik_des"] = rows[0]["fisik_nov"] = "90"
    rows[1]["kode_desa"] = "17.01.05.9999"
    rows[2]["kode_desa"] = "17.01.01.2001"  # a desa of another kecamatan than kode_kecamatan
    reasons = _reasons(preview_dpa(rows_to_csv(rows)))
    assert "fisik_des: rencana fisik harus berakhir di 100%" in reasons[2]
    assert "kode_desa: '17.01.05.9999' tidak ada" in reasons[3]
    assert "tidak berada di kecamatan 17.01.05" in reasons[4]


def test_codes_must_follow_the_permendagri_pattern_and_hierarchy(app_ctx):
    rows = example_rows()
    rows[0]["kode_sub_kegiatan"] = "1.03.10.2.01.15"
    rows[1]["kode_sub_kegiatan"] = "1.03.99.2.01.0001"
    reasons = _reasons(preview_dpa(rows_to_csv(rows)))
    assert "tidak sesuai pola Permendagri 90/2019" in reasons[2]
    assert "bukan bagian dari kegiatan 1.03.03.2.01" in reasons[3]


def test_formula_cells_in_xlsx_are_refused_per_row(app_ctx):
    rows = example_rows()
    table = [list(COLUMNS)] + [[r[c] for c in COLUMNS] for r in rows]
    pagu = list(COLUMNS).index("pagu")
    table[2][pagu] = "=1000*875000"
    preview = preview_dpa(_xlsx(table), "dpa.xlsx")
    assert "pagu: berisi rumus" in _reasons(preview)[3]
    assert preview.count("new") == 5


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "dpa.png", "bukan CSV atau XLSX"),
    (b"%PDF-1.4 something", "dpa.pdf", "bukan CSV atau XLSX"),
    (b"tahun,kode_opd\n2026,DLH\n", "dpa.xlsx", "bukan lembar kerja Excel"),
    ("tahun;kode_opd;nama_program\n2026;DLH;Program Pengelolaan Persampahan Kabupatén\n".encode("latin-1"), "dpa.csv",
     "bukan teks UTF-8"),
    (b"PK\x03\x04not really a zip", "dpa.xlsx", "rusak"),
    (b"tahun,kode_opd,pagu\n2026,DLH,1000\n", "dpa.csv", "Kolom wajib tidak ada: kode_program"),
    (b"   ", "dpa.csv", "kosong"),
])
def test_files_that_are_not_a_dpa_table_are_refused_whole(app_ctx, data, filename, message):
    with pytest.raises(TableError, match=message):
        preview_dpa(data, filename)


@pytest.mark.slow
def test_a_twenty_thousand_row_file_is_refused_with_a_clear_message(app_ctx):
    row = example_rows()[0]
    rows = []
    for n in range(20_000):
        rows.append({**row, "kode_sub_kegiatan": f"1.03.10.2.01.{n % 10_000:04d}", "tahun": str(2026 + n // 10_000)})
    with pytest.raises(TableError, match="lebih dari 10.000 baris"):
        preview_dpa(rows_to_csv(rows), "besar.csv")
    assert _written() == (0, 0, 0, 0)


def test_semicolon_csv_from_indonesian_excel_is_read(app_ctx):
    data = rows_to_csv(example_rows()).decode()
    import csv

    rows = list(csv.reader(io.StringIO(data)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    preview = preview_dpa(out.getvalue().encode("utf-8-sig"), "dpa.csv")
    assert preview.count("new") == 6, _reasons(preview)


def test_cli_dry_run_writes_nothing_and_a_bad_file_exits_with_the_rows(runner, app, tmp_path):
    good = tmp_path / "dpa.csv"
    good.write_bytes(rows_to_csv(example_rows()))
    result = runner.invoke(args=["import-kegiatan", str(good), "--dry-run"])
    assert result.exit_code == 0 and "6 baru" in result.output
    with app.app_context():
        assert _count(Kegiatan) == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(rows_to_csv(_bad_rows()))
    result = runner.invoke(args=["import-kegiatan", str(bad)])
    assert result.exit_code == 1
    assert "Baris 4 (2.11.03.2.01.0003): pagu: harus lebih dari 0" in result.output
    result = runner.invoke(args=["import-kegiatan", str(good)])
    assert result.exit_code == 0 and "DPA diimpor: 6 baru" in result.output
    with app.app_context():
        assert _count(Kegiatan) == 6


def test_the_demo_loads_its_kegiatan_through_the_import_with_plans(app_ctx):
    from webapp import demo

    demo.create_demo_accounts()
    demo.create_demo_sites()
    assert demo.create_demo_kegiatan(year=2026) == 6
    kegiatan = list(db.session.scalars(select(Kegiatan)))
    assert all(k.plan is not None and k.group is not None and k.sites for k in kegiatan)
    assert all(k.sites[0].kecamatan_id == k.kecamatan_id for k in kegiatan)
    assert db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "kegiatan.import")) == "contoh-dpa.csv"


def test_a_monitor_sees_the_kegiatan_the_dpa_places_in_their_kecamatan(app_ctx):
    from tests import factories
    from webapp import scopes

    import_dpa(rows_to_csv(example_rows()))
    db.session.commit()
    monitor = factories.make_user("monitor", kecamatan_code="17.01.05")
    codes = set(db.session.scalars(scopes.kegiatan_query(monitor).with_only_columns(Kegiatan.code)))
    assert codes == {"1.03.03.2.01.0024", "2.11.03.2.01.0003", "2.11.03.2.01.0005"}


def test_percent_formatted_xlsx_cells_are_read_as_percentages(app_ctx):
    rows = example_rows()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    column = list(COLUMNS).index("fisik_jun") + 1
    cell = sheet.cell(row=2, column=column, value=0.48)
    cell.number_format = "0%"
    out = io.BytesIO()
    workbook.save(out)
    preview = preview_dpa(out.getvalue(), "dpa.xlsx")
    assert preview.count("new") == 6, _reasons(preview)
    assert preview.rows[0].physical[5] == 48.0
