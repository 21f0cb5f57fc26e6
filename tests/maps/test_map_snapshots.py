"""The map's prebuilt data: the positions file and the status array per scope, their version, the
304 that costs one query, the deltas, and the server's clusters and list, each within the scope."""
import gzip
import json

import pytest
from sqlalchemy import event, select

from tests import factories
from tests.factories import days_ago
from tests.helpers import geojson_of
from webapp.extensions import db
from webapp.maps import snapshots
from webapp.maps.models import MapSnapshot

MANIFEST = "/api/v1/map/manifest"
STATUS = "/api/v1/map/status"
CLUSTERS = "/api/v1/map/clusters"
LIST = "/api/v1/map/list"
GZ = {"Accept-Encoding": "gzip"}


@pytest.fixture
def spread(map_builder, make_kegiatan):
    """Twelve sites in Kota Manna on a line, three in Pino; one of Pino tied to a DLH kegiatan."""
    manna = [map_builder.site(name=f"Manna {n}", lat=-4.40 - n * 0.01, lon=102.90 + n * 0.01,
                              geber_score=30 + n * 5, geber_at=days_ago(n % 5 + 1)) for n in range(12)]
    pino = [map_builder.site(factories.PINO, name=f"Pino {n}", lat=-4.30, lon=103.0 + n * 0.001,
                             geber_score=50, geber_at=days_ago(1), monev_status="late", monev_at=days_ago(1))
            for n in range(3)]

    class Ref:
        id = pino[0].id

    make_kegiatan("DLH", sites=[Ref])
    return {"manna": manna, "pino": pino}


def _manifest(client):
    response = client.get(MANIFEST)
    assert response.status_code == 200
    return response


def _positions(client):
    """The positions file as the client decodes it (names whole again, coordinates in degrees)."""
    return snapshots.decode_positions(geojson_of(client.get(_manifest(client).json["sites_url"])))


def test_the_positions_file_holds_the_scopes_sites_in_id_order_compactly(login_as, spread):
    bappeda = login_as("bappeda")
    manifest = _manifest(bappeda).json
    response = bappeda.get(manifest["sites_url"], headers=GZ)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    assert manifest["sites"] in manifest["sites_url"]
    body = geojson_of(response)
    ids, at = [], 0
    for step in body["id"]:
        at += step
        ids.append(at)
    expected = [s.id for s in spread["manna"] + spread["pino"]]
    assert ids == sorted(expected) and body["count"] == 15
    # Coordinates: whole metres (1e-5 degree) from the scope's south-west corner, never negative.
    assert min(body["lat"]) == 0 == min(body["lon"]) and all(isinstance(v, int) for v in body["lat"] + body["lon"])
    lats = [(body["lat0"] + v) / 100_000 for v in body["lat"]]
    assert lats[0] == pytest.approx(-4.40) and lats[11] == pytest.approx(-4.51)
    decoded = snapshots.decode_positions(body)
    assert decoded["names"][:2] == ["Manna 0", "Manna 1"] and decoded["ids"] == ids
    assert decoded["lat"][11] == pytest.approx(-4.51)
    assert [body["kecamatan"][c][0] for c in decoded["kecamatan_of"]].count(factories.PINO) == 3
    # A site's kecamatan is sent once per desa, not per site.
    assert "c" not in body and len(body["places"]) <= len(body["desa"])
    assert body["opd"] == {"DLH": [12]}


def test_names_are_sent_without_their_kinds_beginning_and_their_desa(app):
    names = ["SD Negeri 1 Sukamaju", "SD Negeri 2 Cibodas", "Kantor Desa Sukamaju", "Pasar ~ Lama"]
    kinds = {"sekolah": 0, "kantor": 1, "pasar": 2}
    desa = ["Sukamaju", "Cibodas", "Sukamaju", "Cibodas"]
    rests, prefixes, marker = snapshots.factor_names(names, ["sekolah", "sekolah", "kantor", "pasar"], desa, kinds)
    assert marker == "^", "a marker no name holds"
    assert prefixes == ["SD Negeri ", "Kantor Desa ^", "Pasar ~ Lama"]
    assert rests == ["1 ^", "2 ^", "", ""]
    body = {"lat0": 0, "lon0": 0, "lat": [0] * 4, "lon": [0] * 4, "id": [1] * 4, "n": rests, "np": prefixes,
            "dm": marker, "k": [0, 0, 1, 2], "kinds": list(kinds), "p": [0, 1, 0, 1], "places": [[0, 0], [1, 0]],
            "desa": [["1", "Sukamaju"], ["2", "Cibodas"]], "kecamatan": [["K", "Kec"]], "opd": {}}
    assert snapshots.decode_positions(body)["names"] == names


def test_the_status_array_sends_times_as_minutes_before_the_end_of_its_window(app):
    window = snapshots.TIME_WINDOW
    t0 = snapshots.time_base([None, 5 * window + 100, 3 * window])
    assert t0 == 6 * window
    assert snapshots.time_base([6 * window]) == 7 * window, "t0 lies after every time"
    assert snapshots.time_base([7 * window], previous=t0) == t0, "kept while the newest is a window past it at most"
    assert snapshots.time_base([7 * window + 1], previous=t0) == 8 * window
    assert snapshots._minutes(t0 + 120, t0) == -2
    assert [snapshots._minutes(t, t0) for t in (t0 - 180, t0 - 179, t0 - 121, None)] == [3, 3, 3, None]
    decoded = snapshots.decode_status({"t0": t0, "s": [10, None], "t": [3, None], "mt": [None, 1]})
    assert decoded["t"] == [t0 - 180, None] and decoded["mt"] == [None, t0 - 60]


def test_the_status_array_is_aligned_with_the_positions_file(login_as, spread):
    bappeda = login_as("bappeda")
    status = geojson_of(bappeda.get(STATUS))
    assert status["sites"] == _manifest(bappeda).json["sites"]
    assert status["s"][:3] == [30, 35, 40]
    assert status["m"][12:] == ["late"] * 3 and status["m"][0] is None
    # Whole minutes before `t0`: what the map shows.
    assert all(isinstance(t, int) and t >= 0 for t in status["t"] if t is not None)
    assert 0 <= days_ago(1).timestamp() - (status["t0"] - status["t"][0] * 60) < 60


def test_an_unchanged_map_costs_a_304_after_one_small_query_and_never_reads_the_site_table(app, login_as, spread):
    from webapp.extensions import db

    bappeda = login_as("bappeda")
    etag = _manifest(bappeda).headers["ETag"]
    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for url in (MANIFEST, STATUS):
            statements.clear()
            url_etag = bappeda.get(url).headers["ETag"]
            statements.clear()
            again = bappeda.get(url, headers={"If-None-Match": url_etag if url == STATUS else etag})
            assert again.status_code == 304
            # The session's own user look-up, then the snapshot state: nothing else.
            mine = [s for s in statements if "FROM user" not in s.replace('"', "")]
            assert len(mine) == 1, statements
            assert "map_snapshot" in mine[0] and " site " not in mine[0] and "site_status" not in mine[0]
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_status_change_bumps_the_version_and_a_client_gets_only_the_delta(login_as, spread, map_builder):
    bappeda = login_as("bappeda")
    first = _manifest(bappeda)
    version = first.json["version"]
    map_builder.set_status(spread["manna"][3].id, geber_score=99, geber_at=days_ago(0))
    again = bappeda.get(MANIFEST, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.json["version"] == version + 1
    assert again.json["sites_url"] == first.json["sites_url"], "the positions did not change"
    delta = geojson_of(bappeda.get(f"{STATUS}?since={version}"))
    assert delta["since"] == version and delta["version"] == version + 1
    assert [change[:2] for change in delta["changes"]] == [[3, 99]]
    nothing = geojson_of(bappeda.get(f"{STATUS}?since={version + 1}"))
    assert nothing["changes"] == []


def test_a_step_that_moves_t0_keeps_no_delta_and_the_client_gets_the_whole_array(login_as, spread, map_builder):
    from datetime import timedelta

    bappeda = login_as("bappeda")
    first = geojson_of(bappeda.get(STATUS))
    later = days_ago(0) + timedelta(days=70)
    map_builder.set_status(spread["manna"][3].id, geber_score=99, geber_at=later)
    whole = geojson_of(bappeda.get(f"{STATUS}?since={first['version']}"))
    assert "changes" not in whole and whole["version"] == first["version"] + 1
    assert whole["t0"] > first["t0"] and whole["t"][3] >= 0
    assert 0 <= later.timestamp() - (whole["t0"] - whole["t"][3] * 60) < 60


def test_a_new_site_changes_the_positions_file_and_its_address(login_as, spread, map_builder):
    bappeda = login_as("bappeda")
    before = _manifest(bappeda).json["sites_url"]
    map_builder.site(name="Baru")
    after = _manifest(bappeda).json["sites_url"]
    assert after != before
    assert bappeda.get(before).status_code == 404, "an outdated file is not kept"
    assert "Baru" in _positions(bappeda)["names"]


def test_the_site_status_refresh_bumps_the_generation(app, login_as, spread, map_builder, make_user):
    """The refresh writes with Core statements (no ORM flush): its signal keeps the map current."""
    from webapp.extensions import db
    from webapp.submissions.site_status import refresh_site_status

    bappeda = login_as("bappeda")
    version = _manifest(bappeda).json["version"]
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = spread["manna"][0]
    map_builder.submission(monitor, site, score=5.0, recorded_at=days_ago(0))
    with app.app_context():
        refresh_site_status(site.id)
        db.session.commit()
    manifest = _manifest(bappeda).json
    assert manifest["version"] > version
    assert geojson_of(bappeda.get(STATUS))["s"][0] == 5


def test_clusters_add_up_to_the_sites_that_pass_the_filters_at_every_zoom(login_as, spread):
    bappeda = login_as("bappeda")
    for zoom in range(0, 19, 2):
        body = bappeda.get(f"{CLUSTERS}?z={zoom}").json
        assert sum(c["n"] for c in body["clusters"]) + len(body["sites"]) == 15 == body["count"], zoom
    far = bappeda.get(f"{CLUSTERS}?z=5").json
    assert len(far["clusters"]) == 1 and far["clusters"][0]["bad"] == 9  # Manna 30..55 and Pino 50 are kotor
    near = bappeda.get(f"{CLUSTERS}?z=18").json
    assert not near["clusters"] and {s["n"] for s in near["sites"]} >= {"Manna 0", "Pino 2"}
    filtered = bappeda.get(f"{CLUSTERS}?z=18&kecamatan={factories.PINO}").json
    assert filtered["count"] == 3 and {s["n"] for s in filtered["sites"]} == {"Pino 0", "Pino 1", "Pino 2"}
    monev = bappeda.get(f"{CLUSTERS}?z=18&layer=monev").json
    assert [s["n"] for s in monev["sites"]] == ["Pino 0"] and monev["sites"][0]["m"] == "late"


def test_the_visible_box_keeps_only_the_groups_inside_it(login_as, spread):
    bappeda = login_as("bappeda")
    body = bappeda.get(f"{CLUSTERS}?z=18&bbox=-4.305,102.99,-4.295,103.01").json
    assert {s["n"] for s in body["sites"]} == {"Pino 0", "Pino 1", "Pino 2"}
    assert body["count"] == 15, "the count is of the whole filtered map"


def test_the_list_is_worst_first_a_page_at_a_time(login_as, spread):
    bappeda = login_as("bappeda")
    first = bappeda.get(f"{LIST}?limit=5").json
    assert first["count"] == 15
    assert [s["n"] for s in first["sites"]] == ["Manna 0", "Manna 1", "Manna 2", "Manna 3", "Manna 4"]
    rest = bappeda.get(f"{LIST}?offset=5&limit=100").json
    assert len(rest["sites"]) == 10 and rest["sites"][-1]["n"] == "Manna 11"  # 85: bersih, last
    assert first["bounds"] == pytest.approx([-4.51, 102.90, -4.30, 103.01])


def test_a_camat_never_sees_another_kecamatan_in_files_arrays_clusters_list_or_popups(login_as, spread):
    bappeda = login_as("bappeda")
    regency_file = _manifest(bappeda).json["sites_url"]
    camat = login_as("camat", kecamatan_code=factories.PINO)
    manifest = _manifest(camat).json
    assert manifest["sites_url"] != regency_file
    assert camat.get(regency_file).status_code == 404
    positions = _positions(camat)
    assert positions["names"] == ["Pino 0", "Pino 1", "Pino 2"]
    assert len(geojson_of(camat.get(STATUS))["s"]) == 3
    for zoom in (3, 10, 18):
        body = camat.get(f"{CLUSTERS}?z={zoom}").json
        assert sum(c["n"] for c in body["clusters"]) + len(body["sites"]) == 3
    # Asking for another kecamatan's sites by filter gives nothing.
    assert camat.get(f"{CLUSTERS}?z=18&kecamatan={factories.KOTA_MANNA}").json["sites"] == []
    assert {s["n"] for s in camat.get(LIST).json["sites"]} == {"Pino 0", "Pino 1", "Pino 2"}
    assert camat.get(f"/api/v1/map/sites/{spread['manna'][0].uuid}").status_code == 404


def test_an_opd_user_gets_the_sites_of_its_kegiatan_only(login_as, spread):
    opd = login_as("opd", opd_code="DLH")
    assert _positions(opd)["names"] == ["Pino 0"]
    assert [s["n"] for s in opd.get(LIST).json["sites"]] == ["Pino 0"]


def test_the_public_files_hold_approved_scores_only(client, map_builder, spread):
    map_builder.set_status(spread["manna"][5].id, approved_score=88, approved_at=days_ago(3))
    manifest = client.get("/api/v1/public/manifest").json
    positions = snapshots.decode_positions(geojson_of(client.get(manifest["sites_url"])))
    assert positions["names"] == ["Manna 5"]
    status = geojson_of(client.get(manifest["status_url"]))
    assert status["s"] == [88] and "m" not in status and "f" not in status
    listed = client.get("/api/v1/public/list").json
    assert [s["n"] for s in listed["sites"]] == ["Manna 5"] and 0 <= days_ago(3).timestamp() - listed["latest"] < 60
    assert client.get("/api/v1/public/clusters?z=18").json["count"] == 1


def test_two_processes_share_one_build(app, login_as, spread, monkeypatch):
    """A second process (its decoded cache empty) serves the stored files without building them again."""
    from webapp.maps import snapshots

    bappeda = login_as("bappeda")
    first = bappeda.get(f"{CLUSTERS}?z=10").get_data()
    snapshots.clear_decoded()

    def fail(*args, **kwargs):
        raise AssertionError("built again although nothing changed")

    monkeypatch.setattr(snapshots, "build_positions", fail)
    monkeypatch.setattr(snapshots, "build_status", fail)
    assert bappeda.get(f"{CLUSTERS}?z=10").get_data() == first


def test_a_process_reads_the_site_orders_the_job_stored_instead_of_sorting(app, login_as, spread, monkeypatch):
    """Sorting a scope's sites is the job's: a process decoding the files reads both orders back and
    answers exactly what it answered when it sorted them itself."""
    from webapp.maps import clusters, site_order

    bappeda = login_as("bappeda")
    views = (f"{CLUSTERS}?z=13", f"{CLUSTERS}?z=18&kecamatan={factories.KOTA_MANNA}", f"{LIST}?limit=100")
    with app.app_context():
        stored = db.session.scalar(select(MapSnapshot.sites_order).where(MapSnapshot.scope == "regency"))
    sorted_here = [bappeda.get(view).get_data() for view in views]  # the first reader built the files
    assert stored is None
    with app.app_context():
        stored = db.session.scalar(select(MapSnapshot.sites_order).where(MapSnapshot.scope == "regency"))
        decoded = snapshots.decode_positions(geojson_of(bappeda.get(_manifest(bappeda).json["sites_url"])))
    orders = site_order.unpack(stored, 15)
    assert list(orders["zorder"][0]) == list(site_order.zorder(decoded["lat"], decoded["lon"])[0])
    assert [decoded["names"][i] for i in orders["name_order"]] == sorted(decoded["names"], key=str.casefold)

    snapshots.clear_decoded()

    def fail(*args, **kwargs):
        raise AssertionError("sorted again in the web process")

    monkeypatch.setattr(site_order, "zorder", fail)
    monkeypatch.setattr(site_order, "name_order", fail)
    assert [bappeda.get(view).get_data() for view in views] == sorted_here
    assert clusters.site_order is site_order


def test_site_orders_of_another_layout_or_count_are_ignored():
    from webapp.maps import site_order

    packed = site_order.pack([-4.4, -4.5], [102.9, 103.0], ["b", "A"])
    assert list(site_order.unpack(packed, 2)["name_order"]) == [1, 0]
    assert site_order.unpack(packed, 3) == {} and site_order.unpack(None, 2) == {}


def test_the_status_array_and_delta_builders():
    from webapp.maps.snapshots import site_ids_of, status_changes

    old = {"version": 3, "s": [10, 20, None], "t": [1, 2, None]}
    new = {"s": [10, 25, 70], "t": [1, 2, 9]}
    assert status_changes(old, new) == [[1, 25, 2], [2, 70, 9]]
    assert site_ids_of({"id": [4, 1, 10]}) == [4, 5, 15]


def test_after_a_refresh_a_worker_builds_the_regency_files_before_anyone_reads_them(
        app, redis_url, run_jobs, map_builder, make_user):
    from webapp.extensions import db
    from webapp.maps.models import MapGeneration, MapSnapshot
    from webapp.submissions.site_status import refresh_site_status

    if not redis_url:
        pytest.skip("jobs run inline in this run (the first reader rebuilds); the rq path runs when TEST_REDIS_URL is set")
    site = map_builder.site(name="Dicek")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    map_builder.submission(monitor, site, score=20.0, recorded_at=days_ago(0))
    with app.app_context():
        refresh_site_status(site.id)
        db.session.commit()
    run_jobs()
    with app.app_context():
        snapshot = db.session.get(MapSnapshot, "regency")
        assert snapshot is not None
        assert snapshot.generation == db.session.get(MapGeneration, 1).value
        assert json.loads(gzip.decompress(snapshot.status_gz))["s"] == [20]


def test_the_job_builds_the_first_views_ahead_and_every_process_serves_them_as_stored(app, login_as, spread, monkeypatch):
    from webapp.maps import clusters, snapshots
    from webapp.maps.tasks import rebuild_snapshots_job

    bappeda = login_as("bappeda")
    with app.app_context():
        rebuild_snapshots_job.run_inline(["regency"])
    snapshots.clear_decoded()
    computed = []
    for name in ("clusters", "site_list"):
        original = getattr(clusters, name)
        monkeypatch.setattr(clusters, name, lambda *a, _f=original, **k: computed.append(a[1]) or _f(*a, **k))
    for zoom in (6, 9, 12):
        body = bappeda.get(f"{CLUSTERS}?z={zoom}&bbox=-4.5,102.9,-4.4,103.0").json
        assert body["count"] == 15 and sum(c["n"] for c in body["clusters"]) + len(body["sites"]) == 15
    assert bappeda.get(LIST).json["count"] == 15
    assert computed == [], "built ahead: served as stored"
    # A filtered view is computed on demand.
    assert bappeda.get(f"{CLUSTERS}?z=9&kecamatan={factories.PINO}").json["count"] == 3
    assert [f.kecamatan for f in computed] == [factories.PINO]


def test_up_to_zoom_12_the_whole_scope_is_sent_whatever_the_box(login_as, spread):
    bappeda = login_as("bappeda")
    narrow = bappeda.get(f"{CLUSTERS}?z=12&bbox=-4.305,102.99,-4.295,103.01")
    wide = bappeda.get(f"{CLUSTERS}?z=12")
    assert narrow.json == wide.json and narrow.headers["ETag"] == wide.headers["ETag"]
    assert sum(c["n"] for c in narrow.json["clusters"]) + len(narrow.json["sites"]) == 15


def _grid_clusters(data, zoom, box):
    """The groups of the map as a plain grid computes them, site by site (the reference)."""
    import math

    from webapp.maps import clusters

    cells = clusters.TILE_PX * 2 ** zoom / clusters.CELL_PX
    x0, y0, x1, y1 = clusters._cell_range(box, zoom) if box else (-1, -1, math.inf, math.inf)
    grid = {}
    for i, (lat, lon) in enumerate(zip(data.lat, data.lon)):
        sin = math.sin(math.radians(lat))
        cell = (int((lon + 180) / 360 * cells), int((0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * cells))
        if x0 <= cell[0] <= x1 and y0 <= cell[1] <= y1:
            grid.setdefault(cell, []).append(i)
    cls = clusters.classes(data, "geber")
    return sorted((len(m), sum(cls[i] == "kotor" for i in m), min(data.lat[i] for i in m), min(data.lon[i] for i in m),
                   max(data.lat[i] for i in m), max(data.lon[i] for i in m), sum(data.lat[i] for i in m) / len(m))
                  for m in grid.values())


def test_groups_from_the_z_order_index_are_the_groups_of_a_plain_grid_at_every_zoom_and_box(monkeypatch):
    import random
    from collections import OrderedDict

    from webapp.maps import clusters
    from webapp.maps.services import MapFilters

    rng = random.Random(5)
    n = 2000
    data = snapshots.MapData(
        scope="x", ids=list(range(1, n + 1)), lat=[rng.randrange(-490000, -410000) / 1e5 for _ in range(n)],
        lon=[rng.randrange(10250000, 10340000) / 1e5 for _ in range(n)], names=[f"S {i}" for i in range(n)],
        kinds=["tps"], kind=[0] * n, desa=[["1", "D"]], desa_of=[0] * n, kecamatan=[["1", "K"]], kecamatan_of=[0] * n,
        opd={}, status={"s": [rng.choice((None, 20, 70, 90)) for _ in range(n)], "t": [None] * n},
        memo=OrderedDict(), positions_memo={})
    position = {name: i for i, name in enumerate(data.names)}
    monkeypatch.setattr(clusters, "_uuids", lambda data, positions: {})
    boxes = (None, clusters.Box(-4.6, 102.7, -4.3, 103.0), clusters.Box(-4.52, 102.81, -4.50, 102.83))
    for zoom in range(0, 17):
        for box in boxes:
            body = clusters.clusters(data, MapFilters(), zoom, box)
            groups = [json.loads(text) for text in body["clusters"]]
            got = sorted((g["n"], g["bad"], *g["bounds"], g["lat"]) for g in groups)
            singles = [position[site["n"]] for site in body["sites"]]
            got += [(1, int(clusters.band(data.status["s"][i]) == "kotor"), data.lat[i], data.lon[i], data.lat[i],
                     data.lon[i], data.lat[i]) for i in singles]
            expected = _grid_clusters(data, zoom, box)
            assert [row[:6] for row in sorted(got)] == [row[:6] for row in expected], (zoom, box)
            assert [row[6] for row in sorted(got)] == pytest.approx([row[6] for row in expected], abs=1.1e-5)


def test_a_worker_holding_an_earlier_status_moves_it_on_by_the_deltas(app, login_as, spread, map_builder, monkeypatch):
    from webapp.maps import clusters

    bappeda = login_as("bappeda")
    bappeda.get(f"{CLUSTERS}?z=13&kecamatan={factories.KOTA_MANNA}")  # this worker now holds the status decoded
    map_builder.set_status(spread["manna"][3].id, geber_score=99, geber_at=days_ago(0))
    map_builder.set_status(spread["manna"][5].id, geber_score=None, geber_at=None)
    decoded = []
    original = snapshots.decode_status
    monkeypatch.setattr(snapshots, "decode_status", lambda status: decoded.append(1) or original(status))
    moved_on = bappeda.get(f"{LIST}?limit=50").json  # a view not built ahead: computed from the files
    assert decoded == [], "the held copy was patched, not decoded again"
    snapshots.clear_decoded()
    fresh = bappeda.get(f"{LIST}?limit=50").json
    assert decoded == [1]
    assert moved_on == fresh
    assert [s.get("s") for s in fresh["sites"] if s["n"] in ("Manna 3", "Manna 5")] == [99, None]
    with app.test_request_context():
        state = snapshots.current_state("regency")
        patched = snapshots.map_data(state)
    assert patched.status["s"][3] == 99 and clusters.classes(patched, "geber")[3] == "bersih"


def test_a_build_made_on_an_array_no_longer_stored_is_dropped_with_its_delta(app, spread, map_builder, monkeypatch):
    """Two processes rebuilt at once: each stored delta must lead from one stored array to the next."""
    from webapp.extensions import db
    from webapp.maps.models import MapSnapshot, MapStatusDelta

    with app.app_context():
        snapshots.rebuild("regency")
        stale = db.session.get(MapSnapshot, "regency")
        db.session.expunge(stale)
    map_builder.set_status(spread["manna"][1].id, geber_score=95, geber_at=days_ago(0))
    with app.app_context():
        winner = snapshots.rebuild("regency")
    map_builder.set_status(spread["manna"][2].id, geber_score=96, geber_at=days_ago(0))
    with app.app_context():
        # This process read the snapshot before the winner stored its build.
        monkeypatch.setattr(db.session, "get", lambda model, key: db.session.merge(stale, load=False))
        state = snapshots.rebuild("regency")
        monkeypatch.undo()
        deltas = db.session.query(MapStatusDelta.version, MapStatusDelta.sites_hash).filter_by(scope="regency").all()
        stored = db.session.get(MapSnapshot, "regency")
    assert (state.status_version, state.status_hash) == (winner.status_version, winner.status_hash)
    assert (stored.status_version, stored.status_hash) == (winner.status_version, winner.status_hash)
    assert deltas == [(winner.status_version, winner.status_hash)], "the delta leads to the stored array"
