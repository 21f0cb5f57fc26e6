"""Report and export requests: who may ask for what, the job rows, and what the user sees of them.

A request becomes a `ReportJob` row (queued); `dispatch` hands its id to rq, or runs it at once
when there is no Redis. The job (`webapp.reports.tasks.run_report`) moves the row through
running → ready | failed. Services flush; the route commits before dispatching, so a worker
always finds the row.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import scopes, storage
from webapp.accounts.models import Opd, User
from webapp.domain_errors import Conflict, Forbidden, Invalid, NotFound
from webapp.extensions import db
from webapp.forms.models import FormVersion
from webapp.jobs import enqueue
from webapp.monev.models import Kegiatan
from webapp.regions.models import Kecamatan
from webapp.reports import periods
from webapp.reports.models import ReportJob
from webapp.types import utcnow
from webapp.vocabulary import JobState

KINDS = ("monthly", "geber_weekly", "submissions", "sites", "photos", "rfk", "rkpd_evaluation")
#: The printed government reports: limited to an OPD or the whole regency, as XLSX or PDF, and
#: kept per (period, scope, format, data version) so an unchanged one is not built again.
PRINTED_KINDS = ("rfk", "rkpd_evaluation")
PRINTED_FORMATS = ("xlsx", "pdf")
FINAL_STATES = (JobState.READY, JobState.FAILED)
#: A queued or running job untouched for this long was lost (a worker killed mid-job): it may be run again.
STALE_AFTER = timedelta(hours=1)
#: How long a report job may run in a worker.
JOB_TIMEOUT = 60 * 60
LIST_LIMIT = 50

def _forbidden():
    return Forbidden(_("Anda tidak berhak membuat laporan ini."))


def _kecamatan_in_scope(user: User, kecamatan_id: int) -> Kecamatan:
    kecamatan = db.session.scalar(scopes.kecamatan_query(user).where(Kecamatan.id == kecamatan_id))
    if kecamatan is None:
        raise Forbidden(_("Kecamatan ini di luar wilayah Anda."), {"kecamatan_id": [_("Di luar wilayah Anda.")]})
    return kecamatan


def _scope_kecamatan(user: User, requested: int | None) -> int | None:
    """The kecamatan filter of an export: a camat's own always; another one only within scope."""
    if requested is not None:
        return _kecamatan_in_scope(user, requested).id
    return None if scopes.is_regency_wide(user) else user.kecamatan_id


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def request_report(user: User, data: dict) -> ReportJob:
    """A new queued job for a loaded `ReportRequestSchema`, after checking the user may ask for it."""
    kind = data["kind"]
    if not scopes.can_request_report(user, kind):
        raise _forbidden()
    if kind in PRINTED_KINDS:
        return _request_printed(user, kind, data)
    if kind == "monthly":
        params = {"period": data["period"].key}
    elif kind == "geber_weekly":
        kecamatan_id = data.get("kecamatan_id") or user.kecamatan_id
        if kecamatan_id is None:
            raise Invalid(errors={"kecamatan_id": [_("Pilih kecamatan.")]})
        week = periods.week_of(data.get("week") or periods.wib_date(utcnow()) - timedelta(days=7))
        params = {"kecamatan_id": _kecamatan_in_scope(user, kecamatan_id).id, "week": week.first.isoformat()}
    elif kind == "submissions":
        version = db.session.get(FormVersion, data["form_version_id"])
        if version is None:
            raise Invalid(errors={"form_version_id": [_("Versi formulir tidak dikenal.")]})
        params = {"form_version_id": version.id, "format": data.get("format") or "csv",
                  "start": _iso(data.get("start")), "end": _iso(data.get("end")),
                  "kecamatan_id": _scope_kecamatan(user, data.get("kecamatan_id")),
                  "approved_only": bool(data.get("approved_only"))}
    elif kind == "sites":
        params = {"kecamatan_id": _scope_kecamatan(user, data.get("kecamatan_id"))}
    else:
        params = {"start": _iso(data["start"]), "end": _iso(data["end"]), "form": data.get("form"),
                  "kecamatan_id": _scope_kecamatan(user, data.get("kecamatan_id")),
                  "approved_only": bool(data.get("approved_only"))}
    report = ReportJob(kind=kind, params=params, user_id=user.id, state=JobState.QUEUED, progress=0)
    db.session.add(report)
    db.session.flush()
    return report


def _request_printed(user: User, kind: str, data: dict) -> ReportJob:
    """An RFK (a month) or an RKPD evaluation (a quarter or a year), for an OPD or the regency."""
    opd_id = data.get("opd_id")
    if opd_id is None and user.role == "opd":
        opd_id = user.opd_id
    if not scopes.can_request_report_for_opd(user, opd_id):
        raise Forbidden(_("Anda hanya dapat meminta laporan OPD Anda sendiri."),
                        {"opd_id": [_("Di luar OPD Anda.")]})
    if opd_id is not None and db.session.get(Opd, opd_id) is None:
        raise Invalid(errors={"opd_id": [_("OPD tidak dikenal.")]})
    period = data["period"].key if kind == "rfk" else data["quarter"].key
    params = {"period": period, "opd_id": opd_id, "format": data.get("format") or "xlsx"}
    report = ReportJob(kind=kind, params=params, user_id=user.id, opd_id=opd_id, state=JobState.QUEUED, progress=0)
    db.session.add(report)
    db.session.flush()
    return report


def dispatch(report: ReportJob) -> None:
    """Hand the committed job to rq, or run it now when there is no Redis."""
    from webapp.reports.tasks import run_report

    enqueue(run_report, report.id, job_id=f"pantau-laporan-{report.uuid}", job_timeout=JOB_TIMEOUT)


def visible_jobs(user: User, limit: int = LIST_LIMIT) -> list[ReportJob]:
    """The user's own jobs (and, for the regency-wide roles, the scheduled ones), newest first."""
    if not scopes.can_use_reports(user):
        raise Forbidden()
    stmt = scopes.report_jobs_query(user).order_by(ReportJob.created_at.desc(), ReportJob.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def get_job(user: User, uuid) -> ReportJob:
    if not scopes.can_use_reports(user):
        raise Forbidden()
    report = db.session.scalar(scopes.report_jobs_query(user).where(ReportJob.uuid == uuid))
    if report is None:
        raise NotFound()
    return report


def is_stale(report: ReportJob, now: datetime | None = None) -> bool:
    return report.state not in FINAL_STATES and (now or utcnow()) - report.created_at > STALE_AFTER


def can_retry(report: ReportJob) -> bool:
    return report.state == JobState.FAILED or is_stale(report)


def retry(user: User, report: ReportJob) -> ReportJob:
    """Queue a failed (or lost) job again; the caller commits and dispatches."""
    if report.user_id != user.id and not scopes.is_regency_wide(user):
        raise Forbidden()
    if not can_retry(report):
        raise Conflict(_("Laporan ini tidak bisa diulang sekarang."))
    report.state, report.progress, report.message, report.finished_at = JobState.QUEUED, 0, None, None
    report.created_at = utcnow()
    db.session.flush()
    return report


def download_path(report: ReportJob):
    """The finished file, or 404 when the job is not ready or its file is gone."""
    if report.state != JobState.READY or not storage.exists(report.result_key):
        raise NotFound(_("Berkas laporan tidak tersedia."))
    return storage.path_for(report.result_key)


# --- what the user sees ------------------------------------------------------------------------

def _kecamatan_name(kecamatan_id) -> str | None:
    kecamatan = db.session.get(Kecamatan, kecamatan_id) if kecamatan_id else None
    return kecamatan.name if kecamatan else None


def _form_label(version_id) -> str:
    version = db.session.get(FormVersion, version_id) if version_id else None
    if version is None:
        return _("formulir tidak dikenal")
    return _("%(title)s versi %(version)s", title=version.definition["title"].get("id") or version.form.code,
             version=version.version)


def _range(params: dict) -> str:
    start, end = params.get("start"), params.get("end")
    if not start and not end:
        return _("semua tanggal")
    first = periods.day_label(date.fromisoformat(start)) if start else "…"
    last = periods.day_label(date.fromisoformat(end)) if end else "…"
    return f"{first} – {last}"


def _opd_scope(opd_id) -> str:
    opd = db.session.get(Opd, opd_id) if opd_id else None
    return opd.short_name if opd else _("Kabupaten")


def job_title(report: ReportJob) -> str:
    """A one-line description in the user's language, e.g. "Laporan evaluasi bulanan Mei 2026"."""
    params = report.params or {}
    scheduled = " (" + _("terjadwal") + ")" if report.user_id is None else ""
    if report.kind == "rfk":
        return _("Laporan RFK %(period)s · %(scope)s (%(format)s)", period=periods.parse_month(params["period"]).label(),
                 scope=_opd_scope(params.get("opd_id")), format=(params.get("format") or "xlsx").upper()) + scheduled
    if report.kind == "rakor_deck":
        return _("Bahan Rakor %(period)s (PDF)", period=periods.parse_month(params["period"]).label())
    if report.kind == "rkpd_evaluation":
        return _("Evaluasi hasil RKPD %(period)s · %(scope)s (%(format)s)",
                 period=periods.parse_quarter(params["period"]).label(), scope=_opd_scope(params.get("opd_id")),
                 format=(params.get("format") or "xlsx").upper()) + scheduled
    kecamatan = _kecamatan_name(params.get("kecamatan_id"))
    where = " · " + _("Kecamatan %(name)s", name=kecamatan) if kecamatan else ""
    if report.kind == "monthly":
        title = _("Laporan evaluasi bulanan %(period)s", period=periods.parse_month(params["period"]).label())
        scheduled = _("terjadwal")
        return title + (f" ({scheduled})" if report.user_id is None else "")
    if report.kind == "geber_weekly":
        week = periods.week_of(date.fromisoformat(params["week"]))
        return _("Ringkasan GEBER mingguan %(week)s", week=week.label()) + where
    if report.kind == "submissions":
        return _("Ekspor kiriman %(form)s (%(format)s), %(range)s", form=_form_label(params.get("form_version_id")),
                 format=(params.get("format") or "csv").upper(), range=_range(params)) + where
    if report.kind == "sites":
        return _("Ekspor lokasi (GeoJSON)") + where
    return _("Foto %(range)s (ZIP)", range=_range(params)) + where


# --- scheduled runs ------------------------------------------------------------------------------

def _existing(kind: str, user_id: int | None, key: str, value) -> ReportJob | None:
    candidates = db.session.scalars(
        select(ReportJob).where(ReportJob.kind == kind,
                                ReportJob.user_id.is_(None) if user_id is None else ReportJob.user_id == user_id)
        .order_by(ReportJob.id.desc())
    )
    return next((job for job in candidates if (job.params or {}).get(key) == value), None)


def scheduled_monthly(period: periods.Period) -> ReportJob:
    """The scheduled monthly report of `period`: the existing row, or a new queued one."""
    report = _existing("monthly", None, "period", period.key)
    if report is None:
        report = ReportJob(kind="monthly", params={"period": period.key}, user_id=None, state=JobState.QUEUED)
        db.session.add(report)
        db.session.flush()
    return report


def scheduled_weekly(week: periods.Period) -> list[ReportJob]:
    """One weekly GEBER summary per active camat, for their kecamatan (existing rows are kept)."""
    camats = db.session.scalars(
        select(User).where(User.role == "camat", User.active.is_(True), User.kecamatan_id.is_not(None))
        .order_by(User.id)
    )
    reports = []
    for camat in camats:
        report = _existing("geber_weekly", camat.id, "week", week.first.isoformat())
        if report is None or (report.params or {}).get("kecamatan_id") != camat.kecamatan_id:
            report = ReportJob(kind="geber_weekly", user_id=camat.id, state=JobState.QUEUED,
                               params={"kecamatan_id": camat.kecamatan_id, "week": week.first.isoformat()})
            db.session.add(report)
            db.session.flush()
        reports.append(report)
    return reports


def scheduled_printed(kind: str, period_key: str) -> list[ReportJob]:
    """The scheduled RFK or RKPD evaluation (XLSX) of a period: one for the regency and one for each
    OPD with kegiatan in that fiscal year; existing rows are kept."""
    year = int(period_key[:4])
    opd_ids = db.session.scalars(select(Kegiatan.opd_id).where(Kegiatan.fiscal_year == year).distinct())
    reports = []
    for opd_id in [None, *sorted(opd_ids)]:
        params = {"period": period_key, "opd_id": opd_id, "format": "xlsx"}
        report = next((job for job in db.session.scalars(
            select(ReportJob).where(ReportJob.kind == kind, ReportJob.user_id.is_(None),
                                    ReportJob.opd_id.is_(None) if opd_id is None else ReportJob.opd_id == opd_id)
            .order_by(ReportJob.id.desc())) if job.params == params), None)
        if report is None:
            report = ReportJob(kind=kind, params=params, user_id=None, opd_id=opd_id, state=JobState.QUEUED)
            db.session.add(report)
            db.session.flush()
        reports.append(report)
    return reports
