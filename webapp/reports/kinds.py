"""Report kinds another domain adds to the report jobs (the Rakor deck): registered at import by
that domain, run by webapp/reports/tasks.py. Kept apart from the builders, which load openpyxl."""
from collections.abc import Callable
from dataclasses import dataclass

from webapp.accounts.models import User


@dataclass(frozen=True)
class AddedKind:
    """A report kind another domain makes through these jobs (the Rakor deck): who may still have
    it made, its data version, its file name and how it is built, each from the job's params."""

    may: Callable[[User], bool]
    data_version: Callable[[User, dict], str]
    filename: Callable[[dict], str]
    build: Callable[[str, User, dict, Callable[[int], None]], None]


#: kind → AddedKind, filled by the domains that add one (`register_kind`).
ADDED_KINDS: dict[str, AddedKind] = {}


def register_kind(kind: str, added: AddedKind) -> None:
    ADDED_KINDS[kind] = added
