"""Language choice: Bahasa Indonesia unless the user asked for English."""
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if request.path.startswith("/api/"):
        # An API client states its language per request; the default stays Indonesian.
        header = request.headers.get("Accept-Language", "")
        if header.lower().startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "id")


def init_app(app) -> None:
    app.jinja_env.globals["current_locale"] = current_locale
