"""Every blueprint of the app, HTML and API, registered in one place."""
from flask import Flask
from flask_smorest import Api


def register(app: Flask) -> None:
    from webapp.accounts import bp as accounts_bp
    from webapp.dashboard import bp as dashboard_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(dashboard_bp)

    api = Api(app, spec_kwargs={"info": {"description": "Sync and data API of Pantau"}})
    app.extensions["pantau_api"] = api
    from webapp.accounts.api import blp as session_api
    from webapp.forms.api import blp as forms_api
    from webapp.submissions.api import blp as submissions_api
    from webapp.sync.api import blp as sync_api

    api.register_blueprint(session_api)
    api.register_blueprint(sync_api)
    api.register_blueprint(submissions_api)
    api.register_blueprint(forms_api)
