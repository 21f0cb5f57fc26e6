"""The "Aksi GEBER" map layer: clean-up actions in the user's scope, with their figures, no names."""
from datetime import timedelta

from tests import factories
from tests.factories import NOW, add_site, add_submission
from tests.geber.test_aksi_totals import aksi_answers
from tests.helpers import geojson_of

AKSI = "/api/v1/map/aksi"


def _actions(app, make_user):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    pino_monitor = make_user("monitor", kecamatan_code=factories.PINO)
    manna = add_site(app, factories.KOTA_MANNA, name="Pasar Manna")
    made = {
        "manna": add_submission(app, monitor, manna, form="geber_aksi", review_state="approved",
                                recorded_at=NOW - timedelta(days=2),
                                answers=aksi_answers(40, 120.5, 12, ("DLH", "PUPR"), "SDN 3 Manna")),
        # No site: it belongs to the kecamatan of the monitor who recorded it.
        "pino": add_submission(app, pino_monitor, None, form="geber_aksi", recorded_at=NOW - timedelta(days=40),
                               answers=aksi_answers(10, 30, 2)),
        "rejected": add_submission(app, monitor, manna, form="geber_aksi", review_state="rejected",
                                   answers=aksi_answers(999, 999)),
        "check": add_submission(app, monitor, manna, score=80.0),
    }
    return made


def _by_id(response):
    return {f["properties"]["id"]: f for f in geojson_of(response)["features"]}


def test_a_regency_wide_user_sees_every_counted_action_with_its_figures(app, make_user, login_as):
    made = _actions(app, make_user)
    response = login_as("bappeda").get(AKSI)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    features = _by_id(response)
    assert set(features) == {str(made["manna"].uuid), str(made["pino"].uuid)}  # not the rejected one, not the check
    manna = features[str(made["manna"].uuid)]
    assert manna["geometry"] == {"type": "Point", "coordinates": [factories.LON, factories.LAT]}
    assert manna["properties"] == {
        "id": str(made["manna"].uuid), "date": "2026-11-01", "kecamatan": "Kota Manna", "participants": 40,
        "kg": 120.5, "bags": 12, "opds": ["DLH", "Dinas PUPR"], "group": "SDN 3 Manna",
    }
    assert features[str(made["pino"].uuid)]["properties"]["kecamatan"] == "Pino"
    body = response.get_data(as_text=True)
    assert "Pengguna" not in body and "monitor" not in body


def test_a_camat_sees_only_the_actions_of_their_kecamatan(app, make_user, login_as):
    made = _actions(app, make_user)
    pino = login_as("camat", kecamatan_code=factories.PINO)
    assert set(_by_id(pino.get(AKSI))) == {str(made["pino"].uuid)}
    # Asking for another kecamatan gives nothing, not that kecamatan's actions.
    assert _by_id(pino.get(AKSI, query_string={"kecamatan": factories.KOTA_MANNA})) == {}
    manna = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert set(_by_id(manna.get(AKSI))) == {str(made["manna"].uuid)}


def test_the_kecamatan_opd_and_date_filters_narrow_the_actions(app, make_user, login_as):
    made = _actions(app, make_user)
    client = login_as("bappeda")
    assert set(_by_id(client.get(AKSI, query_string={"kecamatan": factories.PINO}))) == {str(made["pino"].uuid)}
    assert set(_by_id(client.get(AKSI, query_string={"opd": "PUPR"}))) == {str(made["manna"].uuid)}
    recent = (NOW - timedelta(days=10)).date().isoformat()
    assert set(_by_id(client.get(AKSI, query_string={"from": recent}))) == {str(made["manna"].uuid)}


def test_an_action_without_any_location_is_counted_but_not_drawn(app, make_user, login_as):
    made = _actions(app, make_user)
    with app.app_context():
        from webapp.extensions import db
        from webapp.submissions.models import Submission
        db.session.get(Submission, made["pino"].id).lat = None
        db.session.get(Submission, made["pino"].id).lon = None
        db.session.commit()
    data = geojson_of(login_as("bappeda").get(AKSI))
    assert [f["properties"]["id"] for f in data["features"]] == [str(made["manna"].uuid)]
    assert data["meta"] == {"count": 1, "unplaced": 1}


def test_the_layer_answers_304_when_unchanged_and_is_gzipped(app, make_user, login_as):
    _actions(app, make_user)
    client = login_as("bappeda")
    first = client.get(AKSI, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["Cache-Control"] == "private, no-cache"
    assert len(geojson_of(first)["features"]) == 2
    again = client.get(AKSI, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_layer_needs_a_session(client):
    response = client.get(AKSI)
    assert response.status_code == 401


def test_the_dashboard_map_offers_the_layer_and_the_public_map_does_not(app, login_as, client):
    page = login_as("bappeda").get("/peta?aksi=1").get_data(as_text=True)
    assert 'name="aksi"' in page and "Aksi GEBER" in page and "/api/v1/map/aksi" in page
    public = client.get("/publik").get_data(as_text=True)
    assert 'name="aksi"' not in public and "/api/v1/map/aksi" not in public
