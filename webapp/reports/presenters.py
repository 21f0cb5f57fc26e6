"""A report job as the page and the API show it."""
from flask import url_for

from webapp.reports import services
from webapp.reports.models import ReportJob


def job_view(report: ReportJob) -> dict:
    ready = report.state == "ready"
    return {
        "uuid": report.uuid,
        "kind": report.kind,
        "title": services.job_title(report),
        "state": report.state,
        "state_label": services.state_label(report.state),
        "progress": 100 if ready else report.progress or 0,
        "message": report.message,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "result_name": report.result_name if ready else None,
        "download_url": url_for("reports.download", job_uuid=report.uuid) if ready else None,
        "can_retry": services.can_retry(report),
        "scheduled": report.user_id is None,
        "status_url": url_for("reports_api.job_state", job_uuid=report.uuid),
        "retry_url": url_for("reports.retry", job_uuid=report.uuid),
    }
