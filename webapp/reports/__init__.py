"""Reports and exports, built by background jobs: the monthly evaluation, weekly GEBER summaries,
submissions as CSV/XLSX, sites as GeoJSON, photos as a ZIP."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from webapp.reports import cli, views  # noqa: E402,F401
