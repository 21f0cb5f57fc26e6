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
    from webapp import admin
    from webapp.accounts import views as accounts
    from webapp.dashboard import desks as dashboard
    from webapp.evaluation import views as evaluation
    from webapp.followups import views as followups
    from webapp.maps import views as maps
    from webapp.notifications import views as notifications
    from webapp.rakor import views as rakor
    from webapp.opd_reports import views as opd_reports
    from webapp.public import views as public
    from webapp.pwa import views as pwa
    from webapp.reports import views as reports
    from webapp.review import views as review

    for pages in (accounts, dashboard, review, followups, maps, pwa, public, reports, opd_reports, admin, evaluation,
                  notifications, rakor):
        app.register_blueprint(pages.bp)

    api = PantauApi(app, spec_kwargs={"info": {"description": "Sync and data API of Pantau"}})
    app.extensions["pantau_api"] = api
    from webapp.accounts.api import blp as session_api
    from webapp.followups.api import blp as followups_api
    from webapp.forms.api import blp as forms_api
    from webapp.maps.api import blp as map_api
    from webapp.opd_reports.api import blp as opd_reports_api
    from webapp.public.api import blp as public_api
    from webapp.reports.api import blp as reports_api
    from webapp.review.api import blp as review_api
    from webapp.submissions.api import blp as submissions_api
    from webapp.sync.api import blp as sync_api

    for blp in (session_api, sync_api, submissions_api, forms_api, review_api, followups_api, map_api, public_api,
                reports_api, opd_reports_api):
        api.register_blueprint(blp)
