"""The map data API: filters, scope, ETag/304, gzip, the site detail and the kecamatan summary."""
import gzip
import json

import pytest

from tests import factories
from tests.factories import days_ago
from tests.helpers import geojson_of, ids_of

SITES = "/api/v1/map/sites"
#: Every site of the map that passes the filters, worst first (the test maps are small).
LIST = "/api/v1/map/list?limit=500"


@pytest.fixture
def regency(map_builder, make_kegiatan):
    """Sites that differ in one respect each, so every filter has something to remove."""
    s = {
        "bersih": map_builder.site(name="SD Bersih", kind="sekolah", geber_score=90, geber_at=days_ago(2)),
        "cukup": map_builder.site(name="Pasar Cukup", kind="pasar", geber_score=70, geber_at=days_ago(20)),
        "kotor": map_builder.site(name="TPS Kotor", kind="tps", geber_score=40, geber_at=days_ago(5), flagged=True),
        "belum": map_builder.site(name="Kantor Belum", kind="kantor"),
        "other_desa": map_builder.site(name="SD Desa Lain", desa_index=1, geber_score=85, geber_at=days_ago(3)),
        "pino": map_builder.site(factories.PINO, name="SD Pino", geber_score=55, geber_at=days_ago(1),
                           monev_status="late", monev_at=days_ago(1)),
    }
    make_kegiatan("DLH", sites=[_plain(s["kotor"]), _plain(s["pino"])])
    return s


def _plain(site):
    class Ref:
        id = site.id
    return Ref


def test_a_regency_wide_user_sees_every_site_with_its_latest_status(login_as, regency):
    bappeda = login_as("bappeda")
    response = bappeda.get(LIST)
    assert response.status_code == 200
    body = geojson_of(response)
    by_name = {site["n"]: site for site in body["sites"]}
    assert {"SD Bersih", "Pasar Cukup", "TPS Kotor", "Kantor Belum", "SD Desa Lain", "SD Pino"} <= set(by_name)
    kotor = by_name["TPS Kotor"]
    assert (kotor["lon"], kotor["lat"]) == pytest.approx((factories.LON, factories.LAT), abs=1e-5)
    assert kotor["id"] == str(regency["kotor"].uuid)
    assert (kotor["k"], kotor["d"], kotor["s"], kotor["f"]) == ("tps", regency["kotor"].desa_name, 40, True)
    assert abs(kotor["t"] - days_ago(5).timestamp()) < 60
    # Missing values are left out rather than sent as null: the body stays small.
    assert set(by_name["Kantor Belum"]) == {"id", "n", "k", "d", "lat", "lon"}
    assert body["count"] == len(body["sites"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kecamatan=17.01.03", {"pino"}),
        ("kind=pasar", {"cukup"}),
        ("band=bersih", {"bersih", "other_desa"}),
        ("band=cukup", {"cukup"}),
        ("band=kotor", {"kotor", "pino"}),
        ("band=belum", {"belum"}),
        ("flagged=1", {"kotor"}),
        ("opd=DLH", {"kotor", "pino"}),
        ("layer=monev", {"kotor", "pino"}),
        ("layer=monev&status=late", {"pino"}),
        ("layer=monev&status=belum", {"kotor"}),
    ],
)
def test_each_filter_narrows_the_map_to_the_matching_sites(login_as, regency, query, expected):
    bappeda = login_as("bappeda")
    got = ids_of(bappeda.get(f"{LIST}&{query}"))
    assert got == {str(regency[name].uuid) for name in expected}


def test_the_desa_filter_keeps_the_sites_of_that_desa_only(login_as, regency):
    bappeda = login_as("bappeda")
    desa = regency["other_desa"].desa_code
    assert ids_of(bappeda.get(f"{LIST}&desa={desa}")) == {str(regency["other_desa"].uuid)}


def test_the_date_range_filters_on_the_latest_check_in_wib_days(login_as, regency):
    bappeda = login_as("bappeda")
    start = days_ago(6).astimezone(factories_wib()).date().isoformat()
    end = days_ago(2).astimezone(factories_wib()).date().isoformat()
    got = ids_of(bappeda.get(f"{LIST}&from={start}&to={end}"))
    assert got == {str(regency[n].uuid) for n in ("bersih", "kotor", "other_desa")}


def factories_wib():
    from webapp.maps.services import WIB

    return WIB


def test_filters_combine(login_as, regency):
    bappeda = login_as("bappeda")
    got = ids_of(bappeda.get(f"{LIST}&kecamatan={factories.KOTA_MANNA}&band=kotor&opd=DLH"))
    assert got == {str(regency["kotor"].uuid)}


def test_an_invalid_filter_gets_a_422_naming_the_field(login_as):
    bappeda = login_as("bappeda")
    response = bappeda.get(f"{LIST}&band=hijau&from=2026-02-10&to=2026-02-01")
    assert response.status_code == 422
    assert response.json["code"] == "invalid"
    assert "band" in response.json["errors"]


def test_a_start_date_after_the_end_date_is_refused(login_as):
    response = login_as("bappeda").get(f"{LIST}&from=2026-02-10&to=2026-02-01")
    assert response.status_code == 422
    assert "from" in response.json["errors"]


def test_a_camat_sees_only_the_sites_of_their_kecamatan(login_as, regency):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    got = ids_of(camat.get(LIST))
    assert str(regency["pino"].uuid) not in got
    assert str(regency["kotor"].uuid) in got


def test_a_camat_asking_for_another_kecamatan_gets_no_sites(login_as, regency):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert ids_of(camat.get(f"{LIST}&kecamatan={factories.PINO}")) == set()


def test_an_opd_user_sees_only_the_sites_of_its_kegiatan(login_as, regency):
    dlh = login_as("opd", opd_code="DLH")
    assert ids_of(dlh.get(LIST)) == {str(regency["kotor"].uuid), str(regency["pino"].uuid)}


def test_the_map_api_without_a_session_is_a_json_401(client):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_an_unchanged_map_costs_a_304_with_its_etag(login_as, regency):
    bappeda = login_as("bappeda")
    first = bappeda.get(LIST)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = bappeda.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag


def test_the_etag_changes_when_a_site_status_changes(login_as, regency, map_builder):
    bappeda = login_as("bappeda")
    etag = bappeda.get(LIST).headers["ETag"]
    map_builder.set_status(regency["cukup"].id, geber_score=95, geber_at=days_ago(0))
    response = bappeda.get(LIST, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_the_etag_differs_between_filters_and_between_scopes(login_as, regency):
    bappeda = login_as("bappeda")
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    tags = {
        bappeda.get(LIST).headers["ETag"],
        bappeda.get(f"{LIST}&band=kotor").headers["ETag"],
        camat.get(LIST).headers["ETag"],
    }
    assert len(tags) == 3


def test_a_kegiatan_link_changes_the_etag_of_the_monev_layer(login_as, regency, make_kegiatan):
    bappeda = login_as("bappeda")
    etag = bappeda.get(f"{LIST}&layer=monev").headers["ETag"]
    make_kegiatan("DINKES", sites=[_plain(regency["cukup"])])
    response = bappeda.get(f"{LIST}&layer=monev", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert str(regency["cukup"].uuid) in ids_of(response)


def test_the_map_answer_is_gzipped_when_the_client_accepts_it(login_as, regency):
    bappeda = login_as("bappeda")
    plain = bappeda.get(LIST)
    zipped = bappeda.get(LIST, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.get_data())) == json.loads(plain.get_data())
    assert bappeda.get(LIST, headers={"If-None-Match": plain.headers["ETag"], "Accept-Encoding": "gzip"}).status_code == 304


def test_the_site_detail_gives_the_latest_check_photo_and_history_link(login_as, regency, map_builder):
    bappeda = login_as("bappeda")
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    check = map_builder.submission(monitor, regency["kotor"], score=40, recorded_at=days_ago(5), photo=True)
    map_builder.set_status(regency["kotor"].id, geber_submission_id=check.id)
    body = bappeda.get(f"{SITES}/{regency['kotor'].uuid}").json
    assert body["name"] == "TPS Kotor"
    assert body["band"] == "kotor" and body["score"] == 40
    assert body["photo_url"] == f"/foto/{check.photo_uuid}/thumb"
    assert body["history_url"] == f"/lokasi/{regency['kotor'].uuid}"
    assert [k["opd"] for k in body["kegiatan"]] == ["DLH"]
    photo = bappeda.get(body["photo_url"])
    photo.close()
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Cache-Control"].startswith("private")


def test_the_site_detail_links_the_page_of_each_kegiatan_in_the_users_scope(login_as, regency, make_kegiatan,
                                                                           add_submission):
    site = regency["kotor"]  # tied to a DLH kegiatan by the fixture
    # Not tied to the site, but a monitoring visit there was about it.
    visited = make_kegiatan("PUPR", code="1.03.02.2.01.0005", name="Normalisasi Saluran Kota Manna")
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=visited, answers={})
    bappeda = login_as("bappeda")
    body = bappeda.get(f"{SITES}/{site.uuid}").json
    by_opd = {k["opd"]: k for k in body["kegiatan"]}
    assert set(by_opd) == {"DLH", "PUPR"}
    assert (by_opd["PUPR"]["code"], by_opd["PUPR"]["year"]) == ("1.03.02.2.01.0005", 2026)
    assert by_opd["PUPR"]["url"] == "/kegiatan/1.03.02.2.01.0005?tahun=2026&opd=PUPR"
    for kegiatan in body["kegiatan"]:
        page = bappeda.get(kegiatan["url"])
        assert page.status_code == 200 and kegiatan["name"] in page.text and kegiatan["code"] in page.text
    # An OPD sees the site through its own kegiatan only, and links to no other OPD's page.
    dlh = login_as("opd", opd_code="DLH")
    mine = dlh.get(f"{SITES}/{site.uuid}").json["kegiatan"]
    assert [k["opd"] for k in mine] == ["DLH"] and dlh.get(mine[0]["url"]).status_code == 200
    assert dlh.get(by_opd["PUPR"]["url"]).status_code == 404


def test_a_camat_cannot_open_another_kecamatans_site_or_photo(login_as, regency, map_builder):
    monitor = login_as("monitor", kecamatan_code=factories.PINO).user
    check = map_builder.submission(monitor, regency["pino"], score=55, photo=True)
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert camat.get(f"{SITES}/{regency['pino'].uuid}").status_code == 404
    assert camat.get(f"/foto/{check.photo_uuid}/thumb").status_code == 404
    assert camat.get(f"/lokasi/{regency['pino'].uuid}").status_code == 404
    pino_camat = login_as("camat", kecamatan_code=factories.PINO)
    photo = pino_camat.get(f"/foto/{check.photo_uuid}/thumb")
    photo.close()
    assert photo.status_code == 200


def test_a_photo_not_yet_processed_has_no_thumbnail(login_as, regency, map_builder, app):
    from webapp.extensions import db
    from webapp.submissions.models import Attachment

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    check = map_builder.submission(monitor, regency["kotor"], score=40, photo=True)
    with app.app_context():
        att = db.session.query(Attachment).filter_by(uuid=check.photo_uuid).one()
        att.state = "received"
        db.session.commit()
    assert login_as("bappeda").get(f"/foto/{check.photo_uuid}/thumb").status_code == 404


def test_the_kecamatan_summary_gives_average_checked_and_trend(login_as, regency, map_builder):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).user
    # This period (last 30 days) against the 30 days before: 60 → 80 is a rise of 20 points.
    map_builder.submission(monitor, regency["bersih"], score=80, recorded_at=days_ago(2))
    map_builder.submission(monitor, regency["bersih"], score=60, recorded_at=days_ago(40))
    map_builder.submission(monitor, regency["kotor"], score=10, recorded_at=days_ago(3), review_state="rejected")
    bappeda = login_as("bappeda")
    body = bappeda.get("/api/v1/map/kecamatan-summary").json
    by_code = {f["properties"]["code"]: f for f in body["features"]}
    assert len(by_code) == 11
    kota_manna = by_code[factories.KOTA_MANNA]["properties"]
    # Five sites; four scored (90, 70, 40, 85) → mean 71.25; checked in the last 30 days: four.
    assert kota_manna["sites"] == 5
    assert kota_manna["avg"] == pytest.approx(71.2, abs=0.1)
    assert kota_manna["band"] == "cukup"
    assert kota_manna["checked"] == 4
    assert kota_manna["bands"] == {"bersih": 2, "cukup": 1, "kotor": 1, "belum": 1}
    assert kota_manna["trend"] == pytest.approx(20)
    # Without imported boundaries a kecamatan sits at the centre of its sites.
    assert kota_manna["shape"] == "centroid"
    assert by_code[factories.KOTA_MANNA]["geometry"]["coordinates"] == pytest.approx([factories.LON, factories.LAT])
    assert by_code["17.01.01"]["geometry"] is None and by_code["17.01.01"]["properties"]["sites"] == 0


def test_the_kecamatan_summary_uses_the_boundary_when_one_was_imported(login_as, regency, app):
    from webapp.extensions import db
    from webapp.regions.models import Kecamatan

    polygon = {"type": "Polygon", "coordinates": [[[102.8, -4.5], [103.0, -4.5], [103.0, -4.4], [102.8, -4.5]]]}
    with app.app_context():
        db.session.query(Kecamatan).filter_by(code=factories.KOTA_MANNA).one().boundary = polygon
        db.session.commit()
    body = login_as("bappeda").get("/api/v1/map/kecamatan-summary").json
    feature = next(f for f in body["features"] if f["properties"]["code"] == factories.KOTA_MANNA)
    assert feature["properties"]["shape"] == "boundary"
    assert feature["geometry"] == polygon


def test_a_camat_summary_covers_their_own_kecamatan_only(login_as, regency):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    body = camat.get("/api/v1/map/kecamatan-summary").json
    assert [f["properties"]["code"] for f in body["features"]] == [factories.KOTA_MANNA]


def test_the_summary_answers_304_when_unchanged(login_as, regency):
    bappeda = login_as("bappeda")
    first = bappeda.get("/api/v1/map/kecamatan-summary")
    again = bappeda.get("/api/v1/map/kecamatan-summary", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_changed_map_is_built_again(login_as, regency, map_builder):
    bappeda = login_as("bappeda")
    before = ids_of(bappeda.get(LIST, headers={"Accept-Encoding": "gzip"}))
    extra = map_builder.site(name="Lokasi Baru", geber_score=77, geber_at=days_ago(0))
    after = ids_of(bappeda.get(LIST, headers={"Accept-Encoding": "gzip"}))
    assert after == before | {str(extra.uuid)}


def test_an_empty_map_is_a_valid_empty_list(login_as):
    bappeda = login_as("bappeda")
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        body = geojson_of(bappeda.get(LIST, headers=headers))
        assert body["sites"] == [] and body["count"] == 0


def test_the_geojson_of_every_site_is_gone(login_as):
    """The map asks for groups and a list page; nothing sends every site as a feature any more."""
    assert login_as("bappeda").get(SITES).status_code in (404, 405)
