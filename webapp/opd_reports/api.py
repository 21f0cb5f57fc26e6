"""JSON endpoints of the OPD monthly report: list, read, save or submit, return for correction."""
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from webapp import scopes
from webapp.extensions import db
from webapp.opd_reports import services
from webapp.opd_reports.models import OpdReport
from webapp.opd_reports.schemas import (
    ReportListSchema,
    ReportQuerySchema,
    ReportReturnSchema,
    ReportSaveSchema,
    ReportSchema,
)

blp = Blueprint("opd_reports_api", __name__, url_prefix="/api/v1",
                description="OPD monthly realisation reports (laporan realisasi)")


@blp.route("/opd-reports")
@login_required
@blp.arguments(ReportQuerySchema, location="query")
@blp.response(200, ReportListSchema)
def list_reports(query):
    """The month's reports in the user's scope (an OPD sees its own only)."""
    stmt = scopes.opd_reports_query(current_user).where(OpdReport.year == query["year"], OpdReport.month == query["month"])
    return {"reports": db.session.scalars(stmt.order_by(OpdReport.kegiatan_id))}


@blp.route("/opd-reports/<string:code>/<int:year>/<int:month>")
@login_required
@blp.response(200, ReportSchema)
def get_report(code, year, month):
    return services.get_report(current_user, code, year, month)


@blp.route("/opd-reports/<string:code>/<int:year>/<int:month>", methods=["PUT"])
@login_required
@blp.arguments(ReportSaveSchema)
@blp.response(200, ReportSchema)
@blp.alt_response(409, description="The month's report was already submitted")
def save_report(payload, code, year, month):
    """Save the month's report as a draft, or submit it with `submit: true`."""
    kegiatan = services.kegiatan_in_scope(current_user, code, year)
    submit = payload.pop("submit")
    report = services.save_report(current_user, kegiatan, year, month, payload, submit=submit)
    db.session.commit()
    return report


@blp.route("/opd-reports/<string:code>/<int:year>/<int:month>/return", methods=["POST"])
@login_required
@blp.arguments(ReportReturnSchema)
@blp.response(200, ReportSchema)
@blp.alt_response(409, description="Only a submitted report can be returned")
def return_report(payload, code, year, month):
    """Bappeda returns a submitted report to its OPD with a note."""
    report = services.get_report(current_user, code, year, month)
    services.return_report(current_user, report, payload["note"])
    db.session.commit()
    return report
