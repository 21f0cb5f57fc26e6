import secrets
import threading
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow
from webapp.vocabulary import Role, state_type


#: One password hash at a time per process: scrypt takes 32 MB on purpose, so two threads of a
#: web worker hashing at once would add 64 MB to its peak memory. A second login waits the
#: ~0.1 s of the first instead.
_HASHING = threading.Lock()


def hash_password(password: str, method: str) -> str:
    """A salted hash of the password (one hash at a time in this process)."""
    with _HASHING:
        return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (one hash at a time in this process)."""
    with _HASHING:
        return check_password_hash(password_hash, password)


class Opd(db.Model):
    """A regional department (organisasi perangkat daerah)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    #: Who signs the OPD's printed reports ("Mengetahui, Kepala …"): name, NIP (civil-servant
    #: number) and, when it is not "Kepala <name of the OPD>", the position as written under it.
    head_name: Mapped[str | None] = mapped_column(String(120))
    head_nip: Mapped[str | None] = mapped_column(String(30))
    head_title: Mapped[str | None] = mapped_column(String(200))

    @property
    def signer_title(self) -> str:
        return self.head_title or f"Kepala {self.name}"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(state_type(Role, "role"), index=True)
    #: The kecamatan a camat (or a monitor posted there) is scoped to.
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    #: The OPD an opd user belongs to.
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The interface language the user chose ("id" or "en"): pages, API messages and form labels.
    language: Mapped[str] = mapped_column(String(2), default="id", server_default="id")
    #: Rotated at logout and deactivation, so every cookie issued before stops working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong passwords in a row; reset by a successful login or an admin's unlock.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: No login is accepted before this time (set after too many wrong passwords).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when an admin made or reset the password: the user must choose a new one at next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    #: The user wants notifications by email too (they always appear in the app).
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    #: This OPD user heads their OPD: they sign its printed reports and receive its weekly digest
    #: (at most one per OPD: the index uq_user_opd_head holds it, webapp.admin.users and the bulk
    #: import explain it).
    is_head: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    #: Civil-servant number (NIP), printed under a head's name in the signature block.
    nip: Mapped[str | None] = mapped_column(String(30))

    kecamatan = relationship("Kecamatan")
    opd = relationship("Opd")

    __table_args__ = (
        #: One head per OPD, whatever writes the flag.
        Index("uq_user_opd_head", "opd_id", unique=True, sqlite_where=text("is_head"),
              postgresql_where=text("is_head")),
    )

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        return self.session_token

    def set_password(self, password: str) -> None:
        """Store a salted hash made with the configured method (PASSWORD_HASH_METHOD)."""
        self.password_hash = hash_password(password, current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    def rotate_session(self) -> None:
        self.session_token = secrets.token_urlsafe(32)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
