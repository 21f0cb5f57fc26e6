"""Report jobs: they take ids, move a `ReportJob` row through running → ready | failed, and are
idempotent (a ready job with its file is not built again; a re-run replaces the file whole).
"""
import logging
import os
import re
import tempfile
import time
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, update

from webapp import schedule, scopes, storage
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.forms.models import FormVersion
from webapp.jobs import enqueue, job, redis_connection
from webapp.regions.models import Kecamatan
from webapp.accounts.models import Opd
from webapp.reports import exports, monthly, periods, rfk, rkpd, weekly
# Kinds other domains add live in a module without the builders' openpyxl, so a web worker
# registering one (the Rakor deck) does not load them.
from webapp.reports.kinds import ADDED_KINDS, AddedKind, register_kind  # noqa: F401
from webapp.reports.models import ReportJob
from webapp.types import utcnow
from webapp.vocabulary import JobState

log = logging.getLogger(__name__)

#: Longest failure reason kept on the row.
MESSAGE_MAX = 500


class ReportError(Exception):
    """A reason the report cannot be made, shown to the user as is."""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _user(report: ReportJob) -> User:
    user = db.session.get(User, report.user_id) if report.user_id else None
    if user is None or not user.is_active:
        raise ReportError("Pengguna yang meminta ekspor ini tidak aktif lagi.")
    return user


def _filename(report: ReportJob) -> str:
    params = report.params or {}
    if report.kind in ADDED_KINDS:
        return ADDED_KINDS[report.kind].filename(params)
    if report.kind in PRINTED:
        opd = db.session.get(Opd, params["opd_id"]) if params.get("opd_id") else None
        scope = _slug(opd.code) if opd else "kabupaten"
        prefix = "rfk" if report.kind == "rfk" else "evaluasi-rkpd"
        return f"{prefix}-{params['period']}-{scope}.{params.get('format') or 'xlsx'}"
    if report.kind == "monthly":
        return f"laporan-evaluasi-bulanan-{params['period']}.xlsx"
    if report.kind == "geber_weekly":
        kecamatan = db.session.get(Kecamatan, params["kecamatan_id"])
        return f"ringkasan-geber-{_slug(kecamatan.name if kecamatan else 'kecamatan')}-{params['week']}.xlsx"
    span = "-".join(filter(None, (params.get("start"), params.get("end")))) or "semua"
    if report.kind == "submissions":
        version = db.session.get(FormVersion, params["form_version_id"])
        if version is None:
            raise ReportError("Versi formulir tidak ditemukan.")
        return f"kiriman-{version.form.code}-v{version.version}-{span}.{params.get('format') or 'csv'}"
    if report.kind == "sites":
        return "lokasi.geojson"
    return f"foto-{span}.zip"


def _build(report: ReportJob, path: str, progress, prepared=None) -> None:
    # Report files are written in Indonesian, whatever the language of a request that ran the job inline.
    with force_locale("id"):
        _build_file(report, path, progress, prepared)


def _build_file(report: ReportJob, path: str, progress, prepared=None) -> None:
    params = report.params or {}
    if report.kind in ADDED_KINDS:
        ADDED_KINDS[report.kind].build(path, prepared, progress)
    elif report.kind in PRINTED:
        module, period = PRINTED[report.kind]
        module.build(path, period(params["period"]), params.get("opd_id"), params.get("format") or "xlsx", progress)
    elif report.kind == "monthly":
        monthly.build(path, periods.parse_month(params["period"]), progress)
    elif report.kind == "geber_weekly":
        if report.user_id is not None:
            # A camat moved to another kecamatan no longer receives the old one's summary.
            user = _user(report)
            if db.session.scalar(scopes.kecamatan_query(user).where(Kecamatan.id == params["kecamatan_id"])) is None:
                raise ReportError("Kecamatan ini di luar wilayah pengguna.")
        weekly.build(path, params["kecamatan_id"], periods.week_of(date.fromisoformat(params["week"])), progress)
    elif report.kind == "submissions":
        writer = exports.write_submissions_xlsx if params.get("format") == "xlsx" else exports.write_submissions_csv
        writer(path, _user(report), params, progress)
    elif report.kind == "sites":
        exports.write_sites_geojson(path, _user(report), params, progress)
    elif report.kind == "photos":
        exports.write_photos_zip(path, _user(report), params, progress)
    else:
        raise ReportError(f"Jenis laporan tidak dikenal: {report.kind}")


class _ProgressWriter:
    """Writes progress on its own connection: the job's session may be streaming rows through a
    server-side cursor, which a commit would close."""

    def __init__(self, report_id: int):
        self.report_id, self.last, self.at = report_id, -1, 0.0

    def __call__(self, pct: int) -> None:
        pct = max(0, min(99, int(pct)))
        now = time.monotonic()
        if pct <= self.last or now - self.at < 0.5:
            return
        self.last, self.at = pct, now
        with db.engine.begin() as conn:
            conn.execute(update(ReportJob).where(ReportJob.id == self.report_id, ReportJob.state == JobState.RUNNING)
                         .values(progress=pct))


def _fail(report_id: int, reason: str) -> None:
    db.session.rollback()
    report = db.session.get(ReportJob, report_id)
    report.state, report.message, report.finished_at = JobState.FAILED, reason[:MESSAGE_MAX], utcnow()
    db.session.commit()


#: kind → (module with `build` and `data_version`, parser of the period key)
PRINTED = {"rfk": (rfk, periods.parse_month), "rkpd_evaluation": (rkpd, rkpd.parse_quarter)}


def _added_kind_user(report: ReportJob) -> User:
    user = _user(report)
    if not ADDED_KINDS[report.kind].may(user):
        raise ReportError("Pengguna ini tidak lagi berhak atas laporan ini.")
    return user


def _data_version(report: ReportJob) -> tuple[str | None, object]:
    """(the data version of the report's inputs or None for kinds that are never reused, what an
    added kind drew to compute it — its build writes that rather than drawing again)."""
    if report.kind in ADDED_KINDS:
        return ADDED_KINDS[report.kind].prepare(_added_kind_user(report), report.params or {})
    if report.kind not in PRINTED:
        return None, None
    params = report.params or {}
    if report.user_id is not None and not scopes.can_request_report_for_opd(_user(report), params.get("opd_id")):
        # An OPD user moved to another OPD no longer receives the old one's report.
        raise ReportError("Laporan ini di luar OPD pengguna.")
    module, period = PRINTED[report.kind]
    return module.data_version(period(params["period"]), params.get("opd_id")), None


def _reuse(report: ReportJob, version: str) -> bool:
    """Point the job at the file of an earlier job of the same report, scope and format built
    from the same data version, when that file is still there."""
    earlier = db.session.scalars(
        select(ReportJob).where(ReportJob.kind == report.kind, ReportJob.data_version == version,
                                ReportJob.state == JobState.READY, ReportJob.id != report.id)
        .order_by(ReportJob.id.desc())
    )
    for other in earlier:
        if other.params == report.params and storage.exists(other.result_key):
            report.state, report.progress, report.message = JobState.READY, 100, None
            report.result_key, report.result_name, report.finished_at = other.result_key, other.result_name, utcnow()
            report.data_version = version
            db.session.commit()
            return True
    return False


@job
def run_report(report_id: int) -> None:
    """Build the file of a report job and mark the row ready, or failed with the reason."""
    report = db.session.get(ReportJob, report_id)
    if report is None:
        log.warning("report job %s no longer exists", report_id)
        return
    if report.state == JobState.READY and storage.exists(report.result_key):
        return
    report.state, report.progress, report.message = JobState.RUNNING, 0, None
    db.session.commit()
    tmp = None
    try:
        version, prepared = _data_version(report)
        if version is not None and _reuse(report, version):
            return
        name = _filename(report)
        key = f"reports/{report.uuid}/{name}"
        target = storage.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        _build(report, tmp, _ProgressWriter(report_id), prepared)
        # Readers see the old file or the whole new one, never half of it.
        os.replace(tmp, target)
        tmp = None
    except (ReportError, exports.ExportError) as exc:
        _fail(report_id, str(exc))
        return
    except JobTimeoutException:
        # rq interrupts a job past its timeout by raising inside it; the row must not stay "running".
        _fail(report_id, "Waktu pembuatan habis; coba lagi, atau persempit periode/wilayah laporan.")
        return
    except Exception as exc:  # noqa: BLE001 — the reason goes on the row for the user and the traceback to the log
        log.exception("report job %s failed", report_id)
        _fail(report_id, f"Terjadi kesalahan saat membuat berkas ({type(exc).__name__}: {exc}).")
        return
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
    db.session.rollback()
    report = db.session.get(ReportJob, report_id)
    report.state, report.progress, report.message = JobState.READY, 100, None
    report.result_key, report.result_name, report.finished_at = key, name, utcnow()
    report.data_version = version
    db.session.commit()


# --- scheduled runs ----------------------------------------------------------------------------

def _schedule_next(name: str, occurrence: datetime) -> None:
    """Put the following run on the scheduler first, so a failure of this one never stops the chain."""
    if not current_app.config.get("REDIS_URL"):
        return
    schedule.schedule_run(redis_connection(), schedule.entry(name), occurrence)


def _run_all(report_ids: list[int]) -> None:
    from webapp.reports.services import JOB_TIMEOUT

    for report_id in report_ids:
        enqueue(run_report, report_id, job_timeout=JOB_TIMEOUT)


@job
def scheduled_monthly_report(occurrence: str) -> None:
    """The 1st of the month, 00:30 WIB: the monthly evaluation report of the previous month."""
    from webapp.reports.services import scheduled_monthly

    when = datetime.fromisoformat(occurrence)
    _schedule_next("laporan-bulanan", when)
    report = scheduled_monthly(periods.previous_month(when))
    db.session.commit()
    if report.state != JobState.READY:
        _run_all([report.id])


@job
def scheduled_weekly_geber(occurrence: str) -> None:
    """Monday 06:00 WIB: last week's GEBER summary of their kecamatan for every camat."""
    from webapp.reports.services import scheduled_weekly

    when = datetime.fromisoformat(occurrence)
    _schedule_next("ringkasan-geber-mingguan", when)
    reports = scheduled_weekly(periods.previous_week(when))
    db.session.commit()
    _run_all([r.id for r in reports if r.state != JobState.READY])


@job
def scheduled_rfk(occurrence: str) -> None:
    """The day after the OPD report deadline, 01:00 WIB: last month's RFK for the regency and each OPD."""
    from webapp.reports.services import scheduled_printed

    when = datetime.fromisoformat(occurrence)
    _schedule_next("laporan-rfk", when)
    reports = scheduled_printed("rfk", periods.previous_month(when).key)
    db.session.commit()
    _run_all([r.id for r in reports if r.state != JobState.READY])


@job
def scheduled_rkpd_evaluation(occurrence: str) -> None:
    """After each triwulan (the day after the next month's OPD deadline, 02:00 WIB): the RKPD
    evaluation of the triwulan that ended, and in January also of the whole year."""
    from webapp.reports.services import scheduled_printed

    when = datetime.fromisoformat(occurrence)
    _schedule_next("evaluasi-rkpd", when)
    local = periods.wib_date(when)
    quarter = rkpd.quarter_ended_before(local.year, local.month)
    keys = [quarter.key] + ([str(quarter.year)] if quarter.number == 4 else [])
    reports = [r for key in keys for r in scheduled_printed("rkpd_evaluation", key)]
    db.session.commit()
    _run_all([r.id for r in reports if r.state != JobState.READY])
