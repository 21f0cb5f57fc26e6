"""Pages of the monthly report: the month's list on the OPD desk links here; one page per
kegiatan and month to fill it in (the OPD) or to read and return it (Bappeda)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp import scopes
from webapp.domain_errors import Conflict, DomainError, Invalid, NotFound
from webapp.errors import put_on_form
from webapp.extensions import db
from webapp.opd_reports import services
from webapp.opd_reports.forms import ReportForm, ReturnForm
from webapp.vocabulary import OpdReportState

bp = Blueprint("opd_reports", __name__)


ACTION_LABELS = {
    "opd_report.create": _l("draf dibuat"),
    "opd_report.update": _l("draf diubah"),
    "opd_report.submit": _l("dikirim ke Bappeda"),
    "opd_report.return": _l("dikembalikan untuk perbaikan"),
}


@bp.app_context_processor
def _report_helpers():
    return {"report_action_label": lambda action: str(ACTION_LABELS.get(action, action))}


def _kegiatan(code: str, year: int):
    try:
        return services.kegiatan_in_scope(current_user, code, year)
    except NotFound:
        abort(404)


def _may_read(kegiatan) -> bool:
    return scopes.can_file_report(current_user, kegiatan) or scopes.is_regency_wide(current_user)


def _render(kegiatan, year, month, form, return_form, status=200):
    report = services.find_report(current_user, kegiatan, year, month)
    previous = services.last_submitted_before(kegiatan.id, year, month)
    editable = scopes.can_file_report(current_user, kegiatan) and (report is None or report.state in services.EDITABLE_STATES)
    if report is not None and not form.is_submitted():
        for name in ("driving_factors", "problems", "planned_action", "decrease_reason"):
            getattr(form, name).data = getattr(report, name)
        form.realisation_rp.data = f"{report.realisation_rp:,}".replace(",", ".")
        form.physical_pct.data = f"{report.physical_pct:g}".replace(".", ",")
        form.output_value.data = f"{report.output_value:g}".replace(".", ",") if report.output_value is not None else ""
    return render_template(
        "opd_reports/report.html", kegiatan=kegiatan, year=year, month=month, report=report, form=form,
        return_form=return_form, previous=previous, editable=editable,
        can_return=scopes.can_return_report(current_user) and report is not None and report.state == OpdReportState.SUBMITTED,
        deadline=services.deadline_for(year, month), late=services.is_late(report, year, month),
        history=services.history(report) if report is not None else [],
    ), status


@bp.route("/opd/laporan/<string:code>/<int:year>/<int:month>", methods=["GET", "POST"])
@login_required
def report_page(code: str, year: int, month: int):
    kegiatan = _kegiatan(code, year)
    if not _may_read(kegiatan) or not 1 <= month <= 12:
        abort(404)
    form = ReportForm()
    if request.method == "GET":
        return _render(kegiatan, year, month, form, ReturnForm(formdata=None))
    if not scopes.can_file_report(current_user, kegiatan):
        abort(403)
    done = _save(code, kegiatan, year, month, form)
    return done or _render(kegiatan, year, month, form, ReturnForm(formdata=None), 422)


def _save(code: str, kegiatan, year: int, month: int, form: ReportForm):
    """Save (or send) the report as the form has it: a redirect, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    values = form.values()
    if form.errors or any(v == "invalid" for v in values.values()):
        return None
    submit = form.action.data == "kirim"
    try:
        services.save_report(current_user, kegiatan, year, month, values, submit=submit)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("opd_reports.report_page", code=code, year=year, month=month))
    except Invalid as error:
        db.session.rollback()
        for message in put_on_form(form, error):
            flash(message, "error")
        return None
    db.session.commit()
    flash(_("Laporan dikirim ke Bappeda.") if submit else _("Draf laporan tersimpan."), "success")
    if submit:
        return redirect(url_for("dashboard.opd_desk", bulan=f"{year}-{month:02d}") + "#laporan")
    return redirect(url_for("opd_reports.report_page", code=code, year=year, month=month))


@bp.route("/opd/laporan/<string:code>/<int:year>/<int:month>/kembalikan", methods=["POST"])
@login_required
def return_page(code: str, year: int, month: int):
    kegiatan = _kegiatan(code, year)
    report = _report_to_return(kegiatan, year, month)
    return_form = ReturnForm()
    if not return_form.validate_on_submit():
        return _render(kegiatan, year, month, ReportForm(formdata=None), return_form, 422)
    try:
        services.return_report(current_user, report, return_form.note.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("opd_reports.report_page", code=code, year=year, month=month))
    db.session.commit()
    flash(_("Laporan dikembalikan ke OPD untuk diperbaiki."), "success")
    return redirect(url_for("opd_reports.report_page", code=code, year=year, month=month))


def _report_to_return(kegiatan, year: int, month: int):
    if not scopes.can_return_report(current_user):
        abort(403)
    report = services.find_report(current_user, kegiatan, year, month)
    if report is None:
        abort(404)
    return report
