"""The printed reports' PDF table (webapp/reports/printed_pdf.py) on made-up rows."""
import io

from pypdf import PdfReader

from webapp.reports import printed_pdf
from webapp.reports.printed import Signer

COLUMNS = [("Kode", None, 1), ("Nama", None, 4), ("Pagu (Rp)", None, 1), ("Permasalahan", None, 3)]


def _pages(rows, tmp_path) -> list[str]:
    doc = printed_pdf.Document(title="LAPORAN CONTOH", lead=["Pemerintah Kabupaten Contoh"], footer="Contoh",
                               columns=COLUMNS, fitted={0, 2}, right={2}, name_column=1, rows=rows,
                               signer=Signer("Kepala Bappeda", "Dr. Siti Aminah", "197505052000032002"),
                               place_date="Manna, 1 Desember 2026")
    path = tmp_path / "contoh.pdf"
    printed_pdf.write(doc, path)
    return [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def test_text_longer_than_a_page_goes_on_in_the_rows_below_and_nothing_is_lost(tmp_path):
    words = " ".join(f"kata{n}" for n in range(2000))
    pages = _pages([printed_pdf.Row("sub", ["1.01.01", "Sub kegiatan", "1.000.000", words], 2),
                    printed_pdf.Row("total", ["", "JUMLAH", "1.000.000", ""])], tmp_path)
    assert len(pages) >= 3
    assert all("Permasalahan" in page and f"Halaman {n} dari {len(pages)}" in page
               for n, page in enumerate(pages, start=1))
    text = "\n".join(pages)
    assert all(f"kata{n}" in text.split() for n in range(2000))
    assert text.count("1.01.01") == 1 and text.count("JUMLAH") == 1 and "Dr. Siti Aminah" in text


def test_a_figure_wider_than_its_column_is_printed_smaller_not_cut(tmp_path):
    rows = [printed_pdf.Row("sub", [f"1.01.{n:02d}", "Sub kegiatan", "1.000", ""], 2) for n in range(5)]
    rows.append(printed_pdf.Row("total", ["", "JUMLAH", "123.456.789.012.345", ""]))
    text = "\n".join(_pages(rows, tmp_path))
    assert "123.456.789.012.345" in text and "Kepala Bappeda" in text
