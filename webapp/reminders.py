"""The scheduled reminders (webapp/schedule.py): every morning the follow-ups due in three days or
overdue and the OPD report deadline near; on Monday the weekly digest. Each run then sends the
emails still waiting (Redis was down, or a send failed with attempts left)."""
from datetime import datetime

from flask import current_app

from webapp import schedule
from webapp.extensions import db
from webapp.followups import notices as followup_notices
from webapp.jobs import job, redis_connection
from webapp.notifications import services as notifications
from webapp.opd_reports import notices as report_notices
from webapp.thresholds import WIB


def _schedule_next(name: str, occurrence: datetime) -> None:
    if current_app.config.get("REDIS_URL"):
        schedule.schedule_run(redis_connection(), schedule.entry(name), occurrence)


@job
def scheduled_daily_reminders(occurrence: str) -> dict:
    when = datetime.fromisoformat(occurrence)
    _schedule_next("pengingat-harian", when)
    today = when.astimezone(WIB).date()
    told = {"followups": followup_notices.reminders(today), "deadline": report_notices.deadline_reminders(today)}
    db.session.commit()
    told["sent"] = notifications.send_pending()
    return told


@job
def scheduled_weekly_digest(occurrence: str) -> dict:
    when = datetime.fromisoformat(occurrence)
    _schedule_next("ringkasan-mingguan", when)
    told = {"digest": followup_notices.weekly_digest(when.astimezone(WIB).date())}
    db.session.commit()
    told["sent"] = notifications.send_pending()
    return told
