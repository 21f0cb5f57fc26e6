"""Shared look of the printed reports: a heading block, a header row, print setup, number formats."""
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

RUPIAH = '"Rp" #,##0'
PERCENT = '0.0'
POINTS = '+0.0;-0.0;0.0'
DECIMAL = '#,##0.0'
INTEGER = '#,##0'
DATE = 'dd-mm-yyyy'
DATETIME = 'dd-mm-yyyy hh:mm'

APPROVED_ONLY = "Hanya kiriman yang sudah disetujui (status tinjauan: disetujui) yang dihitung."

_thin = Side(style="thin", color="8A8F94")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FILL = PatternFill("solid", fgColor="DCEFE6")
GROUP_FILL = PatternFill("solid", fgColor="EEF0F1")
TOTAL_FILL = PatternFill("solid", fgColor="FFF1DC")
FLAG_FONT = Font(bold=True, color="B3261E")
BOLD = Font(bold=True)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def heading(ws, title: str, lines: list[str]) -> int:
    """Title and explanatory lines at the top; returns the row where the table header goes."""
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    for offset, line in enumerate(lines, start=2):
        ws.cell(row=offset, column=1, value=line).font = Font(italic=line == APPROVED_ONLY)
    return len(lines) + 3


def header_row(ws, row: int, columns: list[tuple[str, float]]) -> None:
    """Column titles (bold, shaded, wrapped) and widths."""
    for col, (title, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=title)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[row].height = 45


#: Text a spreadsheet would run as a formula (OWASP "CSV injection"), in CSV and XLSX alike.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula, prefixed with ' so it stays text once
    edited, re-saved or exported as CSV; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_row(ws, row: int, values: list, formats: dict[int, str] | None = None, fill=None, font=None) -> None:
    """One table row with borders, top-aligned wrapped text and the given number formats (by column index)."""
    formats = formats or {}
    for col, value in enumerate(values, start=1):
        # Text a person typed must never become a formula in a spreadsheet.
        cell = ws.cell(row=row, column=col, value=None if value == "" else neutralise(value))
        if isinstance(value, str):
            cell.data_type = "s"
        cell.border = BORDER
        cell.alignment = WRAP_TOP
        if col in formats:
            cell.number_format = formats[col]
        if fill is not None:
            cell.fill = fill
        if font is not None:
            cell.font = font


def print_setup(ws, header: int, freeze: str, title: str, *, last_header: int | None = None,
                paper: int | None = None) -> None:
    """Landscape (A4 unless `paper` says otherwise), fitted to one page wide, the header rows
    (`header` to `last_header`) repeated on every page, panes frozen."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = paper or ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{header}:{last_header or header}"
    ws.freeze_panes = freeze
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = title
    ws.oddFooter.left.text = "Pantau"
    ws.oddFooter.right.text = "Halaman &P dari &N"
    ws.print_options.horizontalCentered = True
