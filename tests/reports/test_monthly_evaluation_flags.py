"""The monthly evaluation's flags in the monthly XLSX report, cell by cell, on the evaluation's
known data set (tests/evaluation/test_monthly.py): the same flags the Bappeda desk shows."""
import pytest

from tests.evaluation.test_monthly import dataset  # noqa: F401  (the known data set)
from tests.factories import wib
from tests.reports.sheets import header_row, open_book, table
from webapp.reports import monthly, periods
from webapp.reports.xlsx import FLAG_FONT

COLUMNS = ("Rencana fisik akhir bulan (%)", "Laporan OPD: fisik (%)", "Laporan OPD: keuangan (% pagu)",
           "Pengamatan lapangan: fisik (%)", "Tanda evaluasi bulanan")


def _book(app, tmp_path, month: int):
    path = tmp_path / f"2026-{month}.xlsx"
    with app.app_context():
        monthly.write(monthly.collect(periods.month(2026, month), cutoff=wib(2026, 12, 5, 8, 0)), path)
    return open_book(path)


def _rows(wb) -> dict:
    return {r["Kode kegiatan"]: tuple(r[c] for c in COLUMNS) for r in table(wb["Evaluasi Kegiatan"])}


def test_november_shows_behind_plan_money_ahead_and_verification_with_their_gaps(app, dataset, tmp_path):  # noqa: F811
    wb = _book(app, tmp_path, 11)
    rows = _rows(wb)
    assert rows["K1"] == (83.1, 65, 80, 50, "Fisik tertinggal 18,1 poin dari rencana; Keuangan mendahului fisik "
                                            "15,0 poin; Pengamatan lapangan berbeda 15,0 poin dari laporan OPD")
    assert rows["K2"] == (91.5, 90, 85, 95, "Tidak")
    assert rows["K3"] == (80, 50, 50, None, "Fisik tertinggal 30,0 poin dari rencana")
    # A flagged cell is red, a clean one is not; the OPD sheet counts the flagged kegiatan.
    ws = wb["Evaluasi Kegiatan"]
    header = header_row(ws, "No")
    column = monthly.EVALUATION_FLAG_COLUMN
    codes = {ws.cell(row=r, column=3).value: r for r in range(header + 1, header + 4)}
    assert ws.cell(row=codes["K1"], column=column).font.color.rgb == FLAG_FONT.color.rgb
    assert ws.cell(row=codes["K2"], column=column).font.color is None or \
        ws.cell(row=codes["K2"], column=column).font.color.rgb != FLAG_FONT.color.rgb
    opds = {r["OPD"]: r["Bertanda evaluasi bulanan"] for r in table(wb["Ringkasan OPD"])}
    assert opds == {"Dinas Lingkungan Hidup": 1, "Dinas Pekerjaan Umum dan Penataan Ruang": 1, "Jumlah": 2}


def test_october_shows_no_report_where_only_a_draft_or_nothing_was_filed(app, dataset, tmp_path):  # noqa: F811
    rows = _rows(_book(app, tmp_path, 10))
    assert rows["K1"][1:] == (60, 60, None, "Tidak")
    assert rows["K2"][1:] == (None, None, None, "Belum ada laporan OPD bulan ini")  # a draft is not a report
    assert rows["K3"] == (70, None, None, None, "Belum ada laporan OPD bulan ini")


@pytest.mark.parametrize("month", [10, 11])
def test_the_report_flags_are_the_desks(app, dataset, login_as, tmp_path, month):  # noqa: F811
    html = login_as("bappeda").get(f"/bappeda?bulan=2026-{month:02d}").text
    flagged_on_desk = {code for code in ("K1", "K2", "K3") if f'<tr data-kegiatan="{code}">' in
                       html.split('id="table-flagged"', 1)[-1].split("</table>", 1)[0]}
    rows = _rows(_book(app, tmp_path, month))
    assert flagged_on_desk == {code for code, values in rows.items() if values[-1] != "Tidak"}
