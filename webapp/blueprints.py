"""Every blueprint of the app, HTML and API, registered in one place."""
from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from webapp.errors import ErrorSchema


class PantauApi(Api):
    #: Errors are documented as the app's own envelope (webapp/errors.py), not flask-smorest's.
    ERROR_SCHEMA = ErrorSchema


class Int32Converter(IntegerConverter):
    """An id in a URL: a number past a 32-bit integer names nothing (404), rather than overflowing
    the database driver (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = Int32Converter
    from webapp.accounts import bp as accounts_bp
    from webapp.dashboard import bp as dashboard_bp

    from webapp.followups.views import bp as followups_bp
    from webapp.maps.views import bp as maps_bp
    from webapp.review.views import bp as review_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(followups_bp)
    app.register_blueprint(maps_bp)
    from webapp.pwa import bp as pwa_bp; app.register_blueprint(pwa_bp)  # noqa: E702
    from webapp.public import bp as public_bp; app.register_blueprint(public_bp)  # noqa: E702
    from webapp.reports import bp as reports_bp; app.register_blueprint(reports_bp)  # noqa: E702
    from webapp.opd_reports import bp as opd_reports_bp; app.register_blueprint(opd_reports_bp)  # noqa: E702
    from webapp.admin import bp as admin_bp; app.register_blueprint(admin_bp)  # noqa: E702
    from webapp.monev.views import bp as monev_bp; app.register_blueprint(monev_bp)  # noqa: E702

    api = PantauApi(app, spec_kwargs={"info": {"description": "Sync and data API of Pantau"}})
    app.extensions["pantau_api"] = api
    from webapp.accounts.api import blp as session_api
    from webapp.forms.api import blp as forms_api
    from webapp.submissions.api import blp as submissions_api
    from webapp.sync.api import blp as sync_api

    api.register_blueprint(session_api)
    api.register_blueprint(sync_api)
    api.register_blueprint(submissions_api)
    api.register_blueprint(forms_api)
    from webapp.followups.api import blp as followups_api
    from webapp.review.api import blp as review_api

    api.register_blueprint(review_api)
    api.register_blueprint(followups_api)
    from webapp.maps.api import blp as map_api; api.register_blueprint(map_api)  # noqa: E702
    from webapp.public.api import blp as public_api; api.register_blueprint(public_api)  # noqa: E702
    from webapp.reports.api import blp as reports_api; api.register_blueprint(reports_api)  # noqa: E702
    from webapp.opd_reports.api import blp as opd_reports_api; api.register_blueprint(opd_reports_api)  # noqa: E702
