"""Every string the interface shows in Indonesian has its English translation."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("webapp/**.py", "python"), ("templates/**.html", "jinja2")]


def extracted_msgids() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_extracted_string_has_an_english_translation():
    with open(ROOT / "webapp/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and "fuzzy" not in m.flags and (not isinstance(m.string, tuple) or all(m.string))
    }
    missing = sorted(extracted_msgids() - translated)
    assert missing == [], f"{len(missing)} strings lack English (run pybabel extract/update): {missing[:20]}"


def test_the_catalog_is_not_empty():
    assert len(extracted_msgids()) > 300
