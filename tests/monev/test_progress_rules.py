"""The monev rules: planned progress over a kegiatan's schedule and the deviation flags."""
from datetime import date

import pytest

from webapp.monev.progress import deviation_flags, planned_progress


@pytest.mark.parametrize(("progress", "realisation", "planned", "flags"), [
    (30, 45, 50, ["budget_ahead", "behind_schedule"]),
    (40, 50, 50, []),                      # exactly 10 points is not yet a deviation
    (40, 50.1, 50.1, ["budget_ahead", "behind_schedule"]),
    (60, 50, 50, []),                      # ahead of budget and schedule is fine
    (20, 25, 35, ["behind_schedule"]),
    (20, 31, 25, ["budget_ahead"]),
    (20, None, None, []),
    (None, 90, 90, []),                    # no progress figure, nothing to compare
])
def test_deviation_flags(progress, realisation, planned, flags):
    assert deviation_flags(progress, realisation, planned) == flags


class _Kegiatan:
    def __init__(self, start, end):
        self.start_date, self.end_date = start, end
        self.plan = None  # without a monthly plan: the straight-line fallback


@pytest.mark.parametrize(("on", "expected"), [
    (date(2025, 12, 31), 0.0), (date(2026, 1, 1), 0.0), (date(2026, 7, 2), 50.0),
    (date(2026, 12, 31), 100.0), (date(2027, 3, 1), 100.0),
])
def test_planned_progress_is_linear_between_start_and_end(on, expected):
    assert planned_progress(_Kegiatan(date(2026, 1, 1), date(2026, 12, 31)), on) == expected


def test_planned_progress_is_unknown_without_a_schedule():
    assert planned_progress(_Kegiatan(None, date(2026, 12, 31)), date(2026, 6, 1)) is None
    assert planned_progress(_Kegiatan(date(2026, 5, 1), date(2026, 5, 1)), date(2026, 6, 1)) is None
