"""Reading an uploaded table (CSV or XLSX) the same way for every import.

A file that is not a table at all is refused with one clear message (`TableError`); a readable
table yields its header and its rows as lists of cell values (str for CSV; str, int, float,
date or datetime for XLSX), each with its line number as a spreadsheet shows it.
"""
import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Iterator

from flask_babel import gettext as _

from webapp.domain_errors import Invalid

#: The most data rows one import takes; a whole regency's DPA is about 5,000.
MAX_ROWS = 10_000


class TableError(Invalid):
    """The file cannot be read as a table; nothing was imported."""


@dataclass
class Cell:
    value: object
    #: True for an XLSX cell formatted as a percentage (its value is a fraction: 0.45 for 45 %).
    percent: bool = False


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]


def normalise_header(name) -> str:
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_table(data: bytes, filename: str = "") -> Table:
    """Open `data` as XLSX (by content) or CSV; the header row is normalised to snake_case."""
    if not data.strip():
        raise TableError(_("Berkas kosong."))
    if _is_xlsx(data):
        return _read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise TableError(_("Berkas bernama .xlsx tetapi isinya bukan lembar kerja Excel."))
    if b"\x00" in data[:4096] or data[:5] == b"%PDF-" or data[:2] in (b"\xd0\xcf", b"\x89P", b"\xff\xd8"):
        raise TableError(_("Berkas bukan CSV atau XLSX. Simpan lembar kerja sebagai .xlsx atau CSV UTF-8."))
    return _read_csv(data)


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(_("Berkas CSV bukan teks UTF-8. Di Excel pilih Simpan Sebagai → \"CSV UTF-8\".")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise TableError(_("Berkas tidak memiliki baris judul kolom.")) from None
    header = [normalise_header(h) for h in header]

    def rows():
        line = 1
        try:
            for record in reader:
                line = reader.line_num
                if not any(value.strip() for value in record):
                    continue
                yield line, [Cell(value) for value in record]
        except csv.Error as exc:
            raise TableError(_("CSV rusak di baris %(line)d: %(error)s", line=line + 1, error=str(exc))) from None

    return Table(header, rows())


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise TableError(_("Berkas XLSX rusak atau bukan lembar kerja Excel.")) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows()
    try:
        header_cells = next(iterator)
    except StopIteration:
        workbook.close()
        raise TableError(_("Berkas tidak memiliki baris judul kolom.")) from None
    header = [normalise_header(c.value) for c in header_cells]
    while header and not header[-1]:
        header.pop()

    def rows():
        try:
            for line, cells in enumerate(iterator, start=2):
                # A cell's style is looked up only for a fraction (a percent-formatted 0.45 is 45 %).
                values = [Cell(c.value, isinstance(c.value, float) and c.value <= 1.5
                               and "%" in (getattr(c, "number_format", "") or "")) for c in cells[:len(header)]]
                if all(v.value is None or (isinstance(v.value, str) and not v.value.strip()) for v in values):
                    continue
                yield line, values
        finally:
            workbook.close()

    return Table(header, rows())
