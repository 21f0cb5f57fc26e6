"""Cell values of an uploaded table (a DPA, a list of users) read as Indonesians write them:
rupiah, percentages, dates."""
import re
from datetime import date, datetime

from flask_babel import gettext as _

from webapp.tabular import Cell


class CellError(ValueError):
    """A value that cannot be read unambiguously; the message says why, in the user's language."""


_ID_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")     # 1.500.000 or 1.500.000,00
_EN_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3}){2,}(\.\d+)?$")  # 1,500,000 (two groups at least)
_DECIMAL_COMMA = re.compile(r"^-?\d+(,\d+)?$")                  # 1500000 or 45,5
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")                    # 1500000.00 or 45.5


def is_blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


def text(cell: Cell | None) -> str:
    if is_blank(cell):
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = " ".join(str(value).split())
    if result.startswith("="):
        raise CellError(_("berisi rumus (%(formula)s); simpan sel sebagai nilai", formula=result[:30]))
    return result


def _decimal_text(raw: str) -> float:
    """A number written with Indonesian (1.500.000,5) or unambiguous English (1,500,000.5) separators."""
    compact = raw.replace("\u00a0", "").replace(" ", "")
    if _ID_THOUSANDS.match(compact):
        return float(compact.replace(".", "").replace(",", "."))
    if _EN_THOUSANDS.match(compact):
        return float(compact.replace(",", ""))
    if _DECIMAL_COMMA.match(compact):
        return float(compact.replace(",", "."))
    if _DECIMAL_POINT.match(compact):
        return float(compact)
    raise CellError(_("'%(value)s' bukan angka", value=raw))


def rupiah(cell: Cell | None) -> int:
    """Whole rupiah from 1500000, "Rp 1.500.000", "1.500.000,00" or a numeric cell."""
    if is_blank(cell):
        raise CellError(_("wajib diisi"))
    value = cell.value
    if isinstance(value, bool):
        raise CellError(_("'%(value)s' bukan angka", value=value))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        raw = text(cell)
        number = _decimal_text(re.sub(r"^(-?)\s*rp\.?\s*", r"\1", raw, flags=re.I))
    if number != int(number):
        raise CellError(_("rupiah tidak boleh pecahan (%(value)s)", value=cell.value))
    return int(number)


def percent(cell: Cell | None) -> float:
    """A percentage from 45, "45,5", "45.5", "45 %" or an XLSX cell formatted as a percentage."""
    if is_blank(cell):
        raise CellError(_("wajib diisi"))
    value = cell.value
    if isinstance(value, bool):
        raise CellError(_("'%(value)s' bukan angka", value=value))
    if isinstance(value, (int, float)):
        number = float(value) * (100 if cell.percent else 1)
    else:
        number = _decimal_text(text(cell).rstrip("%").strip())
    return round(number, 2)


def number(cell: Cell | None) -> float:
    if is_blank(cell):
        raise CellError(_("wajib diisi"))
    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        return float(cell.value)
    return _decimal_text(text(cell))


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def day(cell: Cell | None) -> date:
    """A date from a date cell, 2026-02-01 or 01/02/2026 (day first, as written in Indonesia)."""
    if is_blank(cell):
        raise CellError(_("wajib diisi"))
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(cell)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(_("'%(value)s' bukan tanggal (tulis 2026-02-01 atau 01/02/2026)", value=raw))
