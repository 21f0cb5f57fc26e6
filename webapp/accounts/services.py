"""Account rules: login, user creation, deactivation."""
import secrets
from functools import lru_cache

from flask import current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only

from webapp.accounts.lockout import record_failure, record_success
from webapp.accounts.models import Opd, User, hash_password, verify_password
from webapp.accounts.passwords import validate_new_password
from webapp.domain_errors import Invalid
from webapp.errors import error_response
from webapp.extensions import db, login_manager
from webapp.i18n import set_language
from webapp.regions.models import Kecamatan
from webapp.vocabulary import Role


def init_login(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk melanjutkan.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        user = db.session.scalar(_user_by_token(), {"token": token})
        return user if user is not None and user.active else None

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return error_response(401)
        return redirect(url_for("accounts.login", next=request.full_path if request.query_string else request.path))


@lru_cache(maxsize=1)
def _user_by_token():
    """The statement that loads the user of every request, built once, with the columns a request
    reads (the rest, such as the password hash, load only when a page asks for them)."""
    columns = (User.id, User.username, User.full_name, User.role, User.kecamatan_id, User.opd_id, User.active,
               User.language, User.session_token, User.must_change_password)
    return select(User).options(load_only(*columns)).where(User.session_token == bindparam("token"))


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked when the username is unknown, so that an answer takes as long whether the user exists or not."""
    return hash_password(secrets.token_urlsafe(16), method)


def authenticate(username: str, password: str, ip: str | None = None) -> User | None:
    """The active, unlocked user with these credentials, or None.

    Exactly one password hash is checked on every path, so the time taken says nothing about
    whether the username exists, is inactive or is locked.
    """
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        verify_password(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if user.is_locked:
        verify_password(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.check_password(password):
        record_failure(user, ip)
        return None
    record_success(user)
    return user


def start_session(user: User, remember: bool = True) -> None:
    """Log `user` in on a new session: nothing from before (a planted session id) carries over
    but the language picked before logging in, which becomes the account's setting."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)
    if lang:
        set_language(user, lang)


def create_user(
    username: str,
    password: str,
    role: str,
    full_name: str | None = None,
    kecamatan_code: str | None = None,
    opd_code: str | None = None,
) -> User:
    """Create a user; a camat needs a kecamatan and an opd user needs an OPD."""
    username = username.strip().lower()
    errors: dict[str, list[str]] = {}
    if role not in Role.values():
        errors["role"] = [str(_l("Peran tidak dikenal. Pilih salah satu: %(roles)s.", roles=", ".join(Role)))]
    if problems := validate_new_password(password, username):
        errors["password"] = problems
    if not username or len(username) > 64:
        errors["username"] = [str(_l("Nama pengguna wajib diisi (paling panjang 64 karakter)."))]
    elif db.session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = [str(_l("Nama pengguna sudah dipakai."))]
    kecamatan = opd = None
    if kecamatan_code:
        kecamatan = db.session.scalar(select(Kecamatan).where(Kecamatan.code == kecamatan_code))
        if kecamatan is None:
            errors["kecamatan"] = [str(_l("Kode kecamatan %(code)s tidak ada.", code=kecamatan_code))]
    elif role == "camat":
        errors["kecamatan"] = [str(_l("Camat harus punya kecamatan."))]
    if opd_code:
        opd = db.session.scalar(select(Opd).where(Opd.code == opd_code))
        if opd is None:
            errors["opd"] = [str(_l("Kode OPD %(code)s tidak ada.", code=opd_code))]
    elif role == "opd":
        errors["opd"] = [str(_l("Pengguna OPD harus punya OPD."))]
    if errors:
        raise Invalid(errors=errors)
    user = User(
        username=username,
        full_name=full_name or username,
        role=role,
        kecamatan_id=kecamatan.id if kecamatan else None,
        opd_id=opd.id if opd else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: User, active: bool) -> None:
    """Deactivation takes effect at once: the rotated token voids every open session."""
    user.active = active
    if not active:
        user.rotate_session()
