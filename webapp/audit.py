"""The audit trail: who changed what, when, with the state before and after."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType, UTCDateTime, utcnow


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: A verb such as "submission.review" or "followup.transition".
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


def record(actor, action: str, obj_type: str, obj_id, before: dict | None, after: dict | None) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
