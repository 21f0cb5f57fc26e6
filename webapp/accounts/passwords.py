"""What a new password must be: long, not on the list of common passwords, not a pattern.

Every way a password is set goes through `validate_new_password`: the create-user command, the
demo accounts, and the admin console.
"""
import gzip
import re
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
#: The 20,000 common passwords Django ships (BSD licence; see data/README.md).
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def validate_new_password(password: str, username: str | None = None) -> list[str]:
    """The reasons a new password is refused (translated strings); empty when it may be used."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return [str(_l("Kata sandi minimal %(n)s karakter.", n=MIN_LENGTH))]
    problems = []
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        problems.append(str(_l("Kata sandi ini termasuk yang paling sering dipakai; pilih yang lain.")))
    if len(set(password)) < 4 or _REPEATED.fullmatch(password):
        problems.append(str(_l("Kata sandi tidak boleh berupa pengulangan (misalnya \"abcabcabc\" atau spasi saja).")))
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in lowered:
        problems.append(str(_l("Kata sandi tidak boleh memuat nama pengguna.")))
    return problems
