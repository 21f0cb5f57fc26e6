from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow
from webapp.vocabulary import EmailState, NotificationKind, state_type


class Notification(db.Model):
    """One event told to one person: shown under the bell, and emailed at most once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(state_type(NotificationKind, "kind"))
    #: What happened, e.g. "followup:12:overdue:2026-12-01": one notification (and one email) per
    #: event and person, guarded by the unique constraint below.
    key: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    #: The page the notification leads to (a path inside the app).
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[EmailState] = mapped_column(state_type(EmailState, "email_state"), default=EmailState.OFF)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last sending error (SMTP's answer), for the admin.
    email_error: Mapped[str | None] = mapped_column(String(300))

    user = relationship("User")

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_notification_user_key"),)
