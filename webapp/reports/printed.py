"""What the printed government reports (RFK, the RKPD evaluation) share: the signer, the paper,
a two-level table header, the signature block, Indonesian number text for the PDF, and the
digest that names the inputs a file was built from.
"""
import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from webapp.accounts import opds
from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.reports import xlsx
from webapp.reports.periods import day_label

#: Percentages are stored as numbers (45.5 means 45.5 %) and shown with the sign.
PCT = '0.00" %"'
#: Points of deviation, signed.
POINTS = '+0.00;-0.00;0.00'
#: Excel's "Folio" (8.5 × 13 in), the F4 sheet of Indonesian offices.
PAPER_F4 = 14


@dataclass(frozen=True)
class Signer:
    title: str
    name: str | None
    nip: str | None


def signer(opd: Opd | None) -> Signer:
    """Who signs: the head of the OPD, or for the regency the head of the OPD named by
    REPORT_SIGNER_OPD (Bappeda by default). The head is the OPD's user the admin marked as head
    (their name and NIP); without one, the name and NIP recorded on the OPD."""
    if opd is None:
        code = current_app.config.get("REPORT_SIGNER_OPD", "BAPPEDA")
        opd = db.session.scalar(select(Opd).where(Opd.code == code))
    if opd is None:
        return Signer("Kepala Badan Perencanaan Pembangunan Daerah", None, None)
    head = opds.head_of(opd.id)
    if head is not None:
        return Signer(opd.signer_title, head.full_name, head.nip)
    return Signer(opd.signer_title, opd.head_name, opd.head_nip)


def place_and_date(on: date) -> str:
    """"Manna, 11 Desember 2026": where (REPORT_PLACE) and when the report is signed."""
    return f"{current_app.config.get('REPORT_PLACE', 'Manna')}, {day_label(on)}"


def paper_is_f4() -> bool:
    return str(current_app.config.get("REPORT_PAPER", "A4")).upper() == "F4"


def print_setup(ws, first_header: int, last_header: int, freeze: str, title: str) -> None:
    """Landscape on A4 or F4 (REPORT_PAPER), one page wide, the header rows repeated on every
    page, panes frozen below the header and right of the names."""
    xlsx.print_setup(ws, first_header, freeze, title, last_header=last_header,
                     paper=PAPER_F4 if paper_is_f4() else None)


def header(ws, row: int, columns: list[tuple[str, str | None, float]]) -> int:
    """A two-level header: `columns` are (group title, sub title, width); a column without a sub
    title spans both rows, neighbours with the same group title share a merged group cell. A third
    row numbers the columns (1, 2, 3 …) as government tables do. Returns the last header row."""
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for col, (group, sub, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        for r, value in ((row, group), (row + 1, sub if sub else None), (row + 2, col)):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font, cell.fill, cell.border, cell.alignment = xlsx.BOLD, xlsx.HEADER_FILL, xlsx.BORDER, center
        if not sub:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
    col = 1
    while col <= len(columns):
        group, sub, _w = columns[col - 1]
        end = col
        while sub and end < len(columns) and columns[end][0] == group and columns[end][1]:
            end += 1
        if sub and end > col:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end)
        col = end + 1
    ws.row_dimensions[row].height = 30
    ws.row_dimensions[row + 1].height = 30
    return row + 2


def signature(ws, row: int, column: int, who: Signer, on: date) -> int:
    """"Mengetahui, Kepala …", space to sign, the name and the NIP, from `row` down in `column`;
    dotted lines where the name or NIP is not recorded yet. Returns the last row used."""
    lines = [
        (place_and_date(on), None),
        ("Mengetahui,", None),
        (who.title, xlsx.BOLD),
        (None, None), (None, None), (None, None),
        (who.name or "( ........................................ )", Font(bold=True, underline="single")),
        (f"NIP. {who.nip or '........................................'}", None),
    ]
    for offset, (text, font) in enumerate(lines):
        cell = ws.cell(row=row + offset, column=column, value=text)
        if font is not None:
            cell.font = font
    return row + len(lines) - 1


# --- text of numbers in the PDF (Indonesian: 1.234.567 and 45,50) ------------------------------------

def idr(value) -> str:
    return "" if value is None else f"{int(value):,}".replace(",", ".")


def dec(value, places: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:,.{places}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def signed_dec(value, places: int = 2) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + dec(value, places)


def digest(*parts) -> str:
    """A short stable name for the values the file is built from."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


def rows_digest(*results) -> str:
    """A digest of query results, row by row, streamed (thousands of rows cost milliseconds)."""
    h = hashlib.sha256()
    for result in results:
        for row in result:
            h.update(repr(tuple(row)).encode())
        h.update(b"|")
    return h.hexdigest()


def code_key(code: str | None) -> tuple:
    """Permendagri codes in their numeric order ("1.03.9" before "1.03.10")."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in (code or "").split("."))
