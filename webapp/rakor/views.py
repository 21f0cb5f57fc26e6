"""Rakor mode pages: the deck of a month, recording a decision from a slide, the deck as PDF."""
import io
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp import charts, scopes
from webapp.domain_errors import Invalid
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.opd_reports.services import parse_month
from webapp.rakor import services as rakor
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
    return render_template("rakor/deck.html", deck=rakor.deck(current_user, year, month), charts=charts,
                           camat_choices=rakor.owner_choices(kecamatan_only=True), all_choices=rakor.owner_choices())


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


@bp.route("/rakor/pdf")
@login_required
def pdf():
    """The whole deck, one A4 landscape page per slide."""
    from webapp.pdf import render_pdf

    year, month = _month()
    data = rakor.deck(current_user, year, month)
    content = render_pdf("rakor/pdf.html", deck=data, charts=charts)
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                     download_name=f"rakor-{data.key}.pdf")
