"""Reading many plain rows: the desks read thousands of rows of a few columns per request.

`session.execute` runs a statement through the ORM (its compile state and its row loading), which
costs microseconds per row even when the statement names only columns; these run it on the
session's own connection and transaction instead. They do not autoflush: for reads only.
"""
from sqlalchemy import Select
from sqlalchemy.engine import Row

from webapp.extensions import db


def core_rows(stmt: Select) -> list[Row]:
    """All rows of `stmt` (a select of columns), with the columns' result conversions."""
    return db.session.connection().execute(stmt).all()


def driver_rows(stmt: Select) -> list[tuple]:
    """All rows of `stmt` as the database driver returns them, for columns that need no conversion."""
    result = db.session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
