"""Rakor mode pages: the deck of a month, recording a decision from a slide, the deck as PDF."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import charts, scopes
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.opd_reports.services import parse_month
from webapp.display import job_view
from webapp.rakor import printing
from webapp.rakor import services as rakor
from webapp.reports import services as reports
from webapp.rakor.forms import DecisionForm

bp = Blueprint("rakor", __name__)
bp.add_app_template_filter(rakor.printable_chart, "printable_chart")


def _month() -> tuple[int, int]:
    if not scopes.can_run_rakor(current_user):
        abort(403)
    today = today_wib()
    return parse_month(request.args.get("bulan"), (today.year, today.month))


@bp.route("/rakor")
@login_required
def deck():
    year, month = _month()
    job = printing.latest_job(current_user, year, month)
    return render_template("rakor/deck.html", deck=rakor.deck(current_user, year, month), charts=charts,
                           camat_choices=rakor.owner_choices(kecamatan_only=True), all_choices=rakor.owner_choices(),
                           pdf_job=job_view(job) if job else None)


@bp.route("/rakor/keputusan", methods=["POST"])
@login_required
def decide():
    """Record a decision taken at the meeting as a follow-up, and go back to its slide."""
    year, month = _month()
    form = DecisionForm()
    _record(form, year, month) if form.validate_on_submit() else _refused(form.errors)
    slide = form.slide.data if re.fullmatch(r"[a-z0-9-]{1,40}", form.slide.data or "") else ""
    return redirect(url_for("rakor.deck", bulan=rakor.month_key(year, month))
                    + (f"#slide-{slide}" if slide else ""))


def _record(form: DecisionForm, year: int, month: int) -> int | None:
    try:
        followup = rakor.record_decision(current_user, year, month, form.data_for_service())
    except Invalid as error:
        db.session.rollback()
        return _refused(error.errors)
    db.session.commit()
    flash(_("Keputusan dicatat sebagai tindak lanjut: %(title)s", title=followup.title), "success")
    return followup.id


def _refused(errors: dict) -> None:
    messages = [str(m) for field_errors in errors.values() for m in field_errors]
    flash(_("Keputusan belum dicatat: %(why)s", why=" ".join(messages)), "error")
    return None


@bp.route("/rakor/pdf", methods=["POST"])
@login_required
def pdf():
    """Have the whole deck made as PDF (one A4 landscape page per slide) by a report job; the deck
    page follows its progress and offers the file."""
    year, month = _month()
    report, new = printing.request_pdf(current_user, year, month)
    db.session.commit()
    if new:
        reports.dispatch(report)
    return redirect(url_for("rakor.deck", bulan=rakor.month_key(year, month)))
