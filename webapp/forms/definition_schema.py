"""Check a form *definition* document before it is published (admin upload, built-in forms).

``check_definition(document)`` returns the document unchanged or raises ``DefinitionError``
whose ``errors`` map a path in the document (``fields.3(peserta).max``) to messages. Once a
definition has passed, ``webapp.forms.validator`` and ``static/js/form-rules.js`` rely on it.

The format (every user-visible text is ``{"id": ..., "en": ...}``)::

    {"form": "geber_cek", "version": 1, "programme": "geber" | "monev",
     "title": {...}, "description": {...}?, "site_required": bool, "scored": bool,
     "fields": [field, ...]}

    field: {"name": "a_z0_9", "type": ..., "label": {...}, "hint": {...}?, "required": bool?}
      text         max_length?, multiline?
      integer      min?, max? (integers), unit?
      decimal      min?, max? (numbers), unit?
      date         min?, max? ("YYYY-MM-DD")
      select_one   options: [{"value": "a-z0-9_-", "label": {...}}] | options_from: "kegiatan"
      select_many  as select_one, max_items?
      yes_no       pass? (the passing answer, default true), weight? (> 0, scored forms only)
      photo        max_photos (required), min_photos?
      geopoint     -
      note         - (no answer; never required)
      repeat       fields (no photo/repeat/weight inside), max_items (required)

Unknown keys are errors; a scored form needs at least one weighted yes_no item.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

#: Where the built-in definitions live (``<form>.v<version>.json``).
DEFINITIONS_DIR = Path(__file__).parent / "definitions"

FIELD_TYPES = (
    "text", "integer", "decimal", "date", "select_one", "select_many",
    "yes_no", "photo", "geopoint", "note", "repeat",
)
PROGRAMMES = ("geber", "monev")
#: Matches Number.MAX_SAFE_INTEGER, as in the validator.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_WEIGHT = 1_000_000
MAX_FIELDS = 200
MAX_OPTIONS = 500
MAX_PHOTOS = 50
MAX_REPEAT_ITEMS = 1000
MAX_TEXT_LENGTH = 100_000

# An identifier: lower-case ASCII, starts with a letter. Also keeps names such as
# "__proto__" out of the JavaScript twin's objects.
_NAME = r"^[a-z][a-z0-9_]{0,63}\Z"
_OPTION_VALUE = r"^[a-z0-9][a-z0-9_-]{0,63}\Z"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: Messages for authors of definitions (admins): Bahasa Indonesia first, then English.
MESSAGES = {
    "required": "Wajib ada (required).",
    "null": "Tidak boleh null (must not be null).",
    "unknown": "Kunci tidak dikenal di sini (unknown key here).",
    "object": "Harus berupa objek (must be an object).",
    "list": "Harus berupa daftar (must be a list).",
    "string": "Harus berupa teks (must be a string).",
    "boolean": "Harus true atau false (must be true or false).",
    "integer": "Harus bilangan bulat (must be an integer).",
    "number": "Harus angka terhingga (must be a finite number).",
    "date": "Harus tanggal TTTT-BB-HH (must be a YYYY-MM-DD date).",
    "name": "Harus huruf kecil, angka atau _, diawali huruf, maks. 64 (lower-case a-z, 0-9, _, "
            "starting with a letter, at most 64).",
    "option_value": "Harus huruf kecil, angka, _ atau -, maks. 64 (lower-case a-z, 0-9, _ or -, "
                    "at most 64).",
    "type": "Jenis kolom tidak dikenal (unknown field type); pilihan (one of): "
            + ", ".join(FIELD_TYPES) + ".",
    "type_in_repeat": "Jenis ini tidak boleh di dalam repeat (this type is not allowed inside "
                      "a repeat).",
    "programme": "Harus salah satu dari (must be one of): " + ", ".join(PROGRAMMES) + ".",
    "min_gt_max": "min lebih besar dari max (min is greater than max).",
    "photos_min_gt_max": "min_photos lebih besar dari max_photos (min_photos is greater than "
                         "max_photos).",
    "options_xor": "Isi salah satu: options atau options_from (give exactly one of options and "
                   "options_from).",
    "duplicate_option": "Nilai pilihan ganda (duplicate option value): {value}.",
    "duplicate_name": "Nama kolom ganda (duplicate field name): {name}.",
    "weight_unscored": "weight hanya untuk formulir dengan scored: true (weight is only allowed "
                       "on a scored form).",
    "scored_no_weight": "Formulir scored butuh setidaknya satu yes_no dengan weight (a scored "
                        "form needs at least one yes_no item with a weight).",
    "note_required": "Kolom note tidak bisa wajib (a note cannot be required).",
    "range": "Harus antara {min} dan {max} (must be between {min} and {max}).",
    "length": "Panjang harus {min}-{max} (length must be {min}-{max}).",
}


class DefinitionError(ValueError):
    """A form definition failed its checks; ``errors`` maps document paths to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        detail = "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items())
        super().__init__(f"Definisi formulir tidak valid (invalid form definition): {detail}")


# -- strict scalar fields: JSON types only, nothing coerced ------------------------------------


class _Str(fields.String):
    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["string"], "invalid_utf8": MESSAGES["string"],
    }


class _Bool(fields.Field):
    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["boolean"],
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class _Int(fields.Field):
    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["integer"],
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class _Number(fields.Field):
    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["number"],
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("invalid")
        return value


class _Date(fields.Field):
    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["date"],
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            raise self.make_error("invalid") from None
        return value


def _range(low: float, high: float) -> validate.Range:
    return validate.Range(low, high, error=MESSAGES["range"].format(min=low, max=high))


def _length(low: int, high: int) -> validate.Length:
    return validate.Length(low, high, error=MESSAGES["length"].format(min=low, max=high))


def _nested(schema: type[Schema], **kwargs: Any) -> fields.Nested:
    return fields.Nested(
        schema,
        error_messages={"required": MESSAGES["required"], "null": MESSAGES["null"],
                        "type": MESSAGES["object"]},
        **kwargs,
    )


def _list(inner: fields.Field, **kwargs: Any) -> fields.List:
    return fields.List(
        inner,
        error_messages={"required": MESSAGES["required"], "null": MESSAGES["null"],
                        "invalid": MESSAGES["list"]},
        **kwargs,
    )


class _StrictSchema(Schema):
    """Unknown keys are errors (marshmallow's default RAISE), with our wording."""

    error_messages = {"unknown": MESSAGES["unknown"], "type": MESSAGES["object"]}


class LocalTextSchema(_StrictSchema):
    """User-visible text, Bahasa Indonesia and English."""

    id = _Str(required=True, validate=_length(1, 1000))
    en = _Str(required=True, validate=_length(1, 1000))


class TitleSchema(LocalTextSchema):
    """A form title (stored in a 200-character column)."""

    id = _Str(required=True, validate=_length(1, 200))
    en = _Str(required=True, validate=_length(1, 200))


class OptionSchema(_StrictSchema):
    value = _Str(required=True, validate=validate.Regexp(_OPTION_VALUE,
                                                         error=MESSAGES["option_value"]))
    label = _nested(LocalTextSchema, required=True)


# -- one schema per field type ------------------------------------------------------------------


class _FieldBase(_StrictSchema):
    name = _Str(required=True, validate=validate.Regexp(_NAME, error=MESSAGES["name"]))
    type = _Str(required=True)
    label = _nested(LocalTextSchema, required=True)
    hint = _nested(LocalTextSchema)
    required = _Bool()


class NoteFieldSchema(_FieldBase):
    @validates_schema
    def _never_required(self, data, **kwargs):
        if data.get("required"):
            raise ValidationError(MESSAGES["note_required"], "required")


class TextFieldSchema(_FieldBase):
    max_length = _Int(validate=_range(1, MAX_TEXT_LENGTH))
    #: A hint for the renderer: a text area rather than a one-line input.
    multiline = _Bool()


def _check_min_max(data: dict[str, Any]) -> None:
    if "min" in data and "max" in data and data["min"] > data["max"]:
        raise ValidationError(MESSAGES["min_gt_max"], "max")


class IntegerFieldSchema(_FieldBase):
    min = _Int(validate=_range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    max = _Int(validate=_range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    #: Shown next to the input, e.g. {"id": "orang", "en": "people"}.
    unit = _nested(LocalTextSchema)

    @validates_schema
    def _min_max(self, data, **kwargs):
        _check_min_max(data)


class DecimalFieldSchema(IntegerFieldSchema):
    min = _Number(validate=_range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))
    max = _Number(validate=_range(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER))


class DateFieldSchema(_FieldBase):
    min = _Date()
    max = _Date()

    @validates_schema
    def _min_max(self, data, **kwargs):
        _check_min_max(data)


class SelectOneFieldSchema(_FieldBase):
    options = _list(_nested(OptionSchema), validate=_length(1, MAX_OPTIONS))
    #: The name of a reference list the server and the phone supply (e.g. "kegiatan", "opd").
    options_from = _Str(validate=validate.Regexp(_NAME, error=MESSAGES["name"]))

    @validates_schema
    def _options(self, data, **kwargs):
        if ("options" in data) == ("options_from" in data):
            raise ValidationError(MESSAGES["options_xor"], "options")
        seen: set[str] = set()
        for option in data.get("options", []):
            if option["value"] in seen:
                raise ValidationError(
                    MESSAGES["duplicate_option"].format(value=option["value"]), "options"
                )
            seen.add(option["value"])


class SelectManyFieldSchema(SelectOneFieldSchema):
    max_items = _Int(validate=_range(1, MAX_OPTIONS))


class YesNoFieldSchema(_FieldBase):
    #: The answer that counts as clean/passing; a "Is there litter?" item passes on false.
    pass_ = _Bool(data_key="pass")
    #: Only on a scored form: the item's share in the score.
    weight = _Number(validate=validate.Range(
        0, MAX_WEIGHT, min_inclusive=False,
        error=f"Harus > 0 dan <= {MAX_WEIGHT} (must be > 0 and <= {MAX_WEIGHT}).",
    ))


class YesNoInRepeatSchema(_FieldBase):
    pass_ = _Bool(data_key="pass")


class PhotoFieldSchema(_FieldBase):
    min_photos = _Int(validate=_range(0, MAX_PHOTOS))
    max_photos = _Int(required=True, validate=_range(1, MAX_PHOTOS))

    @validates_schema
    def _min_max(self, data, **kwargs):
        if data.get("min_photos", 0) > data.get("max_photos", MAX_PHOTOS):
            raise ValidationError(MESSAGES["photos_min_gt_max"], "min_photos")


class GeopointFieldSchema(_FieldBase):
    pass


class _FieldSpec(fields.Field):
    """One entry of ``fields``: dispatches on its ``type`` to the schema for that type."""

    default_error_messages = {
        "required": MESSAGES["required"], "null": MESSAGES["null"],
        "invalid": MESSAGES["object"],
    }

    def __init__(self, schemas: dict[str, type[Schema]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schemas = schemas

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        kind = value.get("type")
        schema = self.schemas.get(kind) if isinstance(kind, str) else None
        if schema is None:
            in_repeat = isinstance(kind, str) and kind in FIELD_TYPES
            raise ValidationError(
                {"type": [MESSAGES["type_in_repeat"] if in_repeat else MESSAGES["type"]]}
            )
        return schema().load(value)


def _unique_names(specs: list[dict[str, Any]], key: str = "fields") -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec["name"] in seen:
            raise ValidationError(MESSAGES["duplicate_name"].format(name=spec["name"]), key)
        seen.add(spec["name"])


_IN_REPEAT: dict[str, type[Schema]] = {
    "text": TextFieldSchema,
    "integer": IntegerFieldSchema,
    "decimal": DecimalFieldSchema,
    "date": DateFieldSchema,
    "select_one": SelectOneFieldSchema,
    "select_many": SelectManyFieldSchema,
    "yes_no": YesNoInRepeatSchema,
    "geopoint": GeopointFieldSchema,
    "note": NoteFieldSchema,
}


class RepeatFieldSchema(_FieldBase):
    fields_ = _list(_FieldSpec(_IN_REPEAT), data_key="fields", required=True,
                    validate=_length(1, MAX_FIELDS))
    max_items = _Int(required=True, validate=_range(1, MAX_REPEAT_ITEMS))

    @validates_schema
    def _names(self, data, **kwargs):
        _unique_names(data["fields_"])


_TOP_LEVEL: dict[str, type[Schema]] = {
    **_IN_REPEAT,
    "yes_no": YesNoFieldSchema,
    "photo": PhotoFieldSchema,
    "repeat": RepeatFieldSchema,
}


class DefinitionSchema(_StrictSchema):
    """A whole form definition (the format is in this module's docstring)."""

    form = _Str(required=True, validate=[
        validate.Regexp(_NAME, error=MESSAGES["name"]), _length(1, 40),
    ])
    version = _Int(required=True, validate=_range(1, 1_000_000))
    programme = _Str(required=True, validate=validate.OneOf(PROGRAMMES,
                                                            error=MESSAGES["programme"]))
    title = _nested(TitleSchema, required=True)
    description = _nested(LocalTextSchema)
    #: Whether a submission must name a site (existing or created offline).
    site_required = _Bool(required=True)
    #: Whether the weighted yes_no items give a 0-100 score.
    scored = _Bool(required=True)
    fields_ = _list(_FieldSpec(_TOP_LEVEL), data_key="fields", required=True,
                    validate=_length(1, MAX_FIELDS))

    @validates_schema
    def _whole(self, data, **kwargs):
        _unique_names(data["fields_"])
        weighted = [f for f in data["fields_"] if f.get("weight") is not None]
        if weighted and not data["scored"]:
            raise ValidationError(MESSAGES["weight_unscored"], "scored")
        if data["scored"] and not weighted:
            raise ValidationError(MESSAGES["scored_no_weight"], "scored")


def _flatten(messages: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = path if key == "_schema" else f"{path}.{key}" if path else str(key)
            _flatten(value, child, out)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.setdefault(path or "definition", []).extend(messages)
    elif isinstance(messages, list):
        for item in messages:
            _flatten(item, path, out)
    else:
        out.setdefault(path or "definition", []).append(str(messages))


def _with_names(document: Any, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Add the field's name to paths such as ``fields.3.max`` -> ``fields.3(peserta).max``."""

    def name_at(specs: Any, index: str) -> str | None:
        if not isinstance(specs, list) or not index.isdigit() or int(index) >= len(specs):
            return None
        spec = specs[int(index)]
        name = spec.get("name") if isinstance(spec, dict) else None
        return name if isinstance(name, str) else None

    named: dict[str, list[str]] = {}
    for path, msgs in errors.items():
        parts = path.split(".")
        node = document
        out = []
        for i, part in enumerate(parts):
            out.append(part)
            if i > 0 and parts[i - 1] == "fields" and isinstance(node, dict):
                specs = node.get("fields")
                name = name_at(specs, part)
                if name:
                    out[-1] = f"{part}({name})"
                node = specs[int(part)] if name else None
        named.setdefault(".".join(out), []).extend(msgs)
    return named


def check_definition(document: Any) -> dict[str, Any]:
    """Return the definition unchanged if it is well formed, else raise DefinitionError."""
    if not isinstance(document, dict):
        raise DefinitionError({"definition": [MESSAGES["object"]]})
    try:
        DefinitionSchema().load(document)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        _flatten(exc.messages, "", errors)
        raise DefinitionError(_with_names(document, errors)) from None
    return document


def builtin_definitions() -> list[dict[str, Any]]:
    """Read and check every shipped definition (``definitions/*.json``), sorted by name."""
    documents = []
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        try:
            check_definition(document)
        except DefinitionError as exc:
            raise DefinitionError({f"{path.name}: {k}": v for k, v in exc.errors.items()}) from None
        expected = f"{document['form']}.v{document['version']}.json"
        if path.name != expected:
            raise DefinitionError({path.name: [f"Nama berkas harus (file name must be) {expected}."]})
        documents.append(document)
    return documents
