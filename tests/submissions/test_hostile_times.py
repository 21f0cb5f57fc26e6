"""Times at the ends of the calendar: refused per item at intake, and harmless where they are already stored."""
import csv
import io
import json
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from tests import factories
from tests.factories import geber_item
from webapp.extensions import db
from webapp.forms.services import find_version
from webapp.reports import exports
from webapp.sites.models import SiteStatus
from webapp.submissions.models import Submission
from webapp.submissions.site_status import refresh_site_status

URL = "/api/v1/submissions/batch"
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
FAR_PAST = datetime(1, 1, 1, 0, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


@pytest.fixture
def site(make_site):
    return make_site(factories.KOTA_MANNA, name="SD Negeri 3 Manna")


@pytest.mark.parametrize("recorded_at", [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2019-12-31T23:59:59+00:00",
    (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(),
])
def test_a_recorded_at_outside_the_sane_window_is_rejected_per_item_with_a_field_error(app, monitor, site, recorded_at):
    good = geber_item(site.uuid)
    bad = geber_item(site.uuid, recorded_at=recorded_at)
    response = monitor.post(URL, json={"submissions": [bad, good]})
    assert response.status_code == 200, response.text
    rejected, created = response.json["results"]
    assert created["status"] == "created"
    assert rejected["status"] == "rejected" and rejected["uuid"] == bad["uuid"]
    assert list(rejected["errors"]) == ["recorded_at"]
    assert "2020" in rejected["errors"]["recorded_at"][0]
    with app.app_context():
        assert db.session.scalar(select(Submission.uuid)) == uuidlib.UUID(good["uuid"])


def test_a_time_a_few_hours_ahead_of_the_server_clock_is_still_accepted(monitor, site):
    ahead = (datetime.now(timezone.utc) + timedelta(hours=20)).isoformat()
    response = monitor.post(URL, json={"submissions": [geber_item(site.uuid, recorded_at=ahead)]})
    assert response.json["results"][0]["status"] == "created"


def test_the_window_is_configurable(app, monitor, site):
    app.config["RECORDED_AT_EARLIEST"] = "2024-06-01"
    try:
        item = geber_item(site.uuid, recorded_at="2024-05-31T12:00:00+00:00")
        result = monitor.post(URL, json={"submissions": [item]}).json["results"][0]
    finally:
        app.config["RECORDED_AT_EARLIEST"] = "2020-01-01"
    assert result["status"] == "rejected" and "2024" in result["errors"]["recorded_at"][0]


@pytest.fixture
def stored_bad_times(app, monitor, site, login_as):
    """Rows stored before the window existed: one at the end of the calendar, one at its start, one fine."""
    items = [geber_item(site.uuid) for _ in range(3)]
    assert [r["status"] for r in monitor.post(URL, json={"submissions": items}).json["results"]] == ["created"] * 3
    with app.app_context():
        for item, moment, state in ((items[0], FAR_FUTURE, "approved"), (items[1], FAR_PAST, "approved")):
            db.session.execute(update(Submission).where(Submission.uuid == uuidlib.UUID(item["uuid"]))
                               .values(recorded_at=moment, review_state=state, received_at=moment))
        db.session.commit()
        refresh_site_status(db.session.scalar(select(Submission.site_id)))
        db.session.commit()
    return items


def _pages(site, items):
    return ["/kiriman-saya"] + [f"/tinjauan/{i['uuid']}" for i in items] + [f"/lokasi/{site.uuid}", "/tinjauan",
                                                                             "/beranda", "/peta"]


def test_pages_with_times_at_the_ends_of_the_calendar_still_answer(app, monitor, site, stored_bad_times, login_as, client):
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    bappeda = login_as("bappeda")
    for url in _pages(site, stored_bad_times):
        for who in (camat, bappeda):
            response = who.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
    assert monitor.get("/kiriman-saya").status_code == 200
    assert monitor.get("/api/v1/submissions?mine=true").status_code == 200
    for url in (f"/api/v1/submissions/{stored_bad_times[0]['uuid']}", "/api/v1/map/list",
                f"/api/v1/map/sites/{site.uuid}", "/api/v1/map/kecamatan-summary"):
        assert bappeda.get(url).status_code in (200, 404, 405), url
    for url in ("/publik", "/api/v1/public/list", f"/api/v1/public/sites/{site.uuid}", "/api/v1/public/kecamatan-summary"):
        assert client.get(url).status_code == 200, url


def test_exports_with_times_at_the_ends_of_the_calendar_are_written(app, stored_bad_times, tmp_path):
    with app.app_context():
        user = factories.make_user("bappeda")
        params = {"form_version_id": find_version("geber_cek", 1).id}
        assert exports.write_submissions_csv(tmp_path / "out.csv", user, params) == 3
        assert exports.write_submissions_xlsx(tmp_path / "out.xlsx", user, params) == 3
        exports.write_sites_geojson(tmp_path / "sites.geojson", user, {})
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"))))
    assert len(rows) == 4
    assert load_workbook(tmp_path / "out.xlsx").active.max_row == 4
    assert json.loads((tmp_path / "sites.geojson").read_text())["features"]


def test_the_latest_status_of_a_site_ignores_checks_recorded_in_the_future(app, site, stored_bad_times):
    with app.app_context():
        status = db.session.get(SiteStatus, db.session.scalar(select(Submission.site_id)))
        assert status.geber_at < datetime.now(timezone.utc) + timedelta(days=1)
        assert status.approved_at.year == 1  # the approved check from the past, not the one from year 9999
        geber = db.session.get(Submission, status.geber_submission_id)
        assert str(geber.uuid) == stored_bad_times[2]["uuid"]


def test_the_repair_command_puts_stored_times_outside_the_window_back_to_their_arrival(app, runner, stored_bad_times):
    with app.app_context():
        good_received = db.session.scalar(select(Submission.received_at).where(
            Submission.uuid == uuidlib.UUID(stored_bad_times[2]["uuid"])))
        db.session.execute(update(Submission).values(received_at=good_received))
        db.session.commit()
    result = runner.invoke(args=["repair-times"])
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    with app.app_context():
        times = db.session.scalars(select(Submission.recorded_at)).all()
        assert all(datetime(2020, 1, 1, tzinfo=timezone.utc) <= t <= datetime.now(timezone.utc) for t in times)
        flags = {str(s.uuid): s.flags for s in db.session.scalars(select(Submission))}
        assert "recorded_at_repaired" in flags[stored_bad_times[0]["uuid"]]
        assert "recorded_at_repaired" not in flags[stored_bad_times[2]["uuid"]]
    again = runner.invoke(args=["repair-times"])
    assert again.exit_code == 0 and "0" in again.output


@pytest.mark.parametrize("moment", [
    datetime.fromisoformat("9999-12-31T23:59:59-12:00"), datetime.fromisoformat("0001-01-01T00:00:00+14:00"),
    datetime.fromisoformat("9999-12-31T23:59:59+00:00"),
])
def test_binding_a_time_at_the_ends_of_the_calendar_never_overflows(moment):
    from sqlalchemy.dialects import postgresql, sqlite

    from webapp.types import UTCDateTime

    for dialect in (sqlite.dialect(), postgresql.dialect()):
        bound = UTCDateTime().process_bind_param(moment, dialect)
        assert 1 <= bound.year <= 9999
