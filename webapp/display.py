"""How the pages show things: times in WIB, rupiah, numbers, a submission's answers and flags,
a report job; and the template filters and helpers that put them in the templates.

Times are stored in UTC and shown in WIB; money is whole rupiah shown as "Rp 1.234.567";
numbers use the request's locale (decimal comma in Indonesian). Values come out as plain
text; templates escape them, so whatever a monitor typed is shown as characters, never as markup.
"""
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import Flask, current_app, url_for
from babel import numbers as babel_numbers
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.accounts.models import Opd
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.i18n import current_locale, request_locale
from webapp.monev.models import Kegiatan
from webapp.reports import services as reports
from webapp.reports.models import ReportJob
from webapp.submissions.models import Attachment, Submission
from webapp.types import showable
from webapp.vocabulary import JobState, label
from webapp.thresholds import score_band


def init_app(app: Flask) -> None:
    """Register the template filters and helpers of the pages."""
    filters = {
        "wib_datetime": wib_datetime, "wib_date": wib_date, "wib_date_short": wib_date_short, "rupiah": rupiah, "pct": pct,
        "score_text": score_text, "signed": signed, "site_band": score_band,
        "datetimeformat": datetimeformat,
        "thousands": thousands, "kg": kg,
    }
    app.jinja_env.filters.update(filters)
    app.context_processor(lambda: {
        "is_overdue": followups.is_overdue,
        "is_late": followups.is_late,
        "flag_short": flag_short,
        "score_band": score_band,
        "form_title": form_title,
        "photo_thumb_url": photo_thumb_url,
    })


# --- times and numbers ------------------------------------------------------------------------------

def wib_datetime(value) -> str:
    """A UTC instant shown in WIB, e.g. "12 Mar 2026 14.05 WIB"."""
    return format_datetime(showable(value), "d MMM yyyy HH.mm") + " WIB" if value else "–"


def datetimeformat(value, format=None) -> str:  # noqa: A002 — the name of Flask-Babel's filter
    """Flask-Babel's `datetimeformat` filter, total: a time at the ends of the calendar shows at the edge."""
    if isinstance(value, datetime):
        value = showable(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return format_datetime(value, format)


def wib_date(value) -> str:
    return format_date(value, "d MMM yyyy") if value else "–"


def wib_date_short(value) -> str:
    """A day and month, e.g. "3 Nov", for column heads."""
    return format_date(value, "d MMM") if value else "–"


def rupiah(value) -> str:
    """An amount of money as "Rp 1.234.567"."""
    if value is None:
        return "–"
    return "Rp " + f"{int(value):,}".replace(",", ".")


@functools.lru_cache(maxsize=8192)
def _one_decimal(value, locale) -> str:
    # A desk shows thousands of percentages drawn from few distinct values; Babel's pattern
    # formatting costs more than the rest of a cell, so each (value, locale) is formatted once.
    return babel_numbers.format_decimal(value, format="0.#", locale=locale)


def pct(value) -> str:
    return f"{_one_decimal(value, request_locale())}%" if value is not None else "–"


def score_text(value) -> str:
    """A score as people write it: 85, or 70,2 for an average."""
    return format_decimal(value, "0.#") if value is not None else "–"


def thousands(value) -> str:
    """A count with the locale's thousands separator: 1.250 in Indonesian."""
    return format_decimal(value or 0, "#,##0")


def kg(value) -> str:
    """Kilograms to one decimal: "320,5 kg", "1.250 kg"."""
    return format_decimal(value or 0, "#,##0.#") + " kg"


def signed(value) -> str:
    if value is None:
        return "–"
    text = format_decimal(abs(value), "0.#")
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else "0"


# --- submissions ----------------------------------------------------------------------------------

def form_title(submission: Submission) -> str:
    title = (submission.form_version.definition or {}).get("title") or {}
    return title.get(current_locale()) or title.get("id") or submission.form_code


def photo_thumb_url(submission: Submission, attachment: Attachment) -> str:
    # The map's scoped thumbnail route serves the 320 px copy; without it the display copy will do.
    if "maps.photo_thumbnail" in current_app.view_functions:
        return url_for("maps.photo_thumbnail", attachment_uuid=attachment.uuid)
    return url_for("review.photo", uuid=submission.uuid, photo=attachment.uuid)

@dataclass
class AnswerRow:
    name: str
    label: str
    kind: str
    text: str = ""
    #: For a weighted checklist item: whether the answer is the passing one.
    passed: bool | None = None
    weight: float | None = None
    photos: list = field(default_factory=list)
    rows: list[list["AnswerRow"]] = field(default_factory=list)


def _label(text: dict | str | None, lang: str) -> str:
    if isinstance(text, dict):
        return text.get(lang) or text.get("id") or ""
    return text or ""


def _lookup_names(definition: dict, answers: dict) -> dict[str, dict[str, str]]:
    """Names for select fields whose options come from reference data (kegiatan, OPD)."""
    wanted: dict[str, set] = {"kegiatan": set(), "opd": set()}
    for spec in definition.get("fields", []):
        source = spec.get("options_from")
        value = answers.get(spec.get("name"))
        if source in wanted and isinstance(value, str):
            wanted[source].add(value)
    names: dict[str, dict[str, str]] = {"kegiatan": {}, "opd": {}}
    if wanted["kegiatan"]:
        for code, name in db.session.execute(select(Kegiatan.code, Kegiatan.name).where(Kegiatan.code.in_(wanted["kegiatan"]))):
            names["kegiatan"][code] = f"{name} ({code})"
    if wanted["opd"]:
        for code, name in db.session.execute(select(Opd.code, Opd.name).where(Opd.code.in_(wanted["opd"]))):
            names["opd"][code] = name
    return names


def _number(value, spec: dict, lang: str) -> str:
    unit = _label(spec.get("unit"), lang)
    if unit in ("Rp", "IDR") and isinstance(value, int):
        return rupiah(value)
    text = format_decimal(value)
    return f"{text} {unit}".strip() if unit and unit != "%" else (f"{text}%" if unit == "%" else text)


def _render_value(spec: dict, value, lang: str, names: dict) -> str:
    kind = spec.get("type")
    if value is None or value == "" or value == []:
        return "–"
    if kind == "yes_no":
        return _("Ya") if value is True else _("Tidak") if value is False else str(value)
    if kind in ("integer", "decimal") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value, spec, lang)
    if kind == "select_one":
        options = {o["value"]: _label(o["label"], lang) for o in spec.get("options", [])}
        source = names.get(spec.get("options_from"), {})
        return options.get(value) or source.get(value) or str(value)
    if kind == "select_many" and isinstance(value, list):
        options = {o["value"]: _label(o["label"], lang) for o in spec.get("options", [])}
        return ", ".join(options.get(v, str(v)) for v in value)
    if kind == "geopoint" and isinstance(value, dict):
        text = f"{value.get('lat')}, {value.get('lon')}"
        if value.get("accuracy") is not None or value.get("accuracy_m") is not None:
            text += " (± " + format_decimal(value.get("accuracy", value.get("accuracy_m"))) + " m)"
        return text
    return str(value)


def answer_rows(submission: Submission, lang: str) -> list[AnswerRow]:
    """Label/value rows for every field of the submission's form version (notes left out)."""
    definition = submission.form_version.definition
    answers = submission.answers or {}
    names = _lookup_names(definition, answers)
    rows = []
    for spec in definition.get("fields", []):
        kind = spec.get("type")
        if kind == "note":
            continue
        name = spec["name"]
        value = answers.get(name)
        if kind == "geopoint" and not value:
            # The submission's own GPS fix is shown with the facts; an empty extra point says nothing.
            continue
        row = AnswerRow(name=name, label=_label(spec.get("label"), lang), kind=kind)
        if kind == "photo":
            # The declared attachments are the record; an answer naming an unknown photo shows its name.
            row.photos = [a for a in submission.attachments if a.field == name]
            known = {str(a.uuid) for a in row.photos}
            row.photos += [str(u) for u in (value if isinstance(value, list) else []) if str(u).lower() not in known]
            row.text = "" if row.photos else "–"
        elif kind == "repeat":
            items = value if isinstance(value, list) else []
            for item in items:
                item = item if isinstance(item, dict) else {}
                row.rows.append([
                    AnswerRow(name=sub["name"], label=_label(sub.get("label"), lang), kind=sub.get("type"),
                              text=_render_value(sub, item.get(sub["name"]), lang, names))
                    for sub in spec.get("fields", [])
                ])
            row.text = "–" if not items else ""
        else:
            row.text = _render_value(spec, value, lang, names)
            if kind == "yes_no" and "weight" in spec and isinstance(value, bool):
                row.passed = value == spec.get("pass", True)
                row.weight = spec["weight"]
        rows.append(row)
    return rows


def flag_lines(flags: dict | None, config) -> list[str]:
    """The evidence flags of a submission as sentences for the reviewer."""
    lines = []
    for key, value in (flags or {}).items():
        if key == "distance_m":
            lines.append(_("Direkam %(m)s m dari titik lokasi (batas %(limit)s m).",
                           m=format_decimal(value), limit=format_decimal(config["FLAG_DISTANCE_M"])))
        elif key == "accuracy_m":
            lines.append(_("Akurasi GPS %(m)s m (batas %(limit)s m).",
                           m=format_decimal(value), limit=format_decimal(config["FLAG_ACCURACY_M"])))
        elif key == "no_location":
            lines.append(_("Tanpa lokasi GPS."))
        elif key == "recorded_in_future":
            lines.append(_("Waktu rekam di masa depan: jam ponsel mungkin salah."))
        elif key == "recorded_days_before":
            lines.append(_("Direkam %(days)s hari sebelum diterima.", days=value))
        else:
            lines.append(f"{key}: {value}")
    return lines


def flag_short(flags: dict | None) -> list[str]:
    """A few words per flag, for lists."""
    words = []
    for key, value in (flags or {}).items():
        if key == "distance_m":
            words.append(_("Jarak %(m)s m", m=format_decimal(round(value))))
        elif key == "accuracy_m":
            words.append(_("Akurasi %(m)s m", m=format_decimal(round(value))))
        elif key == "no_location":
            words.append(_("Tanpa GPS"))
        elif key == "recorded_in_future":
            words.append(_("Jam ponsel salah"))
        elif key == "recorded_days_before":
            words.append(_("Dikirim %(days)s hari setelah direkam", days=value))
        else:
            words.append(str(key))
    return words


# --- report jobs ----------------------------------------------------------------------------------

def job_view(report: ReportJob) -> dict:
    """A report job as the page and the API show it."""
    ready = report.state == JobState.READY
    return {
        "uuid": report.uuid,
        "kind": report.kind,
        "title": reports.job_title(report),
        "state": report.state,
        "state_label": label(report.state),
        "progress": 100 if ready else report.progress or 0,
        "message": report.message,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "result_name": report.result_name if ready else None,
        "download_url": url_for("reports.download", job_uuid=report.uuid) if ready else None,
        "can_retry": reports.can_retry(report),
        "scheduled": report.user_id is None,
        "status_url": url_for("reports_api.job_state", job_uuid=report.uuid),
        "retry_url": url_for("reports.retry", job_uuid=report.uuid),
    }
