"""Language choice: one language per user, Bahasa Indonesia unless they chose English.

A signed-in user's account setting decides everything they see: pages, API messages and the
form labels of the field app. The browser's Accept-Language never overrides it. Before login the
choice lives in the session (the language link), and an API client without a session may state
its language per request.
"""
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, refresh
from flask_login import current_user

from webapp.extensions import db


def _signed_in_user():
    user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) else None


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = _signed_in_user()
    if user is not None and getattr(user, "language", None) in languages:
        return user.language
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    if request.path.startswith("/api/"):
        # An API client without a session states its language per request; the default stays Indonesian.
        header = request.headers.get("Accept-Language", "")
        if header.lower().startswith("en"):
            return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def set_language(user, language: str) -> bool:
    """Save the user's interface language; True when it changed."""
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(language)
    session["lang"] = language
    if user is None or user.language == language:
        return False
    user.language = language
    db.session.flush()
    return True


def _language_link() -> None:
    """The "English / Bahasa Indonesia" link (`?lang=`) of a signed-in user changes their setting."""
    chosen = request.args.get("lang")
    if chosen not in current_app.config["LANGUAGES"] or request.method != "GET":
        return
    user = _signed_in_user()
    if user is not None and user.language != chosen:
        set_language(user, chosen)
        db.session.commit()
        refresh()


def current_locale() -> str:
    return str(get_locale() or "id")


def init_app(app) -> None:
    app.jinja_env.globals["current_locale"] = current_locale
    app.before_request(_language_link)
