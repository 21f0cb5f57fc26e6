"""Reporting periods are WIB calendar days; the database bounds are their UTC instants."""
from datetime import date, datetime, timedelta, timezone

import pytest

from webapp.reports import periods


def test_a_month_starts_and_ends_at_midnight_wib():
    may = periods.month(2026, 5)
    assert may.start_utc == datetime(2026, 4, 30, 17, 0, tzinfo=timezone.utc)
    assert may.end_utc == datetime(2026, 5, 31, 17, 0, tzinfo=timezone.utc)
    assert (may.key, may.label(), may.days) == ("2026-05", "Mei 2026", 31)


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc), "2026-05"),  # 1 June 00:30 WIB
    (datetime(2026, 5, 31, 16, 59, tzinfo=timezone.utc), "2026-04"),  # still 31 May in WIB
    (datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc), "2025-12"),
])
def test_the_previous_month_is_taken_from_the_wib_date(moment, expected):
    assert periods.previous_month(moment).key == expected


def test_the_month_before_january_is_december_of_the_year_before():
    assert periods.month(2026, 1).before().key == "2025-12"


@pytest.mark.parametrize(("day", "label"), [
    (date(2026, 5, 20), "18–24 Mei 2026"),
    (date(2026, 4, 29), "27 April – 3 Mei 2026"),
    (date(2026, 12, 30), "28 Desember 2026 – 3 Januari 2027"),
])
def test_weeks_run_monday_to_sunday(day, label):
    week = periods.week_of(day)
    assert week.first.weekday() == 0 and week.days == 7
    assert week.label() == label
    assert week.before().last == week.first - timedelta(days=1)


@pytest.mark.parametrize("text", ["2026-13", "2026-5", "Mei 2026", "", "1999-01"])
def test_a_month_must_be_written_yyyy_mm(text):
    with pytest.raises(ValueError):
        periods.parse_month(text)


def test_cutoff_times_read_in_wib():
    assert periods.format_wib(datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc)) == "1 Juni 2026 00:30 WIB"
