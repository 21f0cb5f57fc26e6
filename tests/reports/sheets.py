"""Reading report workbooks back: the table under a sheet's header row, as dicts keyed by heading."""
from openpyxl import load_workbook


def header_row(ws, first_heading: str) -> int:
    for row in range(1, 30):
        if ws.cell(row=row, column=1).value == first_heading:
            return row
    raise AssertionError(f"no header row starting with {first_heading!r} in {ws.title}")


def table(ws, first_heading: str = "No") -> list[dict]:
    header = header_row(ws, first_heading)
    titles = [c.value for c in ws[header]]
    rows = []
    for values in ws.iter_rows(min_row=header + 1, values_only=True):
        if all(v is None for v in values):
            continue
        rows.append(dict(zip(titles, values)))
    return rows


def heading_lines(ws) -> list[str]:
    return [ws.cell(row=r, column=1).value for r in range(1, 8) if ws.cell(row=r, column=1).value]


def open_book(path):
    return load_workbook(path)
