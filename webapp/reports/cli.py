"""`flask --app webapp reports ...`: the scheduled runs by hand, for a laptop without Redis (system cron)
or to rebuild a period."""
from datetime import date, datetime, timezone

import click
from flask.cli import AppGroup

from webapp import schedule
from webapp.reports import periods
from webapp.vocabulary import JobState

#: `flask --app webapp reports ...`
cli = AppGroup("reports", help="Scheduled reports by hand.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


@cli.command("monthly")
@click.option("--period", default=None, help="Month as YYYY-MM (default: the previous month).")
def monthly_command(period):
    """Build the monthly evaluation report (as the 1st-of-month schedule does)."""
    from webapp.extensions import db
    from webapp.reports.services import scheduled_monthly
    from webapp.reports.tasks import run_report

    try:
        chosen = periods.parse_month(period) if period else periods.previous_month(datetime.now(timezone.utc))
    except ValueError as exc:
        _fail(str(exc))
    report = scheduled_monthly(chosen)
    db.session.commit()
    run_report(report.id)
    db.session.refresh(report)
    click.echo(f"{chosen.label()}: {report.state}" + (f" — {report.message}" if report.message else "")
               + (f" ({report.result_key})" if report.result_key else ""))
    if report.state == JobState.FAILED:
        raise SystemExit(1)


@cli.command("weekly")
@click.option("--week", default=None, help="Any day of the week as YYYY-MM-DD (default: last week).")
def weekly_command(week):
    """Build last week's GEBER summary for every camat (as the Monday schedule does)."""
    from webapp.extensions import db
    from webapp.reports.services import scheduled_weekly
    from webapp.reports.tasks import run_report

    try:
        chosen = periods.week_of(date.fromisoformat(week)) if week else periods.previous_week(datetime.now(timezone.utc))
    except ValueError as exc:
        _fail(str(exc))
    reports = scheduled_weekly(chosen)
    db.session.commit()
    failed = 0
    for report in reports:
        run_report(report.id)
        db.session.refresh(report)
        failed += report.state == JobState.FAILED
    click.echo(f"{chosen.label()}: {len(reports)} ringkasan, {failed} gagal.")
    if failed:
        raise SystemExit(1)


@cli.command("schedule")
def schedule_command():
    """Show when each scheduled job runs next (WIB)."""
    now = datetime.now(timezone.utc)
    for item in schedule.SCHEDULE:
        click.echo(f"{item.name:<26} {schedule.cron_of(item):<16} {periods.format_wib(schedule.next_run(schedule.cron_of(item), now))}  "
                   f"{item.description}")
