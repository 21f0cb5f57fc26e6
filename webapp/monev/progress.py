"""The monev rules on a kegiatan's figures: planned progress on a day and the deviation flags.

The Bappeda desk, the kegiatan page and the monthly report all read them from here, so a flag on
the desk is the flag in the report.
"""
from datetime import date

from webapp.monev import planning
from webapp.thresholds import deviation_points


def planned_progress(kegiatan, on: date) -> float | None:
    """Planned physical progress (%) on a day: from the monthly plan, else the straight line (see monev.planning)."""
    planned = planning.planned_progress(kegiatan, on)
    return planned.pct if planned else None


def deviation_flags(progress: float | None, realisation_pct: float | None, planned_pct: float | None,
                    points: float | None = None) -> list[str]:
    """"budget_ahead" when realisation runs ahead of progress by more than `points` (the configured
    DEVIATION_POINTS, webapp/thresholds.py); "behind_schedule" when progress lags the plan by more."""
    flags = []
    if progress is None:
        return flags
    points = deviation_points() if points is None else points
    if realisation_pct is not None and realisation_pct - progress > points:
        flags.append("budget_ahead")
    if planned_pct is not None and planned_pct - progress > points:
        flags.append("behind_schedule")
    return flags
