"""Scheduled jobs, put on rq's scheduler when the worker starts with --with-scheduler.

Each run is one rq job scheduled for its exact time (`Queue.enqueue_at`) under an id made of the
schedule's name and that time; the worker's scheduler (`Worker.work(with_scheduler=True)`, which
holds a Redis lock so only one worker schedules) enqueues it when it is due, and the run itself
puts the next one on the schedule. rq's separate `CronScheduler` is not used: it needs its own
process, reads cron fields in the server's local time rather than WIB, and several of them would
each enqueue every run. A deterministic id with `unique=True` makes registering again at every
worker start, or from every worker, a no-op; a run missed while no worker was up is enqueued as
soon as one starts.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from croniter import croniter
from flask import current_app, has_app_context

from webapp.thresholds import WIB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    name: str
    #: Dotted path of the job, so registering imports nothing of the app.
    func: str
    #: Cron expression read in WIB (Asia/Jakarta); "{after_deadline}" stands for the day after the
    #: OPD report deadline (OPD_REPORT_DEADLINE_DAY), see `cron_of`.
    cron: str
    description: str


SCHEDULE: list[Entry] = [
    Entry("laporan-bulanan", "webapp.reports.tasks.scheduled_monthly_report", "30 0 1 * *",
          "Laporan evaluasi bulan lalu, tanggal 1 pukul 00.30 WIB"),
    Entry("ringkasan-geber-mingguan", "webapp.reports.tasks.scheduled_weekly_geber", "0 6 * * 1",
          "Ringkasan GEBER mingguan per kecamatan untuk setiap camat, Senin pukul 06.00 WIB"),
    Entry("pengingat-harian", "webapp.reminders.scheduled_daily_reminders", "0 7 * * *",
          "Pengingat tenggat tindak lanjut (3 hari lagi, lewat tenggat) dan batas laporan OPD, setiap hari 07.00 WIB"),
    Entry("ringkasan-mingguan", "webapp.reminders.scheduled_weekly_digest", "30 7 * * 1",
          "Ringkasan mingguan tindak lanjut untuk setiap kepala OPD dan camat, Senin pukul 07.30 WIB"),
    Entry("laporan-rfk", "webapp.reports.tasks.scheduled_rfk", "0 1 {after_deadline} * *",
          "Laporan RFK bulan lalu (kabupaten dan setiap OPD), sehari setelah batas laporan OPD, pukul 01.00 WIB"),
    Entry("evaluasi-rkpd", "webapp.reports.tasks.scheduled_rkpd_evaluation", "0 2 {after_deadline} 1,4,7,10 *",
          "Evaluasi hasil RKPD triwulan yang baru berakhir (kabupaten dan setiap OPD), sehari setelah batas "
          "laporan OPD bulan berikutnya, pukul 02.00 WIB"),
    Entry("sapu-malam", "webapp.jobs_sweep.scheduled_sweep", "30 2 * * *",
          "Menyelesaikan pekerjaan yang tertinggal, membuang berkas sementara dan pratinjau impor yang "
          "ditinggalkan lebih dari sehari, setiap hari 02.30 WIB"),
]
#: The deadline day is at most this late for the runs the day after it (a cron day exists in every month).
LAST_DEADLINE_DAY = 27
#: A scheduled run may take this long (a monthly report of a large regency, eleven weekly summaries).
JOB_TIMEOUT = 60 * 60


def entry(name: str) -> Entry:
    return next(e for e in SCHEDULE if e.name == name)


def cron_of(item: Entry, deadline_day: int | None = None) -> str:
    """The entry's cron expression with the day after the OPD report deadline filled in
    (`deadline_day`, else OPD_REPORT_DEADLINE_DAY of the running app, else the 10th)."""
    if "{" not in item.cron:
        return item.cron
    if deadline_day is None:
        deadline_day = int(current_app.config.get("OPD_REPORT_DEADLINE_DAY", 10)) if has_app_context() else 10
    return item.cron.format(after_deadline=min(max(int(deadline_day), 1), LAST_DEADLINE_DAY) + 1)


def next_run(cron: str, after: datetime) -> datetime:
    """The first time strictly after `after` that matches `cron` read in WIB, as aware UTC."""
    local = croniter(cron, after.astimezone(WIB)).get_next(datetime)
    return local.astimezone(timezone.utc)


def run_id(item: Entry, when: datetime) -> str:
    return f"pantau-jadwal-{item.name}-{when.astimezone(timezone.utc):%Y%m%dT%H%MZ}"


def schedule_run(connection, item: Entry, after: datetime, queue_name: str = "default") -> str:
    """Put the next run of `item` after `after` on rq's scheduler (once); its job id."""
    from rq import Queue
    from rq.exceptions import DuplicateJobError

    when = next_run(cron_of(item), after)
    job_id = run_id(item, when)
    try:
        Queue(queue_name, connection=connection).enqueue_at(
            when, item.func, when.isoformat(), job_id=job_id, unique=True, job_timeout=JOB_TIMEOUT,
            description=item.description,
        )
        log.info("scheduled %s at %s", item.name, when.isoformat())
    except DuplicateJobError:
        log.debug("%s already scheduled at %s", item.name, when.isoformat())
    return job_id


def register_schedule(connection, now: datetime | None = None, queue_name: str = "default") -> list[str]:
    """Put the next run of every scheduled job on the rq scheduler; safe to call at every worker start."""
    now = now or datetime.now(timezone.utc)
    return [schedule_run(connection, item, now, queue_name) for item in SCHEDULE]
