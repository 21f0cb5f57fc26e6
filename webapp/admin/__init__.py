"""The admin console at /admin: users (one and in bulk), the DPA, sites and form versions."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from webapp import scopes

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not scopes.can_administer(current_user):
        abort(403)


@bp.after_request
def _never_cached(response):
    """Console pages hold personal data and one-time passwords: no cache keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


from webapp.admin import dpa_views, form_views, site_views, user_import_views, views  # noqa: E402,F401
