"""The notification pages: the list under the bell, marking read, and the email choice."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.extensions import db
from webapp.notifications import services as notifications

bp = Blueprint("notifications", __name__)


@bp.route("/notifikasi")
@login_required
def index():
    return render_template("notifications/list.html", items=notifications.listing(current_user))


@bp.route("/notifikasi/<int:notification_id>/baca", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one read and go where it leads."""
    notification = notifications.mark_read(current_user, notification_id)
    db.session.commit()
    target = notification.url if (notification.url or "").startswith("/") else None
    return redirect(target or url_for("notifications.index"))


@bp.route("/notifikasi/baca-semua", methods=["POST"])
@login_required
def read_all():
    notifications.mark_all_read(current_user)
    db.session.commit()
    flash(_("Semua notifikasi ditandai sudah dibaca."), "info")
    return redirect(url_for("notifications.index"))


@bp.route("/akun/notifikasi", methods=["POST"])
@login_required
def email_choice():
    """The account page's switch: notifications by email too, or in the app only."""
    notifications.set_email(current_user, request.form.get("email") == "1")
    db.session.commit()
    flash(_("Pilihan notifikasi email tersimpan."), "info")
    return redirect(url_for("accounts.settings"))
