"""Language choice: one language per user, Bahasa Indonesia unless they chose English.

A signed-in user's account setting decides everything they see: pages, API messages and the
form labels of the field app. The browser's Accept-Language never overrides it. Before login the
choice lives in the session (the language link), and an API client without a session may state
its language per request.
"""
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_domain, get_locale, refresh
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


def request_locale():
    """Flask-Babel's get_locale() for the current request, read in one step when it is resolved.

    A desk page formats a thousand numbers and translates hundreds of strings; get_locale() looks
    the request state up three times per call. Flask-Babel 4 keeps the resolved locale (also the one
    force_locale() sets, and none after refresh()) on g._flask_babel; anything else falls back to it.
    """
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        return get_locale()
    return locale if locale is not None else get_locale()


def request_translations():
    """The catalogue of the request's locale, looked up once per request and again only when the
    locale changes (force_locale, refresh): Flask-Babel re-resolves it for every string."""
    locale = request_locale()
    try:
        cached_locale, translations = g._pantau_catalogue
    except (AttributeError, RuntimeError):
        cached_locale = translations = None
    if translations is None or cached_locale is not locale:
        translations = get_domain().get_translations()
        if g:
            g._pantau_catalogue = (locale, translations)
    return translations


def init_app(app) -> None:
    app.jinja_env.globals["current_locale"] = current_locale
    # Flask-Babel's template callables, with the catalogue resolved once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.before_request(_language_link)
