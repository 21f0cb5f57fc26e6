"""The report page and API: who may ask for what, jobs that run inline without Redis, failures with a
reason, retries, downloads and the list a user comes back to."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.reports import dataset
from tests.reports.sheets import table
from webapp.extensions import db
from webapp.forms.services import find_version
from webapp.reports import monthly
from webapp.reports.models import ReportJob


@pytest.fixture(autouse=True)
def inline_jobs(app, monkeypatch):
    """These tests are about the embedded default: no Redis, jobs run inside the request."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _form_post(api, data: dict):
    page = api.get("/laporan")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return api.client.post("/laporan", data={"csrf_token": token, **data})


def _jobs(app):
    with app.app_context():
        return db.session.scalars(select(ReportJob).order_by(ReportJob.id)).all()


def test_roles_without_reports_get_403_on_the_page_and_the_api(login_as):
    api = login_as("monitor")
    assert api.get("/laporan").status_code == 403
    assert api.get("/api/v1/reports/jobs").status_code == 403
    assert api.post("/api/v1/reports/jobs", json={"kind": "sites"}).status_code == 403


def test_an_opd_gets_its_printed_reports_only(login_as):
    api = login_as("opd", opd_code="DLH")
    page = api.get("/laporan").text
    assert 'id="form-rfk"' in page and "Dinas Lingkungan Hidup" in page
    for kind in ("monthly", "geber_weekly", "submissions", "photos", "sites"):
        assert f'id="form-{kind}"' not in page
    assert api.post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-05"}).status_code == 403
    assert api.post("/api/v1/reports/jobs", json={"kind": "sites"}).status_code == 403


def test_the_api_answers_401_json_without_a_session(client):
    response = client.get("/api/v1/reports/jobs")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_bappeda_sees_every_report_form_and_a_camat_all_but_the_monthly_one(login_as):
    page = login_as("bappeda").get("/laporan").text
    for kind in ("monthly", "geber_weekly", "submissions", "photos", "sites"):
        assert f'id="form-{kind}"' in page
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/laporan").text
    assert 'id="form-monthly"' not in page
    for kind in ("geber_weekly", "submissions", "photos", "sites"):
        assert f'id="form-{kind}"' in page
    assert "Kota Manna" in page


def test_without_redis_a_monthly_report_goes_straight_to_ready_and_downloads(app, login_as):
    dataset.build(app)
    api = login_as("bappeda")
    response = _form_post(api, {"kind": "monthly", "period": "2026-05"})
    assert response.status_code == 302
    (report,) = _jobs(app)
    assert (report.state, report.progress, report.user_id) == ("ready", 100, api.user.id)
    assert report.result_name == "laporan-evaluasi-bulanan-2026-05.xlsx"
    page = api.get("/laporan").text
    assert "Laporan evaluasi bulanan Mei 2026" in page
    assert "Siap diunduh" in page
    download = api.get(f"/laporan/{report.uuid}/unduh")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "laporan-evaluasi-bulanan-2026-05.xlsx" in download.headers["Content-Disposition"]
    content = download.data
    download.close()
    wb = load_workbook(io.BytesIO(content))
    rows = {r["OPD"]: r for r in table(wb["Ringkasan OPD"])}
    assert rows["Jumlah"]["Realisasi anggaran (Rp)"] == 650_000_000


def test_the_api_queues_a_report_and_reports_its_state(app, login_as):
    api = login_as("bappeda")
    response = api.post("/api/v1/reports/jobs", json={"kind": "sites"})
    assert response.status_code == 202
    body = response.json
    assert body["state"] == "ready" and body["progress"] == 100
    assert body["title"] == "Ekspor lokasi (GeoJSON)"
    assert body["download_url"] == f"/laporan/{body['uuid']}/unduh"
    state = api.get(f"/api/v1/reports/jobs/{body['uuid']}").json
    assert state["state_label"] == "Siap diunduh"
    listing = api.get("/api/v1/reports/jobs").json["jobs"]
    assert [j["uuid"] for j in listing] == [body["uuid"]]


def test_invalid_requests_name_the_field(login_as):
    api = login_as("bappeda")
    response = api.post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-13"})
    assert response.status_code == 422
    assert "period" in response.json["errors"]
    response = api.post("/api/v1/reports/jobs", json={"kind": "photos", "start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 422
    assert response.json["errors"]["end"] == ["Tanggal akhir tidak boleh sebelum tanggal awal."]
    page = _form_post(api, {"kind": "monthly", "period": ""})
    assert page.status_code == 422
    assert "Pilih bulan laporan." in page.text


def test_a_camat_may_not_ask_for_the_monthly_report_nor_export_another_kecamatan(app, login_as):
    api = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert api.post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-05"}).status_code == 403
    with app.app_context():
        pino = factories.kecamatan(factories.PINO).id
        version = find_version("geber_cek", 1).id
    response = api.post("/api/v1/reports/jobs", json={"kind": "submissions", "form_version_id": version,
                                                      "kecamatan_id": pino})
    assert response.status_code == 403
    response = api.post("/api/v1/reports/jobs", json={"kind": "geber_weekly", "kecamatan_id": pino})
    assert response.status_code == 403
    assert _jobs(app) == []


def test_a_camat_export_through_the_page_holds_their_kecamatan_only(app, login_as):
    dataset.build(app)
    api = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        version = find_version("geber_cek", 1).id
    assert _form_post(api, {"kind": "submissions", "form_version_id": str(version), "format": "csv"}).status_code == 302
    (report,) = _jobs(app)
    assert report.params["kecamatan_id"] == factories_kecamatan_id(app, factories.KOTA_MANNA)
    download = api.get(f"/laporan/{report.uuid}/unduh")
    text = download.data.decode("utf-8-sig")
    download.close()
    assert "Kota Manna" in text and "Masjid Pino" not in text and "Pino," not in text


def factories_kecamatan_id(app, code):
    with app.app_context():
        return factories.kecamatan(code).id


def test_a_failing_job_shows_its_reason_and_can_be_retried(app, login_as, monkeypatch):
    def broken(path, period, progress=None):
        raise OSError("disk penuh")

    monkeypatch.setattr(monthly, "build", broken)
    api = login_as("bappeda")
    body = api.post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-05"}).json
    assert body["state"] == "failed"
    assert body["message"] == "Terjadi kesalahan saat membuat berkas (OSError: disk penuh)."
    assert body["can_retry"] is True and body["download_url"] is None
    page = api.get("/laporan").text
    assert "Gagal" in page and "disk penuh" in page
    assert api.get(f"/laporan/{body['uuid']}/unduh").status_code == 404

    monkeypatch.undo()
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    again = api.post(f"/api/v1/reports/jobs/{body['uuid']}/retry").json
    assert again["state"] == "ready" and again["message"] is None
    assert len(_jobs(app)) == 1


def test_a_ready_job_cannot_be_retried(login_as):
    api = login_as("bappeda")
    body = api.post("/api/v1/reports/jobs", json={"kind": "sites"}).json
    assert api.post(f"/api/v1/reports/jobs/{body['uuid']}/retry").status_code == 409


def test_running_a_ready_job_again_changes_nothing(app, login_as):
    from webapp.reports.tasks import run_report

    api = login_as("bappeda")
    body = api.post("/api/v1/reports/jobs", json={"kind": "sites"}).json
    with app.app_context():
        report = db.session.scalar(select(ReportJob))
        before = (report.finished_at, report.result_key)
        run_report(report.id)
        db.session.refresh(report)
        assert (report.finished_at, report.result_key) == before
    assert body["state"] == "ready"


def test_users_see_and_download_only_their_own_jobs(app, login_as):
    first = login_as("bappeda")
    body = first.post("/api/v1/reports/jobs", json={"kind": "sites"}).json
    other = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert other.get(f"/api/v1/reports/jobs/{body['uuid']}").status_code == 404
    assert other.get(f"/laporan/{body['uuid']}/unduh").status_code == 404
    assert other.get("/api/v1/reports/jobs").json["jobs"] == []


def test_the_list_a_user_comes_back_to_keeps_their_earlier_jobs(app, login_as, auth, client, make_user):
    user = make_user("bappeda")
    auth.login(user.username)
    from tests.helpers import ApiClient

    api = ApiClient(client)
    api.post("/api/v1/reports/jobs", json={"kind": "sites"})
    auth.logout()
    auth.login(user.username)
    page = client.get("/laporan").text
    assert "Ekspor lokasi (GeoJSON)" in page and "Siap diunduh" in page


@pytest.mark.parametrize("body", [
    {"kind": "sites", "kecamatan_id": 10**12},
    {"kind": "submissions", "form_version_id": 2**40},
    {"kind": "photos", "start": "0001-01-01", "end": "0001-01-02"},
    {"kind": "geber_weekly", "week": "9999-12-31"},
    {"kind": "laporan_lain"},
    {"kind": "monthly", "period": 202605},
])
def test_hostile_requests_get_a_422_never_a_server_error(login_as, body):
    response = login_as("bappeda").post("/api/v1/reports/jobs", json=body)
    assert response.status_code == 422, response.json


def test_a_job_stopped_by_the_rq_timeout_is_marked_failed_not_left_running(login_as, monkeypatch):
    from rq.timeouts import JobTimeoutException

    def too_slow(path, period, progress=None):
        raise JobTimeoutException("Task exceeded maximum timeout value (3600 seconds)")

    monkeypatch.setattr(monthly, "build", too_slow)
    body = login_as("bappeda").post("/api/v1/reports/jobs", json={"kind": "monthly", "period": "2026-05"}).json
    assert body["state"] == "failed"
    assert body["message"].startswith("Waktu pembuatan habis")


def test_progress_is_written_on_its_own_connection_throttled_and_never_backwards(app, login_as, monkeypatch):
    from webapp.reports import tasks

    api = login_as("bappeda")
    clock = iter([10.0, 10.1, 11.0, 12.0])
    monkeypatch.setattr(tasks.time, "monotonic", lambda: next(clock))
    with app.app_context():
        report = ReportJob(kind="sites", params={}, user_id=api.user.id, state="running")
        db.session.add(report)
        db.session.commit()
        writer = tasks._ProgressWriter(report.id)
        seen = []
        for pct in (40, 60, 30, 70):
            writer(pct)
            seen.append(db.session.scalar(select(ReportJob.progress).where(ReportJob.id == report.id)
                                          .execution_options(populate_existing=True)))
            db.session.rollback()
    # 60 comes 0.1 s after 40 (throttled); 30 would go backwards.
    assert seen == [40, 40, 40, 70]


def test_an_empty_string_in_a_json_report_request_is_refused_as_the_document_says(login_as):
    response = login_as("bappeda").post("/api/v1/reports/jobs", json={"kind": "sites", "form": ""})
    assert response.status_code == 422
    assert "form" in response.json["errors"]
