"""GET /api/v1/bootstrap: what the field app keeps offline, in the user's scope, and what it costs
when nothing changed."""
import pytest

from tests import factories


def test_a_monitors_bootstrap_holds_the_forms_and_only_the_sites_of_their_kecamatan(login_as, make_site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(factories.KOTA_MANNA, name="SD Negeri 1 Manna")
    make_site(factories.PINO, name="SD Negeri 1 Pino")
    document = monitor.get("/api/v1/bootstrap").json
    assert document["user"]["username"] == monitor.user.username and document["csrf_token"]
    assert {"geber_cek", "geber_aksi", "monev_kunjungan"} <= {f["form"] for f in document["forms"]}
    assert [s["name"] for s in document["sites"]] == ["SD Negeri 1 Manna"]
    assert [k["code"] for k in document["kecamatan"]] == [factories.KOTA_MANNA]


def test_an_unchanged_bootstrap_costs_a_304_and_a_new_site_changes_its_etag(login_as, make_site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    first = monitor.get("/api/v1/bootstrap")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = monitor.get("/api/v1/bootstrap", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_site(factories.KOTA_MANNA, name="TPS Pasar Baru")
    changed = monitor.get("/api/v1/bootstrap", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "TPS Pasar Baru" in [s["name"] for s in changed.json["sites"]]


def test_a_site_elsewhere_leaves_a_monitors_etag_alone(login_as, make_site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    etag = monitor.get("/api/v1/bootstrap").headers["ETag"]
    make_site(factories.PINO, name="SD Negeri 2 Pino")
    assert monitor.get("/api/v1/bootstrap", headers={"If-None-Match": etag}).status_code == 304


# --- the shared cache: built once per scope and version of the reference data ------------------

def _statements(app, client, url: str, **kwargs) -> tuple[object, list[str]]:
    """The response and every SQL statement the request ran."""
    from sqlalchemy import event

    from webapp.extensions import db

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.lower())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, seen


def _reads_reference_data(statements: list[str]) -> list[str]:
    tables = (" site", " kegiatan", " desa", " kecamatan", " form", " opd")
    return [s for s in statements if s.startswith("select") and any(f"from{t}" in s or f"join{t}" in s for t in tables)]


def test_an_unchanged_bootstrap_reads_no_reference_data_from_the_database(app, login_as, make_site, make_kegiatan):
    site = make_site(factories.KOTA_MANNA, name="SD Negeri 1 Manna")
    make_kegiatan(sites=[site])
    first_monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    cold, cold_statements = _statements(app, first_monitor, "/api/v1/bootstrap")
    assert cold.status_code == 200 and _reads_reference_data(cold_statements)
    # Another monitor of the same kecamatan: the scope's reference data comes from the cache.
    other = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    warm, warm_statements = _statements(app, other, "/api/v1/bootstrap")
    assert warm.status_code == 200 and _reads_reference_data(warm_statements) == []
    assert warm.json["user"]["username"] == other.user.username and warm.json["csrf_token"]
    assert {k: v for k, v in warm.json.items() if k not in ("user", "csrf_token")} == \
        {k: v for k, v in cold.json.items() if k not in ("user", "csrf_token")}
    assert warm.headers["ETag"] != cold.headers["ETag"]  # the ETag covers the user too
    not_modified, statements = _statements(app, other, "/api/v1/bootstrap",
                                           headers={"If-None-Match": warm.headers["ETag"]})
    assert not_modified.status_code == 304 and _reads_reference_data(statements) == []
    assert len(statements) <= 2  # the session's user, and nothing else


def test_each_kind_of_reference_change_is_seen_by_the_next_bootstrap(app, login_as, make_site, make_kegiatan,
                                                                     make_user):
    from sqlalchemy import update

    from webapp.extensions import db
    from webapp.forms.services import publish_version
    from webapp.regions.models import Desa
    from webapp.sites.models import Site

    from webapp.accounts.models import User

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    admin = make_user(role="admin")
    site = make_site(factories.KOTA_MANNA, name="SD Negeri 1 Manna")

    def current():
        response = monitor.get("/api/v1/bootstrap")
        assert response.status_code == 200
        return response.json

    assert [s["name"] for s in current()["sites"]] == ["SD Negeri 1 Manna"]
    make_site(factories.KOTA_MANNA, name="TPS Pasar Baru")  # an ORM insert
    assert "TPS Pasar Baru" in [s["name"] for s in current()["sites"]]
    with app.app_context():  # a Core update, as an import or a merge writes
        db.session.execute(update(Site).where(Site.id == site.id).values(name="SD Negeri 1 Manna Baru"))
        db.session.commit()
    assert "SD Negeri 1 Manna Baru" in [s["name"] for s in current()["sites"]]
    make_kegiatan(sites=[site], name="Normalisasi Drainase")  # a kegiatan and its site link
    assert "Normalisasi Drainase" in [k["name"] for k in current()["kegiatan"]]
    with app.app_context():
        desa = db.session.get(Desa, current()["desa"][0]["id"])
        desa.name = "Desa Berganti Nama"
        db.session.commit()
    assert "Desa Berganti Nama" in [d["name"] for d in current()["desa"]]
    with app.app_context():
        form = next(f for f in current()["forms"] if f["form"] == "geber_aksi")
        # Published by someone, as the admin console does (the suite's clean-up removes such versions).
        publish_version({**form["definition"], "version": form["version"] + 1}, db.session.get(User, admin.id))
        db.session.commit()
    forms = {f["form"]: f for f in current()["forms"]}
    assert forms["geber_aksi"]["version"] == form["version"] + 1


def test_a_change_rolled_back_moves_nothing_and_a_committed_one_moves_the_version(app):
    from sqlalchemy import update

    from webapp import shared_cache
    from webapp.extensions import db
    from webapp.sites.models import Site
    from webapp.submissions.models import Submission

    with app.app_context():
        before = shared_cache.reference_version()
        db.session.execute(update(Site).where(Site.id == -1).values(name="x"))
        db.session.rollback()
        db.session.execute(update(Submission).where(Submission.id == -1).values(score=1))
        db.session.commit()  # not reference data
        assert shared_cache.reference_version() == before
        db.session.execute(update(Site).where(Site.id == -1).values(name="x"))
        db.session.commit()
        assert shared_cache.reference_version() != before


def test_a_change_committed_by_another_process_is_seen_through_redis(app, redis_url, database_url, login_as, make_site):
    if not redis_url:
        # Not a missing service: without Redis each process keeps its own version, by design.
        pytest.skip("the version is shared between processes through Redis (TEST_REDIS_URL)")
    from webapp import create_app
    from webapp.extensions import db
    from webapp.sites.models import Site

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = make_site(factories.KOTA_MANNA, name="SD Negeri 1 Manna")
    etag = monitor.get("/api/v1/bootstrap").headers["ETag"]

    other = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": database_url})
    with other.app_context():
        db.session.get(Site, site.id).name = "Dari worker lain"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    changed = monitor.get("/api/v1/bootstrap", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and [s["name"] for s in changed.json["sites"]] == ["Dari worker lain"]
