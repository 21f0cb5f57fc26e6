"""Thresholds, score bands and the local time zone, defined once.

The server's rules read them here; the browser receives them from `client_settings()` (in the
bootstrap answer and on every page as `<meta name="pantau-settings">`), so no script copies a number
or a label of the vocabulary.
"""
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale

from webapp.vocabulary import ReviewState, ScoreBand

#: Times are stored in UTC and shown in WIB.
TIME_ZONE = "Asia/Jakarta"
TIME_ZONE_LABEL = "WIB"
WIB = ZoneInfo(TIME_ZONE)

#: Lowest GEBER score of each band: ≥ 80 bersih, 60–79 cukup, below 60 kotor; no score is "belum".
BERSIH_MIN = 80
CUKUP_MIN = 60


def score_band(score: float | None) -> ScoreBand:
    """The GEBER band of a score."""
    if score is None:
        return ScoreBand.BELUM
    if score >= BERSIH_MIN:
        return ScoreBand.BERSIH
    if score >= CUKUP_MIN:
        return ScoreBand.CUKUP
    return ScoreBand.KOTOR


def poor_accuracy_m() -> float:
    """A GPS fix less accurate than this many metres is flagged (configurable: FLAG_ACCURACY_M)."""
    return float(current_app.config["FLAG_ACCURACY_M"])


def deviation_points() -> float:
    """Points by which physical progress may lag the plan, or disbursement run ahead of progress,
    before a kegiatan is flagged (configurable: DEVIATION_POINTS)."""
    return float(current_app.config.get("DEVIATION_POINTS", 10))


def verification_points() -> float:
    """Points by which the field's observation may differ from the OPD's report before a
    verification flag (configurable: VERIFICATION_POINTS)."""
    return float(current_app.config.get("VERIFICATION_POINTS", 10))


def init_app(app) -> None:
    """Pages hand the settings to their scripts (`<meta name="pantau-settings">`) and show the bands'
    bounds and the deviation threshold."""
    app.jinja_env.globals.update(client_settings=client_settings, BERSIH_MIN=BERSIH_MIN, CUKUP_MIN=CUKUP_MIN,
                                 deviation_points=deviation_points)


def client_settings() -> dict:
    """What the browser must know of the rules, in one JSON object."""
    return {
        "time_zone": TIME_ZONE,
        "time_zone_label": TIME_ZONE_LABEL,
        "score_bands": {ScoreBand.BERSIH.value: BERSIH_MIN, ScoreBand.CUKUP.value: CUKUP_MIN},
        "poor_accuracy_m": poor_accuracy_m(),
        # In Indonesian, the scripts' source language: they translate with their own catalog, and
        # the bootstrap (cached by ETag) stays the same whatever the user's language.
        "review_labels": source_labels(ReviewState),
    }


def source_labels(vocabulary) -> dict[str, str]:
    """value → Indonesian label of every member of a vocabulary (webapp/vocabulary.py)."""
    with force_locale("id"):
        return {member.value: member.label for member in vocabulary}
