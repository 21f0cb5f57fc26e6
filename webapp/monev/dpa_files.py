"""The DPA files shipped with the app: the example (which the demo imports) and the XLSX template."""
import csv
import io
from pathlib import Path

from webapp.monev.dpa import COLUMNS

EXAMPLE_DPA = Path(__file__).parent / "data" / "contoh-dpa.csv"

#: What each column holds, for the template's second sheet.
COLUMN_HELP = {
    "tahun": "Tahun anggaran, mis. 2026",
    "kode_opd": "Kode OPD di Pantau, mis. PUPR, DLH",
    "kode_program": "Kode program Permendagri 90/2019, mis. 1.03.10",
    "nama_program": "Nama program",
    "kode_kegiatan": "Kode kegiatan, mis. 1.03.10.2.01",
    "nama_kegiatan": "Nama kegiatan",
    "kode_sub_kegiatan": "Kode sub kegiatan, mis. 1.03.10.2.01.0015 (unik per tahun dan OPD)",
    "nama_sub_kegiatan": "Nama sub kegiatan",
    "pagu": "Pagu dalam rupiah: 1500000, Rp 1.500.000 atau 1.500.000,00",
    "indikator": "Indikator keluaran",
    "target": "Target keluaran (angka)",
    "satuan": "Satuan target, mis. km, unit, paket",
    "keluaran": "Uraian keluaran (boleh kosong)",
    "kode_kecamatan": "Kode kecamatan Kemendagri, mis. 17.01.05 (boleh kosong)",
    "kode_desa": "Kode desa/kelurahan, mis. 17.01.05.1001 (boleh kosong)",
    "kode_lokasi": "Kode (UUID) lokasi di Pantau, dipisah titik koma (boleh kosong)",
    "tanggal_mulai": "Tanggal mulai, dalam tahun anggaran (2026-02-01 atau 01/02/2026)",
    "tanggal_selesai": "Tanggal selesai, dalam tahun anggaran",
}
for _month in ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"):
    COLUMN_HELP[f"fisik_{_month}"] = f"Rencana fisik kumulatif akhir {_month} (%), tidak menurun, Desember 100"
    COLUMN_HELP[f"kas_{_month}"] = f"Rencana kas kumulatif akhir {_month} (Rp), tidak menurun, Desember = pagu"


def example_rows() -> list[dict[str, str]]:
    with open(EXAMPLE_DPA, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rows_to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The import template: the columns with the example rows, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "DPA"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows():
        sheet.append([row[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Petunjuk")
    guide.append(["kolom", "isi"])
    for column in COLUMNS:
        guide.append([column, COLUMN_HELP[column]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
