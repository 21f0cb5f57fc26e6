"""The offline field app: manifest, service worker, app shell, and the outbox rescue import."""
from flask import Blueprint

# cli_group=None puts `import-outbox` at the top level of `flask --app webapp`.
bp = Blueprint("pwa", __name__, cli_group=None)

from webapp.pwa import rescue, views  # noqa: E402,F401
