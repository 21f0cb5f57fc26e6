import pytest
from sqlalchemy import text

from webapp import create_app
from webapp.config import DEFAULT_SECRET_KEY, ProductionConfig, TestingConfig
from webapp.extensions import db


@pytest.mark.parametrize("key", [None, "", DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(key, tmp_path):
    class Config(ProductionConfig):
        SECRET_KEY = key
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite'}"
        STORAGE_ROOT = str(tmp_path / "storage")

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config)


def test_production_starts_with_a_long_random_key(tmp_path):
    class Config(ProductionConfig):
        SECRET_KEY = "x" * 48
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite'}"
        STORAGE_ROOT = str(tmp_path / "storage")

    app = create_app(Config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_config_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/9")
    monkeypatch.setenv("REGION_CODE", "17.02")
    monkeypatch.setenv("STORAGE_ROOT", str(tmp_path / "photos"))
    import importlib

    import webapp.config

    importlib.reload(webapp.config)
    try:
        app = create_app(webapp.config.DevelopmentConfig)
        assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")
        assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/9"
        assert app.config["REGION_CODE"] == "17.02"
        assert (tmp_path / "photos").is_dir()
    finally:
        monkeypatch.undo()
        importlib.reload(webapp.config)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'wal.sqlite'}"
        STORAGE_ROOT = str(tmp_path / "storage")

    app = create_app(Config)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.session.remove()
        db.engine.dispose()


def test_times_read_from_the_database_arrive_in_utc(app):
    # PostgreSQL sessions speak UTC whatever the server's zone, so the driver hands over UTC times
    # without converting each into the server's zone first.
    from datetime import timezone

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps no zone; the column type adds UTC")
        assert db.session.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
        assert db.session.execute(text("SELECT now()")).scalar().tzinfo is timezone.utc


def test_migrations_created_every_table_of_the_models(app):
    with app.app_context():
        from sqlalchemy import inspect

        tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_a_web_worker_starts_without_the_report_builders_heavy_libraries():
    """openpyxl, WeasyPrint and ReportLab cost ~10, ~40 and ~15 MB per process: report jobs load
    them, web workers serving pages and the sync API need not (the ≤ 150 MB per web worker budget)."""
    import subprocess
    import sys

    code = ("import sys; from webapp import create_app; create_app(); "
            "print(' '.join(m for m in ('openpyxl', 'weasyprint', 'reportlab') if m in sys.modules))")
    env = {**__import__("os").environ, "PANTAU_ENV": "development"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=__import__("pathlib").Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == ""


def test_production_freezes_what_start_up_built_out_of_full_collections():
    import gc

    from webapp import create_app
    from webapp.config import ProductionConfig, TestingConfig

    assert ProductionConfig.GC_FREEZE is True and TestingConfig.GC_FREEZE is False
    gc.unfreeze()
    create_app(TestingConfig)
    assert gc.get_freeze_count() == 0
    try:
        create_app({"GC_FREEZE": True, "TESTING": True, "SECRET_KEY": "x" * 32,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_postgresql_plans_every_run_of_a_statement_for_the_table_as_it_is_now(app):
    """A generic plan made while a table was small (a sequential scan) must not outlive its growth."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's plan cache")
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        db.session.rollback()
