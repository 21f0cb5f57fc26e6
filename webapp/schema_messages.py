"""Marshmallow's built-in error messages in Bahasa Indonesia.

The messages stay plain Indonesian strings (they are msgids); the error envelope translates
them for an English-speaking client at output time.
"""
from flask_babel import gettext
from marshmallow import Schema, fields

FIELD_MESSAGES = {
    fields.Field: {
        "required": "Wajib diisi.",
        "null": "Tidak boleh kosong.",
        "validator_failed": "Nilai tidak valid.",
    },
    fields.String: {"invalid": "Harus berupa teks.", "invalid_utf8": "Teks bukan UTF-8 yang sah."},
    fields.Integer: {"invalid": "Harus bilangan bulat.", "too_large": "Angka terlalu besar."},
    fields.Float: {"invalid": "Harus berupa angka.", "special": "Angka tidak boleh NaN atau tak hingga.",
                   "too_large": "Angka terlalu besar."},
    fields.Number: {"invalid": "Harus berupa angka.", "too_large": "Angka terlalu besar."},
    fields.Boolean: {"invalid": "Harus benar atau salah."},
    fields.UUID: {"invalid_uuid": "Harus UUID yang sah."},
    fields.DateTime: {"invalid": "Harus tanggal-waktu ISO 8601 yang sah.", "format": "Format tanggal-waktu tidak dikenal."},
    fields.AwareDateTime: {"invalid_awareness": "Tanggal-waktu harus menyertakan zona waktu."},
    fields.Date: {"invalid": "Harus tanggal dengan format TTTT-BB-HH."},
    fields.Mapping: {"invalid": "Harus berupa objek."},
    fields.List: {"invalid": "Harus berupa daftar."},
    fields.Nested: {"type": "Harus berupa objek."},
}

SCHEMA_MESSAGES = {"type": "Harus berupa objek JSON.", "unknown": "Kolom tidak dikenal."}

#: marshmallow's own English text -> ours. A field built before install() ran (its module was
#: imported first) still carries the English default; the envelope maps it at output time.
FROM_MARSHMALLOW: dict[str, str] = {
    english: ours
    for cls, messages in FIELD_MESSAGES.items()
    for key, ours in messages.items()
    if isinstance(english := cls.default_error_messages.get(key), str)
} | {
    english: ours
    for key, ours in SCHEMA_MESSAGES.items()
    if isinstance(english := Schema._default_error_messages.get(key), str)
}


def install() -> None:
    """Replace marshmallow's English defaults (idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}


def translate_errors(errors):
    """Field errors (nested dicts/lists of Indonesian messages) in the request's language."""
    if isinstance(errors, dict):
        return {str(k): translate_errors(v) for k, v in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [translate_errors(v) for v in errors]
    if isinstance(errors, str):
        errors = FROM_MARSHMALLOW.get(errors, errors)
        return gettext(errors) if "%" not in errors else errors
    return str(errors)
