"""The OPD's monthly realisation report: model, rules, pages (/opd/laporan/…) and API."""
from flask import Blueprint

bp = Blueprint("opd_reports", __name__)

from webapp.opd_reports import views  # noqa: E402,F401
