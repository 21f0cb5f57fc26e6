from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType, UTCDateTime, utcnow


class Form(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable name used by the client, e.g. "geber_cek".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    programme: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))

    versions: Mapped[list["FormVersion"]] = relationship(back_populates="form", order_by="FormVersion.version")

    @property
    def current(self) -> "FormVersion":
        return self.versions[-1]


class FormVersion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("form.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSONType)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    form: Mapped[Form] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("form_id", "version", name="uq_form_version_form_id_version"),)
