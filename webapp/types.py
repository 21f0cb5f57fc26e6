"""Column types shared by the models."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

#: JSONB on PostgreSQL, JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = to_zone(value, timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        if value.tzinfo is timezone.utc:
            # Already UTC (PostgreSQL sessions speak UTC, see webapp/__init__.py): kept in range only.
            return showable(value)
        return to_zone(value, timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


#: The instants every zone can show: a day inside either end of the calendar, so no offset
#: (UTC-12 .. UTC+14) pushes a conversion past year 1 or year 9999.
EARLIEST_SHOWN = datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=1)
LATEST_SHOWN = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=1)


def showable(moment: datetime) -> datetime:
    """An aware instant kept inside the range every zone can show (an ordinary time is unchanged)."""
    if moment < EARLIEST_SHOWN:
        return EARLIEST_SHOWN
    if moment > LATEST_SHOWN:
        return LATEST_SHOWN
    return moment


def to_zone(moment: datetime, zone) -> datetime:
    """`moment.astimezone(zone)` that never overflows: times at the ends of the calendar stop there."""
    return showable(moment).astimezone(zone)


def recorded_window(config, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The (earliest, latest) recorded_at a submission may carry, from RECORDED_AT_EARLIEST and
    RECORDED_AT_AHEAD_HOURS."""
    earliest = config.get("RECORDED_AT_EARLIEST") or "2020-01-01"
    if isinstance(earliest, str):
        earliest = date.fromisoformat(earliest)
    if not isinstance(earliest, datetime):
        earliest = datetime(earliest.year, earliest.month, earliest.day, tzinfo=timezone.utc)
    ahead = timedelta(hours=float(config.get("RECORDED_AT_AHEAD_HOURS", 24)))
    return earliest, (now or utcnow()) + ahead


def in_list(column, name: str, dialect: str):
    """`column IN (:name…)` for a list bound per execution. On PostgreSQL `column = ANY(:name)`:
    one array parameter, so the statement's text is the same for any length of list (an expanded
    IN list makes a new text, parsed anew by the driver, for each length)."""
    from sqlalchemy import any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY

    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
