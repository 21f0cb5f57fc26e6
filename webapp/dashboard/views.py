from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.dashboard import bp
from webapp.dashboard.services import home_for


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("dashboard.home"))


@bp.route("/beranda")
@login_required
def home():
    return render_template("dashboard/home.html", home=home_for(current_user))
