"""Notification jobs: sending one email, retried by rq."""
from webapp.jobs import job
from webapp.notifications import services


@job
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's email; a failure raises so rq's Retry tries again later."""
    return services.deliver(notification_id)
