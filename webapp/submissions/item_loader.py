"""The fast path of loading one batch item: plain Python checks compiled from `SubmissionItemSchema`.

An item a phone sends is valid nearly always, and marshmallow's general machinery (a field
object, a validator list and an error store per value) costs more than the rest of its intake.
`load_item` gives exactly what `SubmissionItemSchema().load` gives for an item it can vouch for,
and None for anything else — an error, or an unusual but valid spelling (a UUID without hyphens,
a number as text) — which then goes through the schema itself, so every answer, and every error
message, stays the schema's. A test holds the two to the same results.
"""
import functools
import math
import re
import uuid as uuidlib

from marshmallow import ValidationError

from webapp.submissions.schemas import MAX_ATTACHMENTS, PHOTO_TYPES, SubmissionItemSchema
from webapp.vocabulary import SiteKind

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")  # as the schema's Regexp validator matches it
_BAD = re.compile("[\x00\ud800-\udfff]")
_ITEM_KEYS = frozenset({"uuid", "form", "form_version", "recorded_at", "location", "site", "answers", "attachments"})
_LOCATION_KEYS = frozenset({"lat", "lon", "accuracy_m"})
_SITE_KEYS = frozenset({"uuid", "new"})
_NEW_SITE_KEYS = frozenset({"name", "kind", "desa_code", "lat", "lon"})
_ATTACHMENT_KEYS = frozenset({"uuid", "field", "sha256", "bytes", "content_type"})
_PHOTO_TYPES = frozenset(PHOTO_TYPES)
_SITE_KINDS = frozenset(SiteKind.values())


class _Refer(Exception):
    """Not for the fast path: the schema decides."""


@functools.cache
def _recorded_at_field():
    # The schema's own field: dates are parsed exactly as the schema parses them.
    return SubmissionItemSchema().fields["recorded_at"]


def _uuid(value) -> uuidlib.UUID:
    if type(value) is not str or not _UUID.fullmatch(value):
        raise _Refer
    return uuidlib.UUID(value)


def _text(value, low: int, high: int, storable: bool = False) -> str:
    if type(value) is not str or not low <= len(value) <= high or (storable and _BAD.search(value)):
        raise _Refer
    return value


def _one_of(value, choices: frozenset) -> bool:
    return type(value) is str and value in choices


def _float(value, low: float, high: float) -> float:
    if type(value) is not float and type(value) is not int:
        raise _Refer
    try:
        number = float(value)
    except OverflowError:
        raise _Refer from None
    if not math.isfinite(number) or not low <= number <= high:
        raise _Refer
    return number


def _integer(value, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Refer
    return value


def _location(value):
    if value is None:
        return None
    if type(value) is not dict or not value.keys() <= _LOCATION_KEYS:
        raise _Refer
    accuracy = value.get("accuracy_m")
    return {"lat": _float(value.get("lat"), -90, 90), "lon": _float(value.get("lon"), -180, 180),
            "accuracy_m": None if accuracy is None else _float(accuracy, 0, 1_000_000)}


def _site(value):
    if value is None:
        return None
    if type(value) is not dict or not value.keys() <= _SITE_KEYS:
        raise _Refer
    new = value.get("new")
    if new is not None:
        if type(new) is not dict or new.keys() != _NEW_SITE_KEYS or not _one_of(new["kind"], _SITE_KINDS):
            raise _Refer
        new = {"name": _text(new["name"], 1, 200, storable=True), "kind": new["kind"],
               "desa_code": _text(new["desa_code"], 1, 20),
               "lat": _float(new["lat"], -90, 90), "lon": _float(new["lon"], -180, 180)}
    return {"uuid": _uuid(value.get("uuid")), "new": new}


def _attachment(value) -> dict:
    if type(value) is not dict or value.keys() != _ATTACHMENT_KEYS:
        raise _Refer
    sha256 = value["sha256"]
    if type(sha256) is not str or not _SHA256.match(sha256) or not _one_of(value["content_type"], _PHOTO_TYPES):
        raise _Refer
    return {"uuid": _uuid(value["uuid"]), "field": _text(value["field"], 1, 64), "sha256": sha256,
            "bytes": _integer(value["bytes"], 1, 2**31), "content_type": value["content_type"]}


def load_item(raw) -> dict | None:
    """The item as `SubmissionItemSchema().load(raw)` gives it, or None when the schema must decide."""
    if type(raw) is not dict or not raw.keys() <= _ITEM_KEYS:
        return None
    try:
        answers = raw.get("answers")
        attachments = raw.get("attachments", [])
        if type(answers) is not dict or type(attachments) is not list or len(attachments) > MAX_ATTACHMENTS:
            raise _Refer
        recorded_at = raw.get("recorded_at")
        if type(recorded_at) is not str:
            raise _Refer
        return {
            "uuid": _uuid(raw.get("uuid")),
            "form": _text(raw.get("form"), 1, 40, storable=True),
            "form_version": _integer(raw.get("form_version"), 1, 100000),
            "recorded_at": _recorded_at_field().deserialize(recorded_at),
            "location": _location(raw.get("location")),
            "site": _site(raw.get("site")),
            # JSON object keys are always text: the schema's key field passes them as they are.
            "answers": dict(answers) if all(type(k) is str for k in answers) else _refer(),
            "attachments": [_attachment(a) for a in attachments],
        }
    except _Refer:
        return None
    except ValidationError:  # the date, refused by the schema's own field: the schema reports it
        return None


def _refer():
    raise _Refer
