"""JSON API of report jobs: ask for one, list them, poll one (the page's jobs.js), retry a failed one."""
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from webapp.display import job_view
from webapp.extensions import db
from webapp.reports import services
from webapp.reports.schemas import ReportJobListSchema, ReportJobSchema, ReportRequestSchema

blp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports", description="Reports and exports as jobs")


@blp.route("/jobs")
class Jobs(MethodView):
    decorators = [login_required]

    @blp.response(200, ReportJobListSchema)
    def get(self):
        """The caller's report jobs (and scheduled ones for Bappeda and admin), newest first."""
        return {"jobs": [job_view(report) for report in services.visible_jobs(current_user)]}

    @blp.arguments(ReportRequestSchema)
    @blp.response(202, ReportJobSchema)
    def post(self, data):
        """Ask for a report or an export; it runs as a job (at once when there is no Redis)."""
        report = services.request_report(current_user, data)
        db.session.commit()
        services.dispatch(report)
        db.session.refresh(report)
        return job_view(report)


@blp.route("/jobs/<uuid:job_uuid>")
@blp.response(200, ReportJobSchema)
@login_required
def job_state(job_uuid):
    """One job's state, progress, failure reason and download link."""
    return job_view(services.get_job(current_user, job_uuid))


@blp.route("/jobs/<uuid:job_uuid>/retry", methods=["POST"])
@blp.response(202, ReportJobSchema)
@login_required
def retry_job(job_uuid):
    """Queue a failed job (or one lost for over an hour) again."""
    report = services.retry(current_user, services.get_job(current_user, job_uuid))
    db.session.commit()
    services.dispatch(report)
    db.session.refresh(report)
    return job_view(report)
