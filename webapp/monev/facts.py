"""A kegiatan's facts as a plain row, for pages that list thousands of them.

The desks read every kegiatan in scope on each request. Mapped objects would each carry session
state (and leave reference cycles for the garbage collector); the desks need only these columns,
read as rows with the same attribute names (`row.code`, `row.pagu`, `row.start_date`...), which
the planning and evaluation functions accept as they accept a Kegiatan.
"""
from sqlalchemy import Select
from sqlalchemy.engine import Row

from webapp.monev.models import Kegiatan
from webapp.rows import core_rows

COLUMNS = (Kegiatan.id, Kegiatan.code, Kegiatan.name, Kegiatan.opd_id, Kegiatan.fiscal_year, Kegiatan.pagu,
           Kegiatan.target_value, Kegiatan.start_date, Kegiatan.end_date)


def kegiatan_facts(stmt: Select) -> list[Row]:
    """The rows of `stmt` (a select of Kegiatan, already scoped and ordered) as facts."""
    return core_rows(stmt.with_only_columns(*COLUMNS))
