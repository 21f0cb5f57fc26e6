"""Users, roles, login and logout."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from webapp.accounts import views  # noqa: E402,F401
