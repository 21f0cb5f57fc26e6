"""Routes of the field app: the manifest, the service worker, the shell and the offline page."""
from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from webapp.pwa.assets import manifest_bytes, null_worker_source, render_shell_page, worker_script

bp = Blueprint("pwa", __name__)


def _no_cache(response: Response) -> Response:
    # Revalidated on every load: the worker's update check and the shell must see a deploy.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    return _no_cache(Response(manifest_bytes(), mimetype="application/manifest+json"))


@bp.route("/service-worker.js")
def service_worker():
    if current_app.config.get("PWA_KILL_SWITCH"):
        source = null_worker_source()
    else:
        source = worker_script(sends=request.args.get("send") == "1")
    response = Response(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


@bp.route("/lapangan")
@login_required
def field_app():
    """The field app; the login gate only matters for the first visit, later ones come from the cache."""
    return _no_cache(Response(render_shell_page("pwa/field.html"), mimetype="text/html"))


@bp.route("/lapangan/shell")
def shell():
    """The same shell for the worker to precache: it holds no user data, so it needs no login."""
    return _no_cache(Response(render_shell_page("pwa/field.html"), mimetype="text/html"))


@bp.route("/offline")
def offline():
    return _no_cache(Response(render_template("pwa/offline.html"), mimetype="text/html"))
