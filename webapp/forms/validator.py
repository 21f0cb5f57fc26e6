"""Validate and score submission answers against a versioned form definition.

Pure Python: no Flask, no database. ``static/js/form-rules.js`` mirrors this module rule for
rule (same error codes, same messages, same score); change both together.

The definition is assumed to have passed ``webapp.forms.definition_schema.check_definition``;
the answers may be anything JSON can carry, and nothing here raises for them.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Error code -> message template (Bahasa Indonesia). Every user-visible string of this module
#: lives here so it can be wrapped for translation; ``{name}`` placeholders are filled after
#: ``translate`` is applied to the template.
MESSAGES: dict[str, str] = {
    "required": "Wajib diisi.",
    "unknown_field": "Kolom tidak dikenal.",
    "no_answer": "Kolom ini tidak menerima jawaban.",
    "not_object": "Harus berupa objek.",
    "not_list": "Harus berupa daftar.",
    "not_text": "Harus berupa teks.",
    "invalid_text": "Teks berisi karakter yang tidak diizinkan.",
    "too_long": "Paling banyak {max_length} karakter.",
    "not_integer": "Harus bilangan bulat.",
    "not_number": "Harus berupa angka.",
    "too_large": "Angka terlalu besar.",
    "min": "Minimal {min}.",
    "max": "Maksimal {max}.",
    "not_date": "Harus tanggal dengan format TTTT-BB-HH.",
    "date_min": "Tidak boleh sebelum {min}.",
    "date_max": "Tidak boleh sesudah {max}.",
    "invalid_choice": "Pilihan tidak dikenal.",
    "duplicate_choice": "Pilihan tidak boleh ganda.",
    "too_many_choices": "Paling banyak {max_items} pilihan.",
    "not_boolean": "Harus dijawab ya atau tidak.",
    "invalid_photo": "Foto tidak valid.",
    "duplicate_photo": "Foto yang sama dilampirkan dua kali.",
    "unknown_photo": "Foto tidak ada di antara lampiran kiriman ini.",
    "min_photos": "Paling sedikit {min_photos} foto.",
    "max_photos": "Paling banyak {max_photos} foto.",
    "invalid_geopoint": "Lokasi harus berisi lat dan lon.",
    "geo_lat": "Lintang (lat) harus angka antara -90 dan 90.",
    "geo_lon": "Bujur (lon) harus angka antara -180 dan 180.",
    "geo_accuracy": "Akurasi harus angka 0 atau lebih.",
    "too_many_items": "Paling banyak {max_items} baris.",
}

#: The same messages in English (``translate=english`` uses them).
MESSAGES_EN: dict[str, str] = {
    "required": "This field is required.",
    "unknown_field": "Unknown field.",
    "no_answer": "This field takes no answer.",
    "not_object": "Must be an object.",
    "not_list": "Must be a list.",
    "not_text": "Must be text.",
    "invalid_text": "The text contains characters that are not allowed.",
    "too_long": "At most {max_length} characters.",
    "not_integer": "Must be a whole number.",
    "not_number": "Must be a number.",
    "too_large": "The number is too large.",
    "min": "At least {min}.",
    "max": "At most {max}.",
    "not_date": "Must be a date in YYYY-MM-DD format.",
    "date_min": "Must not be before {min}.",
    "date_max": "Must not be after {max}.",
    "invalid_choice": "Unknown choice.",
    "duplicate_choice": "A choice must not be repeated.",
    "too_many_choices": "At most {max_items} choices.",
    "not_boolean": "Must be answered yes or no.",
    "invalid_photo": "Invalid photo.",
    "duplicate_photo": "The same photo is attached twice.",
    "unknown_photo": "The photo is not among this submission's attachments.",
    "min_photos": "At least {min_photos} photos.",
    "max_photos": "At most {max_photos} photos.",
    "invalid_geopoint": "A location must have lat and lon.",
    "geo_lat": "Latitude (lat) must be a number between -90 and 90.",
    "geo_lon": "Longitude (lon) must be a number between -180 and 180.",
    "geo_accuracy": "Accuracy must be a number of 0 or more.",
    "too_many_items": "At most {max_items} rows.",
}

_EN_BY_TEMPLATE = {MESSAGES[code]: MESSAGES_EN[code] for code in MESSAGES}

#: Largest integer a browser holds exactly (Number.MAX_SAFE_INTEGER); bigger numbers are
#: refused so that the phone and the server always agree on a value.
MAX_SAFE_INTEGER = 2**53 - 1

#: Field types that hold no answer.
NO_ANSWER_TYPES = frozenset({"note"})

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# NUL cannot be stored by PostgreSQL; a surrogate left in a str cannot be encoded as UTF-8
# (json.loads pairs valid surrogate escapes, so any left over is a lone one).
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# Only ASCII whitespace is trimmed: Python's and JavaScript's notions of Unicode whitespace
# differ, and the two validators must agree.
_ASCII_SPACE = " \t\n\r\f\v"
_GEOPOINT_KEYS = frozenset({"lat", "lon", "accuracy_m"})


def english(template: str) -> str:
    """Translate one of the Indonesian message templates to English (usable as ``translate``)."""
    return _EN_BY_TEMPLATE.get(template, template)


@dataclass
class ValidationResult:
    """The outcome of ``validate_answers``.

    ``errors`` maps a field path (``answers.risiko.0.kategori``) to human messages;
    ``codes`` has the same keys with the stable machine codes (keys of ``MESSAGES``), in the
    same order. ``cleaned`` holds the valid answers only (trimmed text, lower-case photo UUIDs,
    whole numbers as ``int``, unanswered fields left out). ``score`` is set only when there are
    no errors and the form is scored.
    """

    errors: dict[str, list[str]] = field(default_factory=dict)
    score: float | None = None
    cleaned: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no field has an error."""
        return not self.errors


class _Context:
    """What one validation run needs besides the value at hand."""

    def __init__(
        self,
        options: Mapping[str, Collection[str]] | None,
        attachment_uuids: Collection[str] | None,
        translate: Callable[[str], str],
    ) -> None:
        self.options = options
        self.attachments = (
            None
            if attachment_uuids is None
            else {u.lower() for u in attachment_uuids if isinstance(u, str)}
        )
        self.translate = translate
        self.errors: dict[str, list[str]] = {}
        self.codes: dict[str, list[str]] = {}
        self.count = 0  # messages added so far

    def add(self, path: str, code: str, **params: Any) -> None:
        values = {key: _format_param(value) for key, value in params.items()}
        message = _PLACEHOLDER.sub(
            lambda m: values.get(m.group(1), m.group(0)), self.translate(MESSAGES[code])
        )
        self.errors.setdefault(path, []).append(message)
        self.codes.setdefault(path, []).append(code)
        self.count += 1


def validate_answers(
    definition: Mapping[str, Any],
    answers: Any,
    *,
    options: Mapping[str, Collection[str]] | None = None,
    attachment_uuids: Collection[str] | None = None,
    translate: Callable[[str], str] | None = None,
) -> ValidationResult:
    """Check answers against a form definition; return errors, cleaned answers and score.

    Compiles the definition for this one call; a caller checking many answers against one
    definition keeps ``compile_answers(definition)`` and calls it instead."""
    return compile_answers(definition)(
        answers, options=options, attachment_uuids=attachment_uuids, translate=translate)


class AnswersValidator:
    """A form definition compiled into checks: call it with answers as ``validate_answers`` is.

    Holds no state between calls (safe to share across threads); the definition must not change
    after compiling (a published form version never does)."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self._group = _compile_group(definition["fields"])
        self._score = _compile_score(definition)

    def __call__(
        self,
        answers: Any,
        *,
        options: Mapping[str, Collection[str]] | None = None,
        attachment_uuids: Collection[str] | None = None,
        translate: Callable[[str], str] | None = None,
    ) -> ValidationResult:
        ctx = _Context(options, attachment_uuids, translate or _identity)
        if not isinstance(answers, dict):
            ctx.add("answers", "not_object")
            return ValidationResult(errors=ctx.errors, codes=ctx.codes)
        cleaned = self._group(answers, "answers", ctx)
        score = None if ctx.errors else self._score(cleaned)
        return ValidationResult(errors=ctx.errors, score=score, cleaned=cleaned, codes=ctx.codes)


def compile_answers(definition: Mapping[str, Any]) -> AnswersValidator:
    """The definition's answers validator, compiled once."""
    return AnswersValidator(definition)


def score_answers(definition: Mapping[str, Any], cleaned_answers: Any) -> float | None:
    """The weighted share (0-100, one decimal) of answered checklist items that pass.

    None when the form is not scored or no weighted item was answered. Items are summed in
    definition order with float arithmetic, and rounded half up, exactly as form-rules.js does.
    """
    return _compile_score(definition)(cleaned_answers)


def _compile_score(definition: Mapping[str, Any]) -> Callable[[Any], float | None]:
    """The scoring of `score_answers` with the weighted items picked out of the definition once."""
    if not definition.get("scored"):
        return lambda cleaned_answers: None
    items = []
    for spec in definition["fields"]:
        weight = spec.get("weight")
        if (
            spec.get("type") != "yes_no"
            or not _is_number(weight)
            or not 0 < weight <= MAX_SAFE_INTEGER
        ):
            continue
        items.append((spec["name"], float(weight), spec.get("pass", True)))

    def score(cleaned_answers: Any) -> float | None:
        if not isinstance(cleaned_answers, dict):
            return None
        passed = 0.0
        total = 0.0
        for name, weight, passing in items:
            answer = cleaned_answers.get(name)
            if not isinstance(answer, bool):
                continue  # unanswered: "not applicable" at this site, left out of the total
            total += weight
            if answer == passing:
                passed += weight
        if not total > 0:
            return None
        result = math.floor(passed / total * 1000 + 0.5) / 10
        return min(100.0, max(0.0, result))

    return score


def form_fields(definition: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (path, field) pairs that hold answers, in form order: one export column each."""
    return [
        (spec["name"], spec)
        for spec in definition["fields"]
        if spec.get("type") not in NO_ANSWER_TYPES
    ]


def _identity(text: str) -> str:
    return text


def _format_param(value: Any) -> str:
    # Whole numbers print without a decimal point, others with up to six decimals, so that
    # the JavaScript twin (Number.isInteger / toFixed(6)) prints exactly the same text.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" and value == 0 else text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_nan(value: int | float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _is_unanswered(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and len(value) == 0)


# ---- compiling a definition ----------------------------------------------------------------
#
# A definition is compiled once into closures: each field's constants (its name, limits, option
# set, whether it is required) are read from the definition at compile time, and a value is
# checked by a function made for its field, with no look-ups in the definition while answers are
# checked. Each check reports its own errors and returns (ok, cleaned value); the order of its
# checks is part of the contract with form-rules.js. A path is built only when there is an error.

#: check(value, prefix, name, ctx) -> (ok, cleaned value); the value's path is f"{prefix}.{name}".
Check = Callable[[Any, str, str, _Context], tuple[bool, Any]]


def _compile_group(specs: list[dict[str, Any]]) -> Callable[[dict, str, _Context], dict[str, Any]]:
    """One level of answers (the form, or one repeat row) against its fields."""
    compiled = []
    for spec in specs:
        kind = spec["type"]
        check = None if kind in NO_ANSWER_TYPES else _COMPILERS[kind](spec)
        compiled.append((spec["name"], kind == "text", bool(spec.get("required", False)), check))
    known = frozenset(spec["name"] for spec in specs)

    def group(values: dict[Any, Any], prefix: str, ctx: _Context) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for name, strip, required, check in compiled:
            value = values.get(name)
            if strip and isinstance(value, str):
                value = value.strip(_ASCII_SPACE)
            if value is None or (isinstance(value, (str, list)) and len(value) == 0):
                if required:
                    ctx.add(f"{prefix}.{name}", "required")
                continue
            if check is None:
                ctx.add(f"{prefix}.{name}", "no_answer")
                continue
            ok, result = check(value, prefix, name, ctx)
            if ok:
                cleaned[name] = result
        if len(values) > len(known) or any(key not in known for key in values):
            for key in values:
                if key not in known:
                    ctx.add(f"{prefix}.{key}", "unknown_field")
        return cleaned

    return group


def _fail(ctx: _Context, prefix: str, name: str, code: str, **params: Any) -> tuple[bool, None]:
    ctx.add(f"{prefix}.{name}", code, **params)
    return False, None


def _compile_text(spec: dict[str, Any]) -> Check:
    max_length = spec.get("max_length")

    def check(value, prefix, name, ctx):
        if not isinstance(value, str):
            return _fail(ctx, prefix, name, "not_text")
        if _BAD_CHARS.search(value):
            return _fail(ctx, prefix, name, "invalid_text")
        if max_length is not None and len(value) > max_length:
            return _fail(ctx, prefix, name, "too_long", max_length=max_length)
        return True, value

    return check


def _compile_range(spec: dict[str, Any]):
    has_min, has_max = "min" in spec, "max" in spec
    low, high = spec.get("min"), spec.get("max")

    def in_range(value, prefix, name, ctx) -> bool:
        if has_min and value < low:
            _fail(ctx, prefix, name, "min", min=low)
            return False
        if has_max and value > high:
            _fail(ctx, prefix, name, "max", max=high)
            return False
        return True

    return in_range


def _compile_integer(spec: dict[str, Any]) -> Check:
    in_range = _compile_range(spec)

    def check(value, prefix, name, ctx):
        if not _is_number(value):
            return _fail(ctx, prefix, name, "not_integer")
        if abs(value) > MAX_SAFE_INTEGER:
            return _fail(ctx, prefix, name, "too_large")
        # A whole float (5.0) is accepted: JSON in a browser cannot tell 5.0 from 5.
        if isinstance(value, float) and not value.is_integer():
            return _fail(ctx, prefix, name, "not_integer")
        value = int(value)
        return in_range(value, prefix, name, ctx), value

    return check


def _compile_decimal(spec: dict[str, Any]) -> Check:
    in_range = _compile_range(spec)

    def check(value, prefix, name, ctx):
        if not _is_number(value):
            return _fail(ctx, prefix, name, "not_number")
        if abs(value) > MAX_SAFE_INTEGER:
            return _fail(ctx, prefix, name, "too_large")
        if _is_nan(value):
            return _fail(ctx, prefix, name, "not_number")
        return in_range(value, prefix, name, ctx), value

    return check


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return True


def _compile_date(spec: dict[str, Any]) -> Check:
    has_min, has_max = "min" in spec, "max" in spec
    low, high = spec.get("min"), spec.get("max")

    def check(value, prefix, name, ctx):
        if not _is_date(value):
            return _fail(ctx, prefix, name, "not_date")
        # ISO dates with four-digit years order like strings.
        if has_min and value < low:
            return _fail(ctx, prefix, name, "date_min", min=low)
        if has_max and value > high:
            return _fail(ctx, prefix, name, "date_max", max=high)
        return True, value

    return check


def _compile_allowed(spec: dict[str, Any]) -> Callable[[_Context], Collection[str] | None]:
    """The values a select field accepts, or None when any clean non-empty string will do."""
    if "options" in spec:
        fixed = frozenset(option["value"] for option in spec["options"])
        return lambda ctx: fixed
    source = spec.get("options_from")

    def allowed(ctx: _Context) -> Collection[str] | None:
        if ctx.options is not None and source in ctx.options:
            return ctx.options[source]
        return None

    return allowed


def _is_choice(value: Any, allowed: Collection[str] | None) -> bool:
    if not isinstance(value, str) or value == "":
        return False
    if allowed is None:
        return _BAD_CHARS.search(value) is None
    return value in allowed


def _compile_select_one(spec: dict[str, Any]) -> Check:
    allowed = _compile_allowed(spec)

    def check(value, prefix, name, ctx):
        if not _is_choice(value, allowed(ctx)):
            return _fail(ctx, prefix, name, "invalid_choice")
        return True, value

    return check


def _compile_select_many(spec: dict[str, Any]) -> Check:
    allowed_of = _compile_allowed(spec)
    max_items = spec.get("max_items")

    def check(value, prefix, name, ctx):
        if not isinstance(value, list):
            return _fail(ctx, prefix, name, "not_list")
        allowed = allowed_of(ctx)
        invalid = False
        duplicate = False
        seen: set[str] = set()
        for item in value:
            if not _is_choice(item, allowed):
                invalid = True
            elif item in seen:
                duplicate = True
            else:
                seen.add(item)
        ok = True
        full = f"{prefix}.{name}"
        if invalid:
            ctx.add(full, "invalid_choice")
            ok = False
        if duplicate:
            ctx.add(full, "duplicate_choice")
            ok = False
        if max_items is not None and len(value) > max_items:
            ctx.add(full, "too_many_choices", max_items=max_items)
            ok = False
        return ok, list(value) if ok else None

    return check


def _compile_yes_no(spec: dict[str, Any]) -> Check:
    def check(value, prefix, name, ctx):
        if value is True or value is False:
            return True, value
        return _fail(ctx, prefix, name, "not_boolean")

    return check


def _compile_photo(spec: dict[str, Any]) -> Check:
    min_photos = spec.get("min_photos", 0)
    max_photos = spec.get("max_photos")

    def check(value, prefix, name, ctx):
        if not isinstance(value, list):
            return _fail(ctx, prefix, name, "not_list")
        invalid = duplicate = unknown = False
        uuids: list[str] = []
        for item in value:
            if not isinstance(item, str) or not _UUID.fullmatch(item):
                invalid = True
                continue
            uuid = item.lower()
            if uuid in uuids:
                duplicate = True
            elif ctx.attachments is not None and uuid not in ctx.attachments:
                unknown = True
            uuids.append(uuid)
        ok = True
        full = f"{prefix}.{name}"
        for flag, code in ((invalid, "invalid_photo"), (duplicate, "duplicate_photo"),
                           (unknown, "unknown_photo")):
            if flag:
                ctx.add(full, code)
                ok = False
        if len(value) < min_photos:
            ctx.add(full, "min_photos", min_photos=min_photos)
            ok = False
        if max_photos is not None and len(value) > max_photos:
            ctx.add(full, "max_photos", max_photos=max_photos)
            ok = False
        return ok, uuids if ok else None

    return check


def _is_coordinate(value: Any, limit: int) -> bool:
    return _is_number(value) and not _is_nan(value) and -limit <= value <= limit


def _compile_geopoint(spec: dict[str, Any]) -> Check:
    def check(value, prefix, name, ctx):
        if (
            not isinstance(value, dict)
            or "lat" not in value
            or "lon" not in value
            or not set(value) <= _GEOPOINT_KEYS
        ):
            return _fail(ctx, prefix, name, "invalid_geopoint")
        ok = True
        full = f"{prefix}.{name}"
        if not _is_coordinate(value["lat"], 90):
            ctx.add(full, "geo_lat")
            ok = False
        if not _is_coordinate(value["lon"], 180):
            ctx.add(full, "geo_lon")
            ok = False
        accuracy = value.get("accuracy_m")
        if accuracy is not None and not (
            _is_number(accuracy)
            and not _is_nan(accuracy)
            and 0 <= accuracy <= MAX_SAFE_INTEGER
        ):
            ctx.add(full, "geo_accuracy")
            ok = False
        if not ok:
            return False, None
        point = {"lat": value["lat"], "lon": value["lon"]}
        if accuracy is not None:
            point["accuracy_m"] = accuracy
        return True, point

    return check


def _compile_repeat(spec: dict[str, Any]) -> Check:
    max_items = spec.get("max_items")
    row_group = _compile_group(spec["fields"])

    def check(value, prefix, name, ctx):
        if not isinstance(value, list):
            return _fail(ctx, prefix, name, "not_list")
        full = f"{prefix}.{name}"
        if max_items is not None and len(value) > max_items:
            ctx.add(full, "too_many_items", max_items=max_items)
            return False, None
        before = ctx.count
        rows = []
        for index, item in enumerate(value):
            row_path = f"{full}.{index}"
            if not isinstance(item, dict):
                ctx.add(row_path, "not_object")
                continue
            rows.append(row_group(item, row_path, ctx))
        return ctx.count == before, rows

    return check


_COMPILERS: dict[str, Callable[[dict[str, Any]], Check]] = {
    "text": _compile_text,
    "integer": _compile_integer,
    "decimal": _compile_decimal,
    "date": _compile_date,
    "select_one": _compile_select_one,
    "select_many": _compile_select_many,
    "yes_no": _compile_yes_no,
    "photo": _compile_photo,
    "geopoint": _compile_geopoint,
    "repeat": _compile_repeat,
}
