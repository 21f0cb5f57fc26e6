"""Managing accounts from the admin console: edit, deactivate, reset a password. Every change audited."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from webapp import audit
from webapp.accounts.models import Opd, User
from webapp.accounts.opds import head_taken_message
from webapp.accounts.password_change import temporary_password
from webapp.domain_errors import Invalid
from webapp.accounts.services import set_active
from webapp.extensions import db
from webapp.regions.models import Kecamatan
from webapp.submissions.models import Submission
from webapp.vocabulary import Role

def snapshot(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "role": user.role,
            "kecamatan": user.kecamatan.code if user.kecamatan else None, "opd": user.opd.code if user.opd else None,
            "phone": user.phone, "email": user.email, "active": user.active, "is_head": bool(user.is_head),
            "nip": user.nip}


@dataclass
class UserRow:
    user: User
    last_sync_at: datetime | None


def list_users(q: str = "", role: str = "", kecamatan_id: int | None = None, opd_id: int | None = None,
               active: str = "", limit: int = 200) -> tuple[list[UserRow], int]:
    """Users matching the filters with the time of their last sync (their newest received submission)."""
    last_sync = (select(Submission.user_id, func.max(Submission.received_at).label("at"))
                 .group_by(Submission.user_id).subquery())
    stmt = select(User, last_sync.c.at).outerjoin(last_sync, last_sync.c.user_id == User.id)
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(pattern), func.lower(User.full_name).like(pattern)))
    if role in Role.values():
        stmt = stmt.where(User.role == role)
    if kecamatan_id:
        stmt = stmt.where(User.kecamatan_id == kecamatan_id)
    if opd_id:
        stmt = stmt.where(User.opd_id == opd_id)
    if active in ("1", "0"):
        stmt = stmt.where(User.active.is_(active == "1"))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(User.id).subquery()))
    rows = db.session.execute(stmt.order_by(User.username).limit(limit)).all()
    return [UserRow(user, at) for user, at in rows], total


def resolve_scope(role: str, kecamatan_code: str | None, opd_code: str | None) -> tuple[int | None, int | None, dict]:
    """(kecamatan id, opd id, errors) for a role and the codes given."""
    errors: dict[str, list[str]] = {}
    if role not in Role.values():
        errors["role"] = [_("Peran tidak dikenal. Pilih salah satu: %(roles)s.", roles=", ".join(Role.values()))]
    kecamatan_id = opd_id = None
    if kecamatan_code:
        kecamatan_id = db.session.scalar(select(Kecamatan.id).where(Kecamatan.code == kecamatan_code))
        if kecamatan_id is None:
            errors["kecamatan"] = [_("Kode kecamatan %(code)s tidak ada.", code=kecamatan_code)]
    elif role == "camat":
        errors["kecamatan"] = [_("Camat harus punya kecamatan.")]
    if opd_code:
        opd_id = db.session.scalar(select(Opd.id).where(Opd.code == opd_code.upper()))
        if opd_id is None:
            errors["opd"] = [_("Kode OPD %(code)s tidak ada.", code=opd_code)]
    elif role == "opd":
        errors["opd"] = [_("Pengguna OPD harus punya OPD.")]
    return kecamatan_id, opd_id, errors


def create_user(actor: User, username: str, full_name: str, role: str, kecamatan_code: str | None = None,
                opd_code: str | None = None, phone: str | None = None, email: str | None = None) -> tuple[User, str]:
    """A new user with a temporary password (returned once, to show once); they choose their own at first login."""
    username = (username or "").strip().lower()
    kecamatan_id, opd_id, errors = resolve_scope(role, kecamatan_code, opd_code)
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        errors["username"] = [_("Nama pengguna wajib diisi: huruf, angka, titik, garis bawah (paling panjang 64).")]
    elif db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = [_("Nama pengguna sudah dipakai.")]
    if errors:
        raise Invalid.fields(errors)
    password = temporary_password()
    user = User(username=username, full_name=(full_name or "").strip() or username, role=role,
                kecamatan_id=kecamatan_id, opd_id=opd_id, phone=phone or None, email=email or None,
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, None, snapshot(user))
    return user, password


def update_user(actor: User, user: User, full_name: str, role: str, kecamatan_code: str | None,
                opd_code: str | None, phone: str | None = None, email: str | None = None,
                is_head: bool = False, nip: str | None = None) -> None:
    """Change a user's name, role, scope and NIP, and whether they head their OPD; the change
    applies to their next request. Marking a head unmarks the OPD's previous one (audited too)."""
    kecamatan_id, opd_id, errors = resolve_scope(role, kecamatan_code, opd_code)
    nip = (nip or "").replace(" ", "") or None
    if nip is not None and not (nip.isdigit() and len(nip) == 18):
        errors["nip"] = [_("NIP terdiri dari 18 angka.")]
    if is_head and (role != Role.OPD or not opd_id):
        errors["is_head"] = [_("Hanya pengguna OPD yang dapat ditandai sebagai kepala OPD-nya.")]
    if errors:
        raise Invalid.fields(errors)
    if is_head:
        _unmark_other_heads(actor, user, opd_id)
    before = snapshot(user)
    user.is_head, user.nip = bool(is_head), nip
    user.full_name = (full_name or "").strip() or user.full_name
    user.role = role
    user.kecamatan_id = kecamatan_id
    user.opd_id = opd_id
    user.phone = phone or None
    user.email = email or None
    try:
        db.session.flush()
    except IntegrityError:
        # Another admin marked a head of this OPD between our reading and our writing: nothing of
        # this change is kept, and the message names the head the database holds.
        db.session.rollback()
        raise Invalid.fields({"is_head": [head_taken_message(opd_id)]}) from None
    db.session.refresh(user)
    after = snapshot(user)
    if after != before:
        audit.record(actor, "user.update", "user", user.id, before, after)


def _unmark_other_heads(actor: User, user: User, opd_id: int) -> None:
    """An OPD has one head: whoever headed it before stops doing so (written at once, because the
    unit of work orders its updates by id and the new head's may come first)."""
    others = db.session.scalars(select(User).where(User.opd_id == opd_id, User.is_head.is_(True), User.id != user.id))
    for other in others:
        before = snapshot(other)
        other.is_head = False
        audit.record(actor, "user.update", "user", other.id, before, snapshot(other))
    db.session.flush()


def opd_head_notice(opd_id: int | None) -> dict | None:
    """What the user page says about the head of an OPD: who it is, or that there is none and what
    happens then (the digest goes to every account, the reports carry the name recorded on the OPD)."""
    from webapp.accounts.opds import head_of

    opd = db.session.get(Opd, opd_id) if opd_id else None
    if opd is None:
        return None
    return {"opd": opd, "head": head_of(opd.id)}


def change_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (every session and remembered login ends at once) or reactivate a user."""
    if user.id == actor.id and not active:
        raise Invalid.fields({"active": [_("Anda tidak dapat menonaktifkan akun Anda sendiri.")]})
    if user.active == active:
        return
    set_active(user, active)
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id,
                 {"active": not active}, {"active": active})


def reset_password(actor: User, user: User) -> str:
    """A one-time temporary password (returned to be shown once, stored only hashed); open sessions end."""
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.rotate_session()
    audit.record(actor, "user.reset_password", "user", user.id, None, {"must_change_password": True})
    return password


def form_values(user: User) -> dict:
    """The edit form's fields as the user is now."""
    return {"full_name": user.full_name, "role": user.role, "kecamatan_code": user.kecamatan.code if user.kecamatan else "",
            "opd_code": user.opd.code if user.opd else "", "phone": user.phone or "", "email": user.email or "",
            "is_head": bool(user.is_head), "nip": user.nip or ""}
