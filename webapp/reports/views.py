"""The report page (/laporan): ask for a report or an export, follow its job, download the file."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select

from webapp import scopes
from webapp.display import job_view
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.forms.models import Form, FormVersion
from webapp.accounts.models import Opd
from webapp.reports import narratives, periods, services
from webapp.reports.forms import NarrativeForm
from webapp.reports.schemas import ReportRequestSchema
from webapp.types import utcnow

bp = Blueprint("reports", __name__)

MONTHS_OFFERED = 24
YEARS_OFFERED = 3
WEEKS_OFFERED = 12
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".geojson": "application/geo+json",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
}


def _require_reports() -> None:
    if not scopes.can_use_reports(current_user):
        abort(403)


def _choices() -> dict:
    today = periods.wib_date(utcnow())
    # The running month first (figures so far), then the finished ones; the previous month is the default.
    month = periods.month(today.year, today.month)
    months = []
    for _i in range(MONTHS_OFFERED):
        months.append(month)
        month = month.before()
    this_week = periods.week_of(today)
    weeks = [periods.week_of(this_week.first - timedelta(days=7 * n)) for n in range(WEEKS_OFFERED)]
    versions = db.session.execute(
        select(FormVersion, Form).join(Form, Form.id == FormVersion.form_id).order_by(Form.title, FormVersion.version.desc())
    ).all()
    return {
        "months": months,
        "quarters": _quarters(today),
        "default_quarter": periods.quarter_ended_before(today.year, today.month).key,
        "opds": list(db.session.scalars(select(Opd).order_by(Opd.name))) if scopes.is_regency_wide(current_user) else [],
        "weeks": weeks,
        "kecamatan": list(db.session.scalars(scopes.kecamatan_query(current_user))),
        "versions": [(v.id, _("%(title)s — versi %(version)s", title=f.title, version=v.version)) for v, f in versions],
        "forms": list(db.session.scalars(select(Form).order_by(Form.title))),
        "today": today,
        "default_month": periods.previous_month(utcnow()).key,
        "week_ago": today - timedelta(days=6),
        "regency_wide": scopes.is_regency_wide(current_user),
        "may": {kind: scopes.can_request_report(current_user, kind) for kind in services.KINDS},
    }


def _quarters(today) -> list[periods.Quarter]:
    """The triwulan begun so far and the years, newest first, over the years offered."""
    quarters = []
    for year in range(today.year, today.year - YEARS_OFFERED, -1):
        quarters += [periods.Quarter(year, n) for n in (4, 3, 2, 1) if (year, 3 * n - 2) <= (today.year, today.month)]
        quarters.append(periods.Quarter(year))
    return quarters


def _page(errors: dict | None = None, active: str | None = None, values=None, status: int = 200):
    jobs = [job_view(report) for report in services.visible_jobs(current_user)]
    return render_template(
        "reports/index.html", jobs=jobs, errors=errors or {}, active=active, values=values or {}, **_choices()
    ), status


@bp.route("/laporan")
@login_required
def index():
    _require_reports()
    return _page()


@bp.route("/laporan", methods=["POST"])
@login_required
def create():
    _require_reports()
    try:
        data = ReportRequestSchema().load(request.form)
        report = services.request_report(current_user, data)
    except ValidationError as exc:
        return _page(exc.messages, request.form.get("kind"), request.form, 422)
    except Invalid as exc:
        return _page(exc.errors, data["kind"], request.form, 422)
    db.session.commit()
    services.dispatch(report)
    flash(_("Permintaan diterima: %(title)s.", title=services.job_title(report)), "info")
    return redirect(url_for("reports.index", _anchor=f"job-{report.uuid}"))


@bp.route("/laporan/<uuid:job_uuid>/ulangi", methods=["POST"])
@login_required
def retry(job_uuid):
    _require_reports()
    report = services.retry(current_user, services.get_job(current_user, job_uuid))
    db.session.commit()
    services.dispatch(report)
    return redirect(url_for("reports.index", _anchor=f"job-{report.uuid}"))


@bp.route("/laporan/<uuid:job_uuid>/unduh")
@login_required
def download(job_uuid):
    _require_reports()
    report = services.get_job(current_user, job_uuid)
    path = services.download_path(report)
    return send_file(path, as_attachment=True, download_name=report.result_name,
                     mimetype=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), max_age=0)


@bp.route("/laporan/evaluasi-rkpd/narasi", methods=["GET", "POST"])
@login_required
def rkpd_narrative():
    """Review and edit the narrative under an OPD's RKPD evaluation, prefilled from its monthly reports."""
    quarter, opd_id = narratives.resolve(current_user, request.args.get("triwulan"), request.args.get("opd", type=int))
    page = narratives.editor(current_user, quarter, opd_id) if opd_id is not None else None
    form = NarrativeForm(data=page.values if page else None)
    if page is not None and form.validate_on_submit():
        narratives.save(current_user, quarter, opd_id, form.values())
        db.session.commit()
        flash(_("Narasi evaluasi disimpan; evaluasi RKPD yang dibuat berikutnya memakainya."), "success")
        return redirect(url_for("reports.rkpd_narrative", triwulan=quarter.key, opd=opd_id))
    return render_template("reports/rkpd_narrative.html", form=form, page=page, quarter=quarter, opd_id=opd_id,
                           quarters=_quarters(periods.wib_date(utcnow())), sections=narratives.SECTIONS,
                           opds=narratives.opd_choices(current_user)), 422 if form.is_submitted() else 200
