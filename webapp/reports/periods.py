"""Reporting periods: calendar months and Monday-to-Sunday weeks in WIB, with their UTC bounds.

A report counts what was recorded between 00:00 WIB on its first day and 00:00 WIB on the day
after its last; the database keeps UTC, so every query uses `start_utc` / `end_utc`.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from webapp.types import to_zone
from webapp.thresholds import WIB


MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Days `first` .. `last` (inclusive), WIB calendar days."""

    first: date
    last: date

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=WIB).astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        """The instant just after the period: 00:00 WIB of the day after `last`."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=WIB).astimezone(timezone.utc)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> "Period":
        """The period of the same length that ends the day before this one starts (a month: the previous month)."""
        if self.is_month:
            prev_last = self.first - timedelta(days=1)
            return month(prev_last.year, prev_last.month)
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1 and self.first.month == self.last.month

    def label(self) -> str:
        """"Mei 2026" for a month; "18–24 Mei 2026" or "27 April – 3 Mei 2026" otherwise."""
        if self.is_month:
            return f"{MONTHS_ID[self.first.month - 1]} {self.first.year}"
        if (self.first.year, self.first.month) == (self.last.year, self.last.month):
            return f"{self.first.day}–{day_label(self.last)}"
        return f"{day_label(self.first, year=self.first.year != self.last.year)} – {day_label(self.last)}"

    @property
    def key(self) -> str:
        """"2026-05" for a month, the first day's ISO date otherwise."""
        return f"{self.first:%Y-%m}" if self.is_month else self.first.isoformat()


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12 or not 2000 <= year <= 2100:
        raise ValueError("bulan tidak valid")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(first, following - timedelta(days=1))


def parse_month(text: str) -> Period:
    """A "YYYY-MM" month; ValueError otherwise."""
    match = _MONTH.match(text or "")
    if not match:
        raise ValueError("format bulan harus TTTT-BB")
    return month(int(match.group(1)), int(match.group(2)))


def week_of(day: date) -> Period:
    """The Monday-to-Sunday week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def to_wib(moment: datetime) -> datetime:
    return to_zone(moment, WIB)


def wib_date(moment: datetime) -> date:
    return to_zone(moment, WIB).date()


def previous_month(moment: datetime) -> Period:
    """The month before the WIB month of `moment` (a run on 1 June builds May)."""
    first = wib_date(moment).replace(day=1)
    last_of_previous = first - timedelta(days=1)
    return month(last_of_previous.year, last_of_previous.month)


def previous_week(moment: datetime) -> Period:
    """The whole week before the WIB week of `moment` (a run on Monday builds the week that just ended)."""
    return week_of(wib_date(moment) - timedelta(days=7))


def day_label(day: date, year: bool = True) -> str:
    text = f"{day.day} {MONTHS_ID[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def wib_naive(moment: datetime | None) -> datetime | None:
    """WIB wall-clock time without a zone: spreadsheets store no zone, the heading says WIB."""
    return to_zone(moment, WIB).replace(tzinfo=None) if moment else None


def format_wib(moment: datetime) -> str:
    """"1 Juni 2026 00:30 WIB"."""
    local = to_zone(moment, WIB)
    return f"{day_label(local.date())} {local:%H:%M} WIB"


# --- Triwulan (the RKPD evaluation) ---------------------------------------------------------

ROMAN = ("I", "II", "III", "IV")
_QUARTER = re.compile(r"^(\d{4})(?:-T([1-4]))?$")


@dataclass(frozen=True)
class Quarter:
    """Triwulan `number` (1..4) of `year`, or the whole year when `number` is None."""

    year: int
    number: int | None = None

    @property
    def key(self) -> str:
        return f"{self.year}-T{self.number}" if self.number else str(self.year)

    @property
    def last_month(self) -> int:
        return self.number * 3 if self.number else 12

    @property
    def quarters(self) -> int:
        """How many triwulan the evaluation covers (1..4)."""
        return self.number or 4

    def label(self) -> str:
        return f"Triwulan {ROMAN[self.number - 1]} {self.year}" if self.number else f"Tahun {self.year}"


def parse_quarter(text: str) -> Quarter:
    """"2026-T1" … "2026-T4" for a triwulan, "2026" for the year; ValueError otherwise."""
    match = _QUARTER.match(text or "")
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError("format triwulan harus TTTT-T1 … TTTT-T4 atau TTTT")
    return Quarter(int(match.group(1)), int(match.group(2)) if match.group(2) else None)


def quarter_ended_before(year: int, month: int) -> Quarter:
    """The triwulan that ended before `month` of `year` (a run in April evaluates triwulan I)."""
    number = (month - 1) // 3
    return Quarter(year - 1, 4) if number == 0 else Quarter(year, number)
