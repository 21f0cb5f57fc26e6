"""The monev rules on a kegiatan's figures: planned progress on a day and the deviation flags.

The Bappeda desk, the kegiatan page and the monthly report all read them from here, so a flag on
the desk is the flag in the report.
"""
from datetime import date

from webapp.monev import planning

#: Points by which realisation may run ahead of progress, or progress lag the plan, before a flag.
DEVIATION_POINTS = 10.0


def planned_progress(kegiatan, on: date) -> float | None:
    """Planned physical progress (%) on a day: from the monthly plan, else the straight line (see monev.planning)."""
    planned = planning.planned_progress(kegiatan, on)
    return planned.pct if planned else None


def deviation_flags(progress: float | None, realisation_pct: float | None, planned_pct: float | None) -> list[str]:
    """"budget_ahead" when realisation runs ahead of progress by more than DEVIATION_POINTS;
    "behind_schedule" when progress lags the plan by more than DEVIATION_POINTS."""
    flags = []
    if progress is None:
        return flags
    if realisation_pct is not None and realisation_pct - progress > DEVIATION_POINTS:
        flags.append("budget_ahead")
    if planned_pct is not None and planned_pct - progress > DEVIATION_POINTS:
        flags.append("behind_schedule")
    return flags
