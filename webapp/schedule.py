"""Scheduled jobs, registered when the worker starts with --with-scheduler."""
import logging

log = logging.getLogger(__name__)

#: (dotted job path, cron expression in UTC). WIB is UTC+7: 17:00 UTC on the last day is 00:00 WIB on the first.
SCHEDULE: list[tuple[str, str]] = []


def register_schedule(connection) -> None:
    """Put the scheduled jobs on the rq scheduler; safe to call at every worker start."""
    for path, cron in SCHEDULE:
        log.info("scheduled %s at %s", path, cron)
