"""One top-level answer of a submission, read in SQL.

A desk that needs a figure or two from thousands of visits reads those values, not every visit's
whole answers document (decoded in Python row by row). The value is kept only when its JSON type
is the one asked for, as `monev.rollup.number` keeps only numbers: `true` is not 1 and the text
"12" is not 12; anything else reads as NULL.
"""
from sqlalchemy import Float, String, case, cast, func, literal, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.types import JSONType

#: JSON types as SQLite's json_type and PostgreSQL's jsonb_typeof name them.
_NUMBER = {"sqlite": ("integer", "real"), "postgresql": ("number",)}
_STRING = {"sqlite": ("text",), "postgresql": ("string",)}
_ARRAY = {"sqlite": ("array",), "postgresql": ("array",)}


def dialect() -> str:
    """The name of the database the session talks to ("sqlite", "postgresql")."""
    return db.session.get_bind().dialect.name


def _typed(key: str, types: dict, as_type, dialect_name: str) -> ColumnElement:
    answers = Submission.answers
    if dialect_name == "postgresql":
        value = answers.op("->")(literal(key, String()))
        text = answers.op("->>")(literal(key, String()))
        return case((func.jsonb_typeof(value).in_(types["postgresql"]),
                     type_coerce(value, as_type) if as_type is JSONType else cast(text, as_type)))
    path = '$."' + key.replace('"', '\\"') + '"'
    value = func.json_extract(answers, path)
    return case((func.json_type(answers, path).in_(types["sqlite"]),
                 type_coerce(value, as_type) if as_type is JSONType else cast(value, as_type)))


def answer_number(key: str, dialect_name: str) -> ColumnElement:
    """The answer `key` as a float when it is a JSON number, else NULL."""
    return _typed(key, _NUMBER, Float(), dialect_name)


def answer_text(key: str, dialect_name: str) -> ColumnElement:
    """The answer `key` when it is a JSON string, else NULL."""
    return _typed(key, _STRING, String(), dialect_name)


def answer_list(key: str, dialect_name: str) -> ColumnElement:
    """The answer `key` (decoded) when it is a JSON array, else NULL."""
    return _typed(key, _ARRAY, JSONType, dialect_name)
