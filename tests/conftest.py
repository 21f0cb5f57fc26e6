"""Shared fixtures: an app on a migrated database, clients, an auth helper and factories.

The database is SQLite by default; TEST_DATABASE_URL points the suite at PostgreSQL.
TEST_REDIS_URL runs the job tests through a real rq worker. With PANTAU_REQUIRE_SERVICES=1 a
missing service fails the run instead of skipping. Tests that draw random data take the `rng`
fixture: its seed is printed in the report header and under a failure, and PANTAU_TEST_SEED
replays it (Hypothesis and schemathesis take the same seed).
"""
import functools
import os
import random

import pytest
from sqlalchemy import text

from tests import factories
from tests.helpers import ApiClient, AuthActions
from webapp import create_app
from webapp.config import TestingConfig
from webapp.extensions import db

#: The run's seed: PANTAU_TEST_SEED replays a run, otherwise a fresh one (printed, so it can be).
SEED = int(os.environ.get("PANTAU_TEST_SEED") or random.SystemRandom().randrange(1_000_000_000))
#: Reference data loaded once per session and kept between tests.
KEPT_TABLES = {"kecamatan", "desa", "opd", "form", "form_version", "alembic_version"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A browser test is a slow test: `make test-fast` leaves it out without each module saying so."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Hypothesis (and schemathesis, built on it) draw from the run's seed too, so PANTAU_TEST_SEED
    # replays them, unless --hypothesis-seed names another.
    if getattr(config.option, "hypothesis_seed", None) is None:
        config.option.hypothesis_seed = SEED


def pytest_report_header(config):
    return f"random seed: {SEED} (replay with PANTAU_TEST_SEED={SEED})"


_SEEDED = pytest.StashKey[bool]()


@pytest.fixture
def rng(request) -> random.Random:
    """A random generator for this test, seeded from the run's seed and the test's id (so a test
    replays alone as in the full run); `rng.seed_text` is that seed, `rng.run_seed` the run's."""
    seed_text = f"{SEED}:{request.node.nodeid}"
    generator = random.Random(seed_text)
    generator.seed_text, generator.run_seed = seed_text, SEED
    request.node.stash[_SEEDED] = True
    return generator


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and item.stash.get(_SEEDED, False):
        report.sections.append(("random seed", f"this test drew from rng; replay with PANTAU_TEST_SEED={SEED}"))


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        try:
            _reset_postgres(url)
        except Exception as exc:  # noqa: BLE001 — any connection failure means the service is missing
            pytest.exit(f"TEST_DATABASE_URL is set but the database is unreachable: {exc}", returncode=3)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'pantau-test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE_ROOT = str(tmp_path_factory.mktemp("storage"))

    application = create_app(Config)
    with application.app_context():
        from flask_migrate import upgrade

        from webapp.accounts.opds import seed_opds
        from webapp.forms.services import load_builtin_forms
        from webapp.regions.services import seed_regions

        upgrade()
        seed_regions(application.config["REGION_CODE"])
        seed_opds()
        load_builtin_forms()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test starts from the reference data alone."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.rollback()
        from webapp.forms.models import FormVersion

        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
        # site_status points at submission through a late foreign key: empty it first.
        tables.sort(key=lambda t: t.name != "site_status")
        with db.engine.begin() as conn:
            # Versions published by a test point at its users; the shipped ones stay.
            conn.execute(text("DELETE FROM site_status"))
            conn.execute(FormVersion.__table__.delete().where(FormVersion.published_by_id.is_not(None)))
            # DELETE, not TRUNCATE … CASCADE: a cascade would also empty the kept form_version.
            for table in tables:
                conn.execute(table.delete())
            from webapp.regions.models import Desa, Kecamatan

            conn.execute(Kecamatan.__table__.update().values(boundary=None))
            conn.execute(Desa.__table__.update().values(boundary=None))
        db.session.remove()
    # Jobs a test left queued or scheduled for a retry (and caches keyed to its rows) must not run
    # against the next test's rows.
    if application.config.get("REDIS_URL"):
        from redis import Redis

        Redis.from_url(application.config["REDIS_URL"]).flushdb()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app, make_user):
    """login_as(role, **scope) → an ApiClient of a fresh user of that role."""

    def _login(role: str = "monitor", **kwargs):
        user = make_user(role=role, **kwargs)
        test_client = app.test_client()
        AuthActions(test_client).login(user.username)
        api_client = ApiClient(test_client)
        api_client.user = user
        return api_client

    return _login


def _in_own_context(app, factory):
    """Run a factory in its own app context and hand back a detached, fully loaded object.

    Requests made by a test must not share the test's app context: flask-login caches the
    user on `g`, which lives as long as the app context does.
    """

    def call(*args, **kwargs):
        with app.app_context():
            obj = factory(*args, **kwargs)
            db.session.refresh(obj)
            db.session.expunge(obj)
            return obj

    return call


@pytest.fixture
def make_user(app):
    return _in_own_context(app, factories.make_user)


@pytest.fixture
def make_site(app):
    return _in_own_context(app, factories.make_site)


@pytest.fixture
def make_kegiatan(app):
    return _in_own_context(app, factories.make_kegiatan)


@pytest.fixture
def map_builder(app):
    """Sites with a given latest status and submissions with processed photos (factories.MapBuilder)."""
    return factories.MapBuilder(app)


@pytest.fixture
def add_site(app):
    """add_site(kecamatan_code, desa_index=0, name=None, kind="sekolah") → the site's ids and names."""
    return functools.partial(factories.add_site, app)


@pytest.fixture
def add_submission(app):
    """add_submission(user, site, form="geber_cek", score=None, review_state="received", …) → its ids."""
    return functools.partial(factories.add_submission, app)


@pytest.fixture
def add_followup(app):
    """add_followup(title, due=None, status="open", opd_code=None, kecamatan_code=None, …) → its id."""
    return functools.partial(factories.add_followup, app)


@pytest.fixture(scope="session")
def redis_url(app):
    """The Redis the jobs go to in this run, emptied once; None when jobs run inline."""
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(url).flushdb()
        except RedisError as exc:
            pytest.exit(f"TEST_REDIS_URL is set but Redis is unreachable: {exc}", returncode=3)
    return url


@pytest.fixture
def run_jobs(app, redis_url, database_url):
    """Drain the job queue: a real `rq worker --burst` against Redis, or nothing when jobs ran inline."""

    def drain() -> None:
        if not redis_url:
            return
        import subprocess
        import sys

        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "STORAGE_ROOT": app.config["STORAGE_ROOT"],
            "REDIS_URL": redis_url,
            "PANTAU_ENV": "development",
            "SECRET_KEY": "worker-secret-for-tests",
        }
        rq = os.path.join(os.path.dirname(sys.executable), "rq")
        # rq's own CLI with the worker class production runs (`flask worker`: no fork per job);
        # the timeout leaves room for a loaded machine draining a few hundred jobs.
        result = subprocess.run([rq, "worker", "--burst", "--worker-class", "rq.worker.SimpleWorker",
                                 "--url", redis_url, "default"], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]

    return drain
