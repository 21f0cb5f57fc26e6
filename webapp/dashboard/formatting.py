"""Template filters and helpers of the desk, review and follow-up pages.

Times are stored in UTC and shown in WIB; money is whole rupiah shown as "Rp 1.234.567";
numbers use the request's locale (decimal comma in Indonesian).
"""
from flask import current_app, url_for
from flask_babel import format_date, format_datetime, format_decimal

from webapp.dashboard import bp, figures
from webapp.followups import services as followups
from webapp.i18n import current_locale
from webapp.review import rendering
from webapp.review import services as review
from webapp.submissions.models import Attachment, Submission


@bp.app_template_filter("wib_datetime")
def wib_datetime(value) -> str:
    """A UTC instant shown in WIB, e.g. "12 Mar 2026 14.05 WIB"."""
    return format_datetime(value, "d MMM yyyy HH.mm") + " WIB" if value else "–"


@bp.app_template_filter("wib_date")
def wib_date(value) -> str:
    return format_date(value, "d MMM yyyy") if value else "–"


@bp.app_template_filter("rupiah")
def rupiah_filter(value) -> str:
    return rendering.rupiah(value)


@bp.app_template_filter("pct")
def pct(value) -> str:
    return f"{format_decimal(value, '0.#')}%" if value is not None else "–"


@bp.app_template_filter("score_text")
def score_text(value) -> str:
    """A score as people write it: 85, or 70,2 for an average."""
    return format_decimal(value, "0.#") if value is not None else "–"


@bp.app_template_filter("signed")
def signed(value) -> str:
    if value is None:
        return "–"
    text = format_decimal(abs(value), "0.#")
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else "0"


@bp.app_context_processor
def _desk_helpers():
    return {
        "review_state_label": review.state_label,
        "followup_state_label": followups.state_label,
        "is_overdue": followups.is_overdue,
        "flag_short": rendering.flag_short,
        "score_band": figures.score_band,
        "form_title": _form_title,
        "photo_thumb_url": _photo_thumb_url,
    }


def _photo_thumb_url(submission: Submission, attachment: Attachment) -> str:
    # The map's scoped thumbnail route serves the 320 px copy; without it the display copy will do.
    if "dashboard.photo_thumbnail" in current_app.view_functions:
        return url_for("dashboard.photo_thumbnail", attachment_uuid=attachment.uuid)
    return url_for("dashboard.review_photo", uuid=submission.uuid, photo=attachment.uuid)


def _form_title(submission: Submission) -> str:
    title = (submission.form_version.definition or {}).get("title") or {}
    return title.get(current_locale()) or title.get("id") or submission.form_code
