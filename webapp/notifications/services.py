"""Notification rules: who is told what, once per event and person, in the app and by email.

`notify` adds a row under the user's bell; the unique (user, key) constraint keeps one per event
and person, and the email goes with that row, so it is sent at most once. The email is sent after
the transaction that caused it commits (an rq job with retries when Redis is configured, right
after the request otherwise); a failed send is recorded on the row and never undoes or blocks
the action. Services flush; the caller commits.
"""
import logging

from flask import after_this_request, current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.notifications import mail
from webapp.notifications.models import Notification
from webapp.types import utcnow
from webapp.vocabulary import EmailState, NotificationKind, Role

log = logging.getLogger(__name__)

#: Sends tried per email (the first and rq's retries); the sweep stops retrying after this.
MAX_ATTEMPTS = 4
LIST_LIMIT = 100
_OUTBOX = "pantau.mail_outbox"


# --- telling someone -----------------------------------------------------------------------------

def notify(user: User, kind: NotificationKind, key: str, title: str, body: str | None = None,
           url: str | None = None) -> Notification | None:
    """Put a notification under `user`'s bell (and in their mailbox), unless this event was
    already told to them; None then, or when the user is inactive."""
    if user is None or not user.active:
        return None
    if db.session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                       Notification.key == key)) is not None:
        return None
    emailed = mail.mail_enabled() and bool(user.email) and bool(user.email_notifications)
    notification = Notification(user_id=user.id, kind=kind, key=key[:160], title=title[:300], body=body, url=url,
                                email_state=EmailState.PENDING if emailed else EmailState.OFF)
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        # Told by a concurrent transaction a moment ago.
        return None
    if emailed:
        db.session.info.setdefault(_OUTBOX, []).append(notification.id)
    return notification


def unit_members(opd_id: int | None = None, kecamatan_id: int | None = None):
    """The query of the people who answer for a unit: the active OPD accounts of an OPD, the active
    camat of a kecamatan."""
    from sqlalchemy import false

    stmt = select(User).where(User.active.is_(True)).order_by(User.full_name, User.id)
    if opd_id:
        return stmt.where(User.role == Role.OPD, User.opd_id == opd_id)
    if kecamatan_id:
        return stmt.where(User.role == Role.CAMAT, User.kecamatan_id == kecamatan_id)
    return stmt.where(false())


def in_language(user: User, make) -> tuple:
    """Texts made in the user's own language."""
    with force_locale(user.language or "id"):
        return make()


def stamp(when=None) -> str:
    """A moment as part of an event key: events that can happen again (returned twice) stay apart."""
    return (when or utcnow()).strftime("%Y%m%dT%H%M%S%f")


def submission_returned(submission) -> None:
    """A reviewer returned a submission for correction: its monitor is told why."""
    monitor = db.session.get(User, submission.user_id) if submission.user_id else None
    if monitor is None:
        return
    title, body = in_language(monitor, lambda: (
        _("Kiriman Anda dikembalikan untuk perbaikan"),
        _("Catatan peninjau: %(note)s", note=submission.review_note or ""),
    ))
    notify(monitor, NotificationKind.RETURNED, f"submission:{submission.uuid}:returned:{stamp(submission.reviewed_at)}",
           title, body, "/kiriman-saya")


# --- the bell ------------------------------------------------------------------------------------

def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def listing(user, limit: int = LIST_LIMIT) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; NotFound for anyone else's."""
    from webapp.domain_errors import NotFound

    notification = db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                                Notification.user_id == user.id))
    if notification is None:
        raise NotFound()
    notification.read_at = notification.read_at or utcnow()
    return notification


def mark_all_read(user) -> int:
    return db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount


def set_email(user, on: bool) -> None:
    """The user's choice: notifications by email too, or in the app only."""
    from webapp import audit

    if bool(user.email_notifications) == bool(on):
        return
    audit.record(user, "user.email_notifications", "user", user.id,
                 {"email_notifications": bool(user.email_notifications)}, {"email_notifications": bool(on)})
    user.email_notifications = bool(on)
    if not on:
        # What is still waiting is not sent either.
        db.session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.email_state == EmailState.PENDING,
        ).values(email_state=EmailState.OFF))


# --- sending -------------------------------------------------------------------------------------

def _link(url: str | None) -> str:
    if not url:
        return ""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        from flask import request

        base = request.host_url
    return (base or "").rstrip("/") + url


def deliver(notification_id: int) -> bool:
    """Send one notification's email, once: claim it (pending or failed → sending), send, record.
    True when sent; a failure is recorded and raised, so rq retries it."""
    claimed = db.session.execute(update(Notification).where(
        Notification.id == notification_id,
        Notification.email_state.in_((EmailState.PENDING, EmailState.FAILED)),
        Notification.email_attempts < MAX_ATTEMPTS,
    ).values(email_state=EmailState.SENDING, email_attempts=Notification.email_attempts + 1)).rowcount
    db.session.commit()
    if not claimed:
        return False
    notification = db.session.get(Notification, notification_id)
    user = notification.user
    if not (user and user.active and user.email and user.email_notifications and mail.mail_enabled()):
        notification.email_state = EmailState.OFF
        db.session.commit()
        return False
    link = _link(notification.url)
    text = "\n\n".join(part for part in (notification.body, link) if part)
    message = mail.build_message(user.email, f"[Pantau] {notification.title}", text, notification.key)
    try:
        mail.send(message)
    except Exception as exc:
        db.session.rollback()
        notification = db.session.get(Notification, notification_id)
        notification.email_state, notification.email_error = EmailState.FAILED, f"{type(exc).__name__}: {exc}"[:300]
        db.session.commit()
        raise
    notification.email_state, notification.email_sent_at, notification.email_error = EmailState.SENT, utcnow(), None
    db.session.commit()
    return True


def deliver_quietly(notification_id: int) -> bool:
    """`deliver`, with a failure logged instead of raised: nothing the user did waits on SMTP."""
    try:
        return deliver(notification_id)
    except Exception:  # noqa: BLE001 — SMTP, network, TLS: all recorded on the row by `deliver`
        db.session.rollback()
        log.warning("email of notification %s not sent", notification_id, exc_info=True)
        return False


def send_pending(limit: int = 500) -> int:
    """Send what is waiting (or failed with attempts left): after a request without Redis, and
    by the scheduled runs as a sweep. How many were sent."""
    ids = list(db.session.scalars(select(Notification.id).where(
        Notification.email_state.in_((EmailState.PENDING, EmailState.FAILED)),
        Notification.email_attempts < MAX_ATTEMPTS,
    ).order_by(Notification.id).limit(limit)))
    return sum(deliver_quietly(i) for i in ids)


def _dispatch(ids: list[int]) -> None:
    """Hand freshly committed notifications to the sender: an rq job each when Redis is configured,
    after the response is built otherwise. Never raises."""
    if current_app.config.get("REDIS_URL"):
        from webapp.notifications.tasks import send_notification_email

        try:
            from rq import Retry

            from webapp.jobs import queue

            for notification_id in ids:
                queue().enqueue(send_notification_email, notification_id, job_id=f"pantau-surel-{notification_id}",
                                retry=Retry(max=MAX_ATTEMPTS - 1, interval=[30, 120, 600]))
        except Exception:  # noqa: BLE001 — the rows stay pending; the scheduled sweep sends them
            log.warning("could not queue %d notification emails", len(ids), exc_info=True)
        return
    if has_request_context():
        @after_this_request
        def _send(response):
            for notification_id in ids:
                deliver_quietly(notification_id)
            return response
    # Outside a request (a CLI command, a job run inline) the caller's sweep, `send_pending`, sends them.


def _after_commit(session) -> None:
    ids = session.info.pop(_OUTBOX, None)
    if ids:
        try:
            _dispatch(ids)
        except Exception:  # noqa: BLE001 — e.g. after_this_request outside a view: the sweep sends them
            log.warning("notification emails left for the sweep", exc_info=True)


def _after_rollback(session) -> None:
    session.info.pop(_OUTBOX, None)


def init_app(app) -> None:
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
    app.context_processor(lambda: {"unread_notifications": _unread_for_current_user})


def _unread_for_current_user() -> int:
    from flask_login import current_user

    return unread_count(current_user) if current_user.is_authenticated else 0
