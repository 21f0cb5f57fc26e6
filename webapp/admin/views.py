"""Admin console: the index and the users pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from webapp.accounts.models import Opd, User
from webapp.domain_errors import Invalid
from webapp.admin import bp, users
from webapp.extensions import db
from webapp.monev.models import Kegiatan
from webapp.regions.models import Kecamatan
from webapp.sites.models import Site
from webapp.vocabulary import Role


def _choices():
    return {
        "roles": Role.values(),
        "kecamatan": list(db.session.scalars(select(Kecamatan).order_by(Kecamatan.name))),
        "opds": list(db.session.scalars(select(Opd).order_by(Opd.name))),
    }


@bp.route("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "active_users": db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
        "kegiatan": db.session.scalar(select(func.count(Kegiatan.id))),
        "sites": db.session.scalar(select(func.count(Site.id)).where(Site.active.is_(True))),
    }
    return render_template("admin/index.html", counts=counts)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/pengguna")
def users_list():
    filters = {"q": request.args.get("q", "")[:64], "role": request.args.get("peran", ""),
               "kecamatan_id": _int_arg("kecamatan"), "opd_id": _int_arg("opd"), "active": request.args.get("aktif", "")}
    rows, total = users.list_users(**filters)
    return render_template("admin/users.html", rows=rows, total=total, filters=filters, **_choices())


def _user_fields() -> dict:
    form = request.form
    return {"full_name": form.get("full_name", "")[:120], "role": form.get("role", ""),
            "kecamatan_code": form.get("kecamatan") or None, "opd_code": form.get("opd") or None,
            "phone": form.get("phone", "")[:32].strip() or None, "email": form.get("email", "")[:120].strip() or None}


def _edit_fields() -> dict:
    return {**_user_fields(), "is_head": request.form.get("is_head") == "1", "nip": request.form.get("nip", "")[:40]}


def _user_form(user: User, errors: dict, values: dict):
    notice = users.opd_head_notice(user.opd_id) if user and user.role == Role.OPD else None
    return render_template("admin/user_form.html", user=user, errors=errors, values=values, head_notice=notice,
                           **_choices())


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def user_new():
    errors, values = {}, {}
    if request.method == "POST":
        values = {"username": request.form.get("username", "")[:64], **_user_fields()}
        try:
            user, password = users.create_user(current_user, **values)
        except Invalid as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            return render_template("admin/password_once.html", user=user, password=password, created=True)
    return _user_form(None, errors, values)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    errors, values = {}, users.form_values(user)
    if request.method == "POST":
        values = _edit_fields()
        try:
            users.update_user(current_user, user, **values)
        except Invalid as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Perubahan pengguna %(username)s tersimpan.", username=user.username), "info")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _user_form(user, errors, values)


@bp.route("/pengguna/<int:user_id>/aktif", methods=["POST"])
def user_active(user_id: int):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        users.change_active(current_user, user, active)
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(username)s diaktifkan kembali.", username=user.username) if active
              else _("%(username)s dinonaktifkan; semua sesinya berakhir.", username=user.username), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/pengguna/<int:user_id>/atur-ulang-sandi", methods=["POST"])
def user_reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = users.reset_password(current_user, user)
    db.session.commit()
    return render_template("admin/password_once.html", user=user, password=password, created=False)


@bp.route("/pengguna/<int:user_id>/buka-kunci", methods=["POST"])
def user_unlock(user_id: int):
    from webapp.accounts.lockout import unlock_account

    user = _user_or_404(user_id)
    if unlock_account(user, current_user):
        db.session.commit()
        flash(_("Kunci akun %(username)s dibuka.", username=user.username), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))
