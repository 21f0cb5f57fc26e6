"""The public transparency map: approved GEBER scores, no login, no personal data.

Switched on and off by PUBLIC_MAP_ENABLED; photos only with PUBLIC_MAP_PHOTOS.
"""
from flask import Blueprint, abort, current_app

bp = Blueprint("public", __name__)


def require_enabled() -> None:
    """Every public page and API answers 404 while the public map is switched off."""
    if not current_app.config.get("PUBLIC_MAP_ENABLED"):
        abort(404)


bp.before_request(require_enabled)

from webapp.public import views  # noqa: E402,F401
