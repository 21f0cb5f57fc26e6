"""The printed reports (RFK, the RKPD evaluation) as PDF, through ReportLab.

A long table whose three header rows (group titles, sub titles, column numbers) repeat on every
page; the title and lead lines above it; notes and the signature block ("Mengetahui, Kepala …",
name, NIP) under it; "Halaman n dari N" in the footer. Landscape A4, or F4 when REPORT_PAPER says
so.

ReportLab lays out the regency's table (2,300 rows, ~220 pages) in seconds where the HTML
renderer took minutes (bench/README.md). To keep it so, table cells are plain text broken into
lines here, in the cell's own font, rather than paragraphs; the columns of figures and codes are
as wide as their widest value and the text columns share the rest of the page. A figure wider
than its column even so is printed smaller rather than cut. The font is Bitstream Vera, shipped
inside ReportLab, so a fresh machine needs no system font.
"""
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from webapp.reports.printed import Signer

FONT, BOLD, ITALIC = "PantauSans", "PantauSans-Bold", "PantauSans-Italic"
F4 = (330 * mm, 215 * mm)
MARGINS = dict(leftMargin=10 * mm, rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=14 * mm)
PAD_X, PAD_Y = 2.0, 1.2
#: Extra left padding of the name column per level of the hierarchy (kegiatan 1, sub kegiatan 2).
INDENT_STEP = 3 * mm
#: The smallest size a figure is shrunk to when it is wider than its column.
MIN_SIZE = 4.0
GRID = colors.HexColor("#8a8f94")
HEADER_FILL = colors.HexColor("#dcefe6")
NUMBER_FILL = colors.HexColor("#f3f6f4")
GROUP_FILL = colors.HexColor("#eef0f1")
TOTAL_FILL = colors.HexColor("#fff1dc")
FLAG = colors.HexColor("#b3261e")
#: Per row level: (fill, bold).
LEVELS = {"opd": (GROUP_FILL, True), "program": (GROUP_FILL, True), "kegiatan": (None, True), "sub": (None, False),
          "total": (TOTAL_FILL, True)}


@dataclass(frozen=True)
class Row:
    """One table row: its level (opd, program, kegiatan, sub, total), the cells' text, how deep the
    name is indented, and the column printed as a warning (red), if any."""

    level: str
    cells: list[str]
    indent: int = 0
    flag_column: int | None = None


@dataclass
class Document:
    title: str
    lead: list[str]
    footer: str
    #: (group title, sub title or None, weight): the spreadsheet's columns; a text column's share
    #: of the width left by the fitted ones follows its weight.
    columns: list[tuple[str, str | None, float]]
    #: Columns as wide as their widest value, never wrapped (codes, figures).
    fitted: set[int]
    #: Fitted columns aligned right (figures).
    right: set[int]
    #: The column indented by level (the name).
    name_column: int
    rows: list[Row]
    signer: Signer
    place_date: str
    f4: bool = False
    size: float = 6.5
    #: The most of the width the fitted columns (codes, figures) take; the text columns share the rest.
    fitted_share: float = 0.6
    #: (section title, [(owner shown above its lines or None, lines)]) under the table.
    notes: list[tuple[str, list[tuple[str | None, list[str]]]]] = field(default_factory=list)


@cache
def _fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in ((FONT, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


class _NumberedCanvas(canvas.Canvas):
    """Holds the pages back until the end so that each footer can name the number of pages."""

    def __init__(self, *args, footer: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer_text = footer
        self._held = []

    def showPage(self):
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.setFillColor(colors.HexColor("#555555"))
            width = self._pagesize[0]
            self.drawString(MARGINS["leftMargin"], 7 * mm, self._footer_text)
            self.drawRightString(width - MARGINS["rightMargin"], 7 * mm, f"Halaman {number} dari {total}")
            super().showPage()
        super().save()


def _widths(doc: Document, header: list[list[str]], avail: float) -> list[float]:
    """Fitted columns as wide as their widest value (or header word); text columns share the rest
    by weight. When the fitted columns would take more than `fitted_share` of the page, the room
    above what the sub kegiatan rows need is given up first (the subtotals, larger, print
    smaller), then all of it in proportion."""
    n = len(doc.columns)
    sub = [0.0] * n
    for i in doc.fitted:
        words = [w for r in (0, 1) for w in header[r][i].split()] if header[1][i] else header[0][i].split()
        sub[i] = max((pdfmetrics.stringWidth(w, BOLD, doc.size - 0.5) for w in words), default=0) + 2 * PAD_X
    every = list(sub)
    for row in doc.rows:
        bold = LEVELS[row.level][1]
        need = every if bold else sub
        for i in doc.fitted:
            if row.cells[i]:
                need[i] = max(need[i], pdfmetrics.stringWidth(row.cells[i], BOLD if bold else FONT, doc.size)
                              + 2 * PAD_X)
    every = [max(a, b) for a, b in zip(every, sub)]
    base, extra, budget = sum(sub), sum(every) - sum(sub), avail * doc.fitted_share
    if base + extra <= budget:
        fitted = every
    elif base <= budget:
        fitted = [s + (e - s) * (budget - base) / extra for s, e in zip(sub, every)]
    else:
        fitted = [s * budget / base for s in sub]
    text = dict(_text_widths(doc, avail - sum(fitted[i] for i in doc.fitted)))
    return [text.get(i, fitted[i]) for i in range(n)]


def _text_widths(doc: Document, rest: float) -> list[tuple[int, float]]:
    """The text columns' share of `rest` by weight, each widened to hold its longest word
    ("Penanggulangan", "Sangat") when it can, at the cost of the others."""
    text = [i for i in range(len(doc.columns)) if i not in doc.fitted]
    longest = dict.fromkeys(text, 0.0)
    for row in doc.rows:
        font = BOLD if LEVELS[row.level][1] else FONT
        for i in text:
            for word in set(row.cells[i].split()):
                longest[i] = max(longest[i], pdfmetrics.stringWidth(word, font, doc.size))
    weights = {i: doc.columns[i][2] for i in text}
    widths = {}
    while True:
        share = (rest - sum(widths.values())) / sum(w for i, w in weights.items() if i not in widths)
        short = {i: longest[i] + 2 * PAD_X for i in text if i not in widths
                 and longest[i] + 2 * PAD_X > share * weights[i]}
        if not short or sum(widths.values()) + sum(short.values()) > rest * 0.7:
            break
        widths.update(short)
    return [(i, widths.get(i, share * weights[i])) for i in text]


def _header(doc: Document) -> tuple[list[list[str]], list[tuple]]:
    """The three header rows and their spans: a column without a sub title spans the first two
    rows, neighbours with the same group title share one group cell."""
    groups = [c[0] for c in doc.columns]
    subs = [c[1] or "" for c in doc.columns]
    rows = [list(groups), subs, [str(i + 1) for i in range(len(doc.columns))]]
    spans = []
    col = 0
    while col < len(doc.columns):
        end = col
        if subs[col]:
            while end + 1 < len(doc.columns) and groups[end + 1] == groups[col] and subs[end + 1]:
                rows[0][end + 1] = ""
                end += 1
        else:
            rows[1][col] = ""
            spans.append(("SPAN", (col, 0), (col, 1)))
        if end > col:
            spans.append(("SPAN", (col, 0), (end, 0)))
        col = end + 1
    return rows, spans


def _span_width(widths: list[float], spans: list[tuple], col: int, row: int) -> float:
    for _cmd, (c0, r0), (c1, r1) in spans:
        if r0 <= row <= r1 and c0 == col:
            return sum(widths[c0:c1 + 1])
    return widths[col]


def _lines(text: str, font: str, size: float, room: float) -> list[str]:
    """`text` broken into lines no wider than `room`; a word wider than that is cut."""
    lines = []
    for line in simpleSplit(text, font, size, room):
        while pdfmetrics.stringWidth(line, font, size) > room and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > room:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _body(doc: Document, widths: list[float], max_lines: int) -> list[tuple[list[str], float, list[tuple]]]:
    """Each row's cells (text broken into lines), its height, and its own style commands with
    the row left as None."""
    size, name = doc.size, doc.name_column
    deepest = max((r.indent for r in doc.rows), default=0)
    body = []
    for row in doc.rows:
        fill, bold = LEVELS[row.level]
        font = BOLD if bold else FONT
        style = []
        if fill is not None:
            style.append(("BACKGROUND", 0, -1, fill))
        if bold:
            style.append(("FONT", 0, -1, BOLD, size, size * 1.2))
        if row.indent != deepest:
            style.append(("LEFTPADDING", name, name, PAD_X + row.indent * INDENT_STEP))
        if row.flag_column is not None:
            style += [("TEXTCOLOR", row.flag_column, row.flag_column, FLAG),
                      ("FONT", row.flag_column, row.flag_column, BOLD, size, size * 1.2)]
        cells = []
        for c, text in enumerate(row.cells):
            room = widths[c] - 2 * PAD_X - (row.indent * INDENT_STEP if c == name else 0)
            if c in doc.fitted:
                wide = pdfmetrics.stringWidth(text, font, size) if text else 0
                if wide > room:
                    style.append(("FONT", c, c, font, max(MIN_SIZE, size * room / wide), size * 1.2))
                cells.append([text])
            else:
                cells.append(_lines(text, font, size, room) if text else [])
        # A row cannot break across pages: text longer than a page goes on in the rows below it.
        lines = max(1, *(len(cell) for cell in cells))
        for start in range(0, lines, max_lines):
            part = [cell[start:start + max_lines] for cell in cells]
            height = max(1, *(len(cell) for cell in part)) * size * 1.2 + 2 * PAD_Y + 0.4
            body.append((["\n".join(cell) for cell in part], height, style))
    return body


def _tables(doc: Document, avail: float, first_room: float, room: float) -> list:
    """The table cut into one table per page, each with the header rows, PageBreaks between.

    One long table split by ReportLab costs time in the square of its length (every split measures
    the rest again); the rows' heights are known here, so the pages are cut here. Should a page's
    table not fit even so, ReportLab splits it, the header repeated."""
    header, spans = _header(doc)
    widths = _widths(doc, header, avail)
    head_size = doc.size - 0.5
    header = [[
        "\n".join(simpleSplit(text, BOLD, head_size, _span_width(widths, spans, c, r) - 2 * PAD_X)) if r < 2 else text
        for c, text in enumerate(row)] for r, row in enumerate(header)]
    deepest = max((r.indent for r in doc.rows), default=0)
    common = [
        ("FONT", (0, 0), (-1, -1), FONT, doc.size, doc.size * 1.2),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y + 0.4),
        ("FONT", (0, 0), (-1, 1), BOLD, head_size, head_size * 1.2),
        ("FONT", (0, 2), (-1, 2), FONT, head_size - 0.5, head_size),
        ("BACKGROUND", (0, 0), (-1, 1), HEADER_FILL), ("BACKGROUND", (0, 2), (-1, 2), NUMBER_FILL),
        ("ALIGN", (0, 0), (-1, 2), "CENTER"), ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        *spans,
        *[("ALIGN", (c, 3), (c, -1), "RIGHT") for c in sorted(doc.right)],
        # Most rows are sub kegiatan: their indent is the column's own padding, the others set theirs.
        ("LEFTPADDING", (doc.name_column, 3), (doc.name_column, -1), PAD_X + deepest * INDENT_STEP),
    ]
    header_height = Table(header, colWidths=widths, style=TableStyle(common)).wrap(avail, room)[1]
    # Measured on the first page, the shortest: a long row's first part must fit there too.
    body = _body(doc, widths, max(1, int((first_room - header_height - 2 * PAD_Y - 0.4) // (doc.size * 1.2))))
    pages, current, used, limit = [], [], header_height, first_room
    for row in body:
        if current and used + row[1] > limit:
            pages.append(current)
            current, used, limit = [], header_height, room
        current.append(row)
        used += row[1]
    pages.append(current)
    flowables = []
    for rows in pages:
        style = list(common)
        for r, (_cells, _height, commands) in enumerate(rows, start=3):
            style += [(cmd, (c0, r), (c1, r), *args) for cmd, c0, c1, *args in commands]
        table = Table([*header, *(cells for cells, _h, _s in rows)], colWidths=widths,
                      rowHeights=[None] * 3 + [h for _c, h, _s in rows], repeatRows=3, style=TableStyle(style))
        flowables += [PageBreak(), table] if flowables else [table]
    return flowables


def _styles(size: float) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=size + 1, leading=(size + 1) * 1.25)
    return {
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=12, leading=15, spaceAfter=2 * mm),
        "lead": ParagraphStyle("lead", base, spaceAfter=0.8 * mm),
        "section": ParagraphStyle("section", base, fontName=BOLD, fontSize=8, leading=10, spaceBefore=4 * mm,
                                  spaceAfter=1 * mm),
        "owner": ParagraphStyle("owner", base, fontName=ITALIC, spaceBefore=1.5 * mm, spaceAfter=0.5 * mm),
        "item": ParagraphStyle("item", base, leftIndent=4 * mm, bulletIndent=1 * mm, bulletFontName=FONT),
        "sign": ParagraphStyle("sign", base, fontSize=8, leading=10),
    }


def _signature(signer: Signer, place_date: str, styles: dict, width: float) -> KeepTogether:
    name = escape(signer.name or "( ........................................ )")
    lines = [place_date, "Mengetahui,", f"<b>{escape(signer.title)}</b>", None, f"<b><u>{name}</u></b>",
             f"NIP. {escape(signer.nip or '........................................')}"]
    cells = [[Spacer(1, 18 * mm) if text is None else Paragraph(text, styles["sign"])] for text in lines]
    block = Table(cells, colWidths=[width * 0.35], hAlign="RIGHT",
                  style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                         ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])
    return KeepTogether([Spacer(1, 8 * mm), block])


def write(doc: Document, path) -> None:
    """Write `doc` as a PDF file at `path` (a path or a binary file)."""
    _fonts()
    page = F4 if doc.f4 else landscape(A4)
    template = SimpleDocTemplate(path if isinstance(path, str) or hasattr(path, "write") else str(path),
                                 pagesize=page, title=f"{doc.title} · {doc.footer}", creator="Pantau",
                                 **MARGINS)
    # The frame keeps ReportLab's 6 pt padding on each side.
    avail, room = template.width - 12, template.height - 12
    styles = _styles(doc.size)
    story = [Paragraph(escape(doc.title), styles["title"])]
    story += [Paragraph(escape(line), styles["lead"]) for line in doc.lead]
    story.append(Spacer(1, 2 * mm))
    heading = sum(f.wrap(avail, room)[1] + f.getSpaceAfter() for f in story)
    story += _tables(doc, avail, room - heading - 1, room - 1)
    for section, per_owner in doc.notes:
        story.append(Paragraph(escape(section), styles["section"]))
        for owner, lines in per_owner:
            if owner:
                story.append(Paragraph(escape(owner), styles["owner"]))
            story += [Paragraph(escape(line), styles["item"], bulletText="•") for line in lines]
    story.append(_signature(doc.signer, doc.place_date, styles, avail))
    template.build(story, canvasmaker=partial(_NumberedCanvas, footer=doc.footer))
