"""Sending one email through the configured SMTP server (Python's smtplib; nothing else)."""
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


def mail_enabled() -> bool:
    """Email is on when an SMTP server is configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(to: str, subject: str, body: str, key: str | None = None) -> EmailMessage:
    config = current_app.config
    # Headers up to RFC 5322's 998 characters stay on one line: Python's folding of a long subject
    # otherwise starts it on a continuation line, which readers show with a leading space.
    message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="pantau")
    if key:
        #: Lets a mail filter (and the tests) tell one event from another.
        message["X-Pantau-Event"] = key
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    """Deliver through SMTP; any failure raises (smtplib.SMTPException or OSError)."""
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), int(config["MAIL_TIMEOUT"])
    if config.get("MAIL_USE_SSL"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            client.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        client.send_message(message)
