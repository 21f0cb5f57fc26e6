from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, refresh
from flask_login import current_user, login_required, logout_user

from webapp.accounts.forms import ChangePasswordForm, LanguageForm, LoginForm
from webapp.accounts.password_change import set_own_password
from webapp.domain_errors import Invalid
from webapp.errors import put_on_form
from webapp.accounts.services import authenticate, start_session
from webapp.extensions import db, limiter
from webapp.i18n import set_language

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/masuk", methods=["GET", "POST"])
# Per client IP (the real one behind TRUSTED_PROXIES), counting failed attempts only; each
# account has its own lock as well (webapp/accounts/lockout.py).
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data, ip=request.remote_addr)
        if user is None:
            _refuse(form)
        else:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            if user.must_change_password:
                return redirect(url_for("accounts.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.home"))
    return render_template("accounts/login.html", form=form)


def _refuse(form: LoginForm) -> None:
    db.session.commit()  # the count of wrong passwords, and the lock when due
    # One message for every failure: it tells nobody whether the account exists or is locked.
    form.password.errors.append(_("Nama pengguna atau kata sandi salah. Setelah beberapa kali salah, "
                                  "akun dikunci sementara."))


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    current_user.rotate_session()
    db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    # Tell flask-login to delete the remember-me cookie too (clear() dropped its flag).
    session["_remember"] = "clear"
    if lang:
        session["lang"] = lang
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def settings():
    """The account page: who the user is and the interface language (an account setting)."""
    form = LanguageForm(language=current_user.language)
    if form.validate_on_submit():
        set_language(current_user, form.language.data)
        db.session.commit()
        refresh()
        flash(_("Bahasa tersimpan."), "info")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)


#: Pages a user who must change their password may still open.
_ALLOWED_BEFORE_CHANGE = {"accounts.change_password", "accounts.logout", "static"}


@bp.before_app_request
def _require_new_password():
    """After an admin set or reset the password, every page leads to the change form first."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_BEFORE_CHANGE and not request.path.startswith("/api/")):
        return redirect(url_for("accounts.change_password"))
    return None


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            set_own_password(current_user, form.current.data, form.new.data)
        except Invalid as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Kata sandi baru tersimpan."), "info")
            return redirect(url_for("dashboard.home"))
    return render_template("accounts/change_password.html", form=form)
