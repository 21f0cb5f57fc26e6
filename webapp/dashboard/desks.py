"""The home page and the desk of each role (HTML).

Routes stay thin: they pick the scope, call figures or a service, commit once, render.
Access is decided in webapp/scopes.py; every query here starts from it.
"""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from webapp import charts as svg_charts
from webapp import scopes
from webapp.accounts.models import Opd
from webapp.dashboard import figures, trends
from webapp.dashboard.services import home_for
from webapp.evaluation import desk as monev_desk
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.geber import aksi
from webapp.opd_reports import services as opd_report_services
from webapp.vocabulary import FormCode, ReviewState

#: Rows of a desk list; a regency has thousands of kegiatan, each with its own page.
DESK_LIST_LIMIT = 50

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("dashboard.home"))


@bp.route("/beranda")
@login_required
def home():
    return render_template("dashboard/home.html", home=home_for(current_user))


def _require_desk(desk: str) -> None:
    if not scopes.can_open_desk(current_user, desk):
        abort(403)


@bp.route("/bappeda/kegiatan")
@login_required
def bappeda_kegiatan():
    _require_desk("bappeda")
    listing = figures.kegiatan_list(current_user, request.args.get("halaman", 1, type=int), request.args.get("opd"))
    return render_template("dashboard/desks/bappeda_kegiatan.html", listing=listing,
                           status_labels=figures.option_labels(FormCode.MONEV_VISIT, "status"))


# --- desks ---------------------------------------------------------------------------------------

@bp.route("/camat")
@login_required
def camat_desk():
    _require_desk("camat")
    if current_user.role == "camat":
        kecamatan = current_user.kecamatan
    else:
        options = list(db.session.scalars(scopes.kecamatan_query(current_user)))
        code = request.args.get("kecamatan")
        kecamatan = next((k for k in options if k.code == code), options[0] if options else None)
    if kecamatan is None:
        abort(404)
    desk = figures.camat_desk(current_user, kecamatan)
    choices = [] if current_user.role == "camat" else list(db.session.scalars(scopes.kecamatan_query(current_user)))
    return render_template("dashboard/desks/camat.html", desk=desk, choices=choices,
                           trend=trends.geber_trend(current_user, kecamatan), svg=svg_charts,
                           aksi=aksi.summary_for(current_user, kecamatan_id=kecamatan.id))


@bp.route("/bappeda")
@login_required
def bappeda_desk():
    _require_desk("bappeda")
    desk = figures.bappeda_desk(current_user)
    year, month = opd_report_services.parse_month(request.args.get("bulan"), opd_report_services.reporting_month())
    # The desk has read every kegiatan in scope already: the evaluation takes them from it.
    evaluation = monev_desk.monthly_evaluation(current_user, year, month, scoped_kegiatan=[r.kegiatan for r in desk.kegiatan],
                                               dpa_plans=desk.plans)
    return render_template("dashboard/desks/bappeda.html", desk=desk, charts=figures.bappeda_charts(desk),
                           evaluation=evaluation, svg=svg_charts,
                           desk_list_limit=DESK_LIST_LIMIT, aksi=aksi.summary_for(current_user),
                           status_labels=figures.option_labels(FormCode.MONEV_VISIT, "status"))


@bp.route("/opd")
@login_required
def opd_desk():
    _require_desk("opd")
    opd, choices = _opd_and_choices()
    if opd is None:
        abort(404)
    return render_template("dashboard/desks/opd.html", desk=figures.opd_desk(current_user, opd), choices=choices,
                           **_monthly_reports(opd),
                           allowed=lambda f: followups.allowed_actions(current_user, f),
                           status_labels=figures.option_labels(FormCode.MONEV_VISIT, "status"))


def _opd_and_choices() -> tuple[Opd | None, list[Opd]]:
    """An OPD user's own OPD; for the others, the OPD asked for (?opd=code) and the list to pick from."""
    if current_user.role == "opd":
        return current_user.opd, []
    choices = list(db.session.scalars(select(Opd).order_by(Opd.name)))
    code = request.args.get("opd")
    return next((o for o in choices if o.code == code), choices[0] if choices else None), choices


def _monthly_reports(opd: Opd) -> dict:
    """The month's realisation reports of the OPD's kegiatan (?bulan=YYYY-MM, the reporting month by default)."""
    year, month = opd_report_services.parse_month(request.args.get("bulan"), opd_report_services.reporting_month())
    return {"report_year": year, "report_month": month,
            "report_rows": opd_report_services.month_rows(current_user, opd.id, year, month),
            "report_deadline": opd_report_services.deadline_for(year, month)}


@bp.route("/kiriman-saya")
@login_required
def my_submissions():
    # What needs the monitor's hand (returned for correction) comes first; otherwise newest first.
    items = sorted(figures.my_submissions(current_user), key=lambda s: s.review_state != ReviewState.RETURNED)
    counts = {state: sum(1 for s in items if s.review_state == state) for state in ReviewState}
    return render_template("dashboard/desks/monitor.html", items=items, counts=counts)
