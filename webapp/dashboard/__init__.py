"""The home page and the desk of each role."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from webapp.dashboard import views  # noqa: E402,F401
from webapp.dashboard import desks  # noqa: E402,F401
