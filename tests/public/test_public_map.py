"""The public transparency map: approved scores only, no people, no photos unless switched on."""
import pytest

from tests import factories
from tests.factories import days_ago
from tests.helpers import geojson_of, ids_of

PUBLIC_SITES = "/api/v1/public/sites"
PUBLIC_LIST = "/api/v1/public/list?limit=500"


@pytest.fixture
def published(map_builder, make_user):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA, username="budi.santoso")
    sites = {
        # Checked again since the approval: the public sees the approved 85, not the newer 30.
        "approved": map_builder.site(name="Pasar Manna", kind="pasar", geber_score=30, geber_at=days_ago(1),
                               approved_score=85, approved_at=days_ago(10), flagged=True,
                               monev_status="late"),
        "unreviewed": map_builder.site(name="SD Belum Ditinjau", geber_score=95, geber_at=days_ago(2)),
        "never": map_builder.site(name="Kantor Tanpa Cek"),
    }
    approved = map_builder.submission(monitor, sites["approved"], score=85, recorded_at=days_ago(10),
                                review_state="approved", photo=True)
    received = map_builder.submission(monitor, sites["approved"], score=30, recorded_at=days_ago(1), photo=True)
    return {"sites": sites, "monitor": monitor, "approved": approved, "received": received}


def test_the_public_map_lists_only_sites_with_an_approved_score(client, published):
    sites = published["sites"]
    assert ids_of(client.get(PUBLIC_LIST)) == {str(sites["approved"].uuid)}


def test_the_public_map_shows_the_approved_score_and_its_date_not_the_latest_check(client, published):
    site = geojson_of(client.get(PUBLIC_LIST))["sites"][0]
    assert site["s"] == 85
    assert abs(site["t"] - days_ago(10).timestamp()) < 60
    # Nothing about review flags or monev, and no people.
    assert set(site) == {"id", "n", "k", "d", "s", "t", "lat", "lon"}


def test_the_public_answers_name_no_people_and_no_accounts(client, published):
    monitor = published["monitor"]
    site = published["sites"]["approved"]
    bodies = [
        client.get(PUBLIC_SITES).get_data(as_text=True),
        client.get(f"{PUBLIC_SITES}/{site.uuid}").get_data(as_text=True),
        client.get("/api/v1/public/kecamatan-summary").get_data(as_text=True),
        client.get("/publik").get_data(as_text=True),
    ]
    for body in bodies:
        assert monitor.full_name not in body
        assert monitor.username not in body
        assert "user" not in body.lower().replace("user-scalable", "")


def test_public_photos_are_off_by_default(client, published):
    site = published["sites"]["approved"]
    assert client.get(f"{PUBLIC_SITES}/{site.uuid}").json["photo_url"] is None
    assert client.get(f"/publik/foto/{published['approved'].photo_uuid}/thumb").status_code == 404


def test_public_photos_show_the_approved_check_only_when_switched_on(client, published, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_MAP_PHOTOS", True)
    site = published["sites"]["approved"]
    detail = client.get(f"{PUBLIC_SITES}/{site.uuid}").json
    assert detail["photo_url"] == f"/publik/foto/{published['approved'].photo_uuid}/thumb"
    photo = client.get(detail["photo_url"])
    photo.close()
    assert photo.status_code == 200
    # The newer check is not approved: its photo stays private.
    assert client.get(f"/publik/foto/{published['received'].photo_uuid}/thumb").status_code == 404


def test_an_unpublished_site_has_no_public_detail(client, published):
    assert client.get(f"{PUBLIC_SITES}/{published['sites']['unreviewed'].uuid}").status_code == 404


def test_the_public_map_is_off_when_disabled(client, published, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_MAP_ENABLED", False)
    for url in ("/publik", PUBLIC_LIST, "/api/v1/public/kecamatan-summary",
                f"{PUBLIC_SITES}/{published['sites']['approved'].uuid}"):
        assert client.get(url).status_code == 404, url


def test_the_public_page_needs_no_login_and_shows_the_datas_date(client, published):
    response = client.get("/publik")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Data per" in page and "WIB" in page
    assert 'id="map-app"' in page


def test_the_public_page_says_so_when_nothing_is_approved_yet(client):
    assert "Belum ada skor yang disetujui." in client.get("/publik").get_data(as_text=True)


def test_the_public_answer_may_be_cached_but_is_revalidated(client, published):
    first = client.get(PUBLIC_LIST, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["Content-Encoding"] == "gzip"
    assert geojson_of(first)["latest"] == pytest.approx(days_ago(10).timestamp(), abs=60)
    again = client.get(PUBLIC_LIST, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_public_kecamatan_summary_averages_approved_scores(client, published):
    body = client.get("/api/v1/public/kecamatan-summary").json
    kota_manna = next(f for f in body["features"] if f["properties"]["code"] == factories.KOTA_MANNA)
    assert kota_manna["properties"]["avg"] == 85
    assert kota_manna["properties"]["sites"] == 1
