"""GET /api/v1/bootstrap: what the field app keeps offline, in the user's scope, and what it costs
when nothing changed."""
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
