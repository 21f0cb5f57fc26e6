"""Pantau: field monitoring for a regency (monev and GEBER)."""
import gc
import os
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.config import DEFAULT_SECRET_KEY, config_from_env


def create_app(test_config: dict | type | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → errors → CLI."""
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    _configure(app, test_config)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # The client's address as the nearest trusted proxy saw it: rate limits and audit need the real one.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    _init_extensions(app)
    _register_blueprints(app)
    from webapp import (cli, compression, display, errors, maps, navigation, security, shared_cache, thresholds,
                        vocabulary)

    shared_cache.init_app(app)
    compression.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    vocabulary.init_app(app)
    thresholds.init_app(app)
    display.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    from webapp.notifications import services as notifications

    notifications.init_app(app)
    maps.init_app(app)
    if app.config.get("GC_FREEZE"):
        # What is built now lives as long as the process: full collections need not walk it again.
        gc.collect()
        gc.freeze()
    return app


def _configure(app: Flask, test_config) -> None:
    if isinstance(test_config, type):
        app.config.from_object(test_config)
    else:
        app.config.from_object(config_from_env())
        if test_config:
            app.config.update(test_config)
    app.config["_CREATOR_PID"] = os.getpid()
    if app.config.get("ENV_NAME") == "production":
        key = app.config.get("SECRET_KEY")
        if not key or key == DEFAULT_SECRET_KEY or len(key) < 24:
            raise RuntimeError("SECRET_KEY must be set to a long random value in production.")
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        os.makedirs(os.path.dirname(uri.removeprefix("sqlite:///")) or ".", exist_ok=True)
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif uri.startswith("postgresql"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        # psycopg prepares a statement on its fifth run, and PostgreSQL then keeps a generic plan
        # chosen on the table as it was at that moment: a lookup of a few submissions by id planned
        # while the table was nearly empty stays a sequential scan as the table grows, until the
        # next ANALYZE (which may be days away). Each run is planned with its own values and the
        # table's current size; the parsed statement is still reused.
        options.setdefault("connect_args", {"options": "-c plan_cache_mode=force_custom_plan"})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    os.makedirs(app.config["STORAGE_ROOT"], exist_ok=True)


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, connection_record):
    """SQLite: WAL lets readers work while one writer writes; the busy timeout waits out a lock.
    PostgreSQL: the session's time zone is UTC."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # Times are stored and read as UTC. In the server's own zone (often a named one, e.g.
        # Etc/UTC or Asia/Jakarta) the driver would convert every timestamp it reads into that
        # zone, and the column type back to UTC: thousands of conversions on a desk.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.autocommit = autocommit


def _init_extensions(app: Flask) -> None:
    # models: the whole schema for Alembic; pooled_connections: the check of a pooled connection.
    from webapp import i18n, models, pooled_connections, schema_messages  # noqa: F401
    from webapp.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    from webapp.security import init_request_guards

    init_request_guards(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    schema_messages.install()
    limiter.init_app(app)
    login_manager.init_app(app)
    from webapp.accounts import services as account_services

    account_services.init_login(app)


def _register_blueprints(app: Flask) -> None:
    from webapp.blueprints import register

    register(app)
