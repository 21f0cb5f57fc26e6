"""Report kinds another domain adds to the report jobs (the Rakor deck): registered at import by
that domain, run by webapp/reports/tasks.py. Kept apart from the builders, which load openpyxl."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webapp.accounts.models import User


@dataclass(frozen=True)
class AddedKind:
    """A report kind another domain makes through these jobs (the Rakor deck): who may still have
    it made, its file name, and how it is built in two steps: `prepare` draws the content from the
    job's user and params and returns (data version, content); `build` writes that same content to
    the file, so a kind whose version is a digest of what it draws draws it once per job."""

    may: Callable[[User], bool]
    prepare: Callable[[User, dict], tuple[str, Any]]
    filename: Callable[[dict], str]
    build: Callable[[str, Any, Callable[[int], None]], None]


#: kind → AddedKind, filled by the domains that add one (`register_kind`).
ADDED_KINDS: dict[str, AddedKind] = {}


def register_kind(kind: str, added: AddedKind) -> None:
    ADDED_KINDS[kind] = added
