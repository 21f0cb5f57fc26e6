"""The console's sites (edit, deactivate, merge) and forms (versions, preview, publish)."""
import io
import json
import uuid

from sqlalchemy import select

from tests import factories
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.forms.services import DEFINITIONS_DIR
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Submission


def test_a_site_is_edited_and_the_change_audited(app, admin, make_site):
    site = make_site(name="SD 1 Pasar Baru")
    desa = factories.first_desa_code("17.01.03")
    response = admin.post(f"/admin/lokasi/{site.id}", {"name": "SD Negeri 1 Pasar Baru", "kind": "sekolah",
                                                       "desa": desa, "lat": "-4.38", "lon": "103.03"},
                          page=f"/admin/lokasi/{site.id}")
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Site, site.id)
        assert stored.name == "SD Negeri 1 Pasar Baru" and stored.kecamatan.code == "17.01.03"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.update"))
        assert event.before["name"] == "SD 1 Pasar Baru" and event.after["desa"] == desa


def test_an_edit_outside_the_regency_is_refused(admin, make_site):
    site = make_site()
    response = admin.post(f"/admin/lokasi/{site.id}", {"name": "X", "kind": "sekolah", "desa": "17.01.05.1009",
                                                       "lat": "1.0", "lon": "100.0"}, page=f"/admin/lokasi/{site.id}")
    assert "Koordinat di luar wilayah kabupaten." in response.text


def test_merging_a_duplicate_moves_submissions_and_status_and_loses_nothing(app, admin, login_as, make_site):
    phone = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    keep = make_site(name="TPS Pasar Baru")
    dup = make_site(name="TPS pasar baru (duplikat)")
    first = factories.geber_item(dup.uuid)
    assert phone.post("/api/v1/submissions/batch", json={"submissions": [first]}).json["results"][0]["status"] == "created"
    response = admin.post(f"/admin/lokasi/{dup.id}/gabung", {"target": str(keep.id)}, page=f"/admin/lokasi/{dup.id}")
    assert response.status_code == 302
    with app.app_context():
        moved = db.session.scalar(select(Submission).where(Submission.uuid == uuid.UUID(first["uuid"])))
        assert moved.site_id == keep.id
        assert db.session.get(SiteStatus, keep.id).geber_submission_id == moved.id
        retired = db.session.get(Site, dup.id)
        assert not retired.active and retired.merged_into_id == keep.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site.merge"))
        assert event.after == {"merged_into_id": keep.id, "submissions": 1, "followups": 0, "kegiatan": 0}
    # A phone that still knows the duplicate: its next check lands on the surviving site,
    # and the duplicate is no longer offered.
    later = factories.geber_item(dup.uuid)
    assert phone.post("/api/v1/submissions/batch", json={"submissions": [later]}).json["results"][0]["status"] == "created"
    with app.app_context():
        assert db.session.scalar(select(Submission.site_id).where(Submission.uuid == uuid.UUID(later["uuid"]))) == keep.id
    sites = {s["uuid"] for s in phone.get("/api/v1/bootstrap").json["sites"]}
    assert str(keep.uuid) in sites and str(dup.uuid) not in sites


def test_sites_can_be_imported_from_csv_in_the_console(app, admin):
    desa = factories.first_desa_code("17.01.05")
    data = f"name,kind,desa_code,lat,lon\nTPS Baru,tps,{desa},-4.45,102.9\n".encode()
    response = admin.post("/admin/lokasi/impor", {"file": (io.BytesIO(data), "lokasi.csv")},
                          page="/admin/lokasi/impor", content_type="multipart/form-data")
    assert "1 lokasi diimpor." in response.text
    bad = admin.post("/admin/lokasi/impor", {"file": (io.BytesIO(b"name,kind\nx,y\n"), "lokasi.csv")},
                     page="/admin/lokasi/impor", content_type="multipart/form-data")
    assert "Kolom wajib tidak ada" in bad.text


def test_form_versions_are_listed_and_previewed_with_the_field_renderer(admin):
    page = admin.get("/admin/formulir").text
    assert "monev_kunjungan" in page and "geber_cek" in page
    version_link = page.split('href="/admin/formulir/versi/')[1].split('"')[0]
    preview = admin.get(f"/admin/formulir/versi/{version_link}").text
    assert 'id="form-definition"' in preview and "js/form-preview.js" in preview


def test_publishing_a_bad_definition_shows_the_validator_errors_inline(admin):
    doc = json.loads((DEFINITIONS_DIR / "geber_aksi.v1.json").read_text())
    doc["version"] = 2
    doc["fields"] = [{"name": "x", "type": "warp_drive"}]
    response = admin.post("/admin/formulir", {"file": (io.BytesIO(json.dumps(doc).encode()), "aksi.json")},
                          page="/admin/formulir", content_type="multipart/form-data")
    assert response.status_code == 422 and "Formulir tidak diterbitkan" in response.text
    assert "fields" in response.text
    broken = admin.post("/admin/formulir", {"file": (io.BytesIO(b"{not json"), "aksi.json")},
                        page="/admin/formulir", content_type="multipart/form-data")
    assert broken.status_code == 422 and "bukan JSON" in broken.text


def test_publishing_a_good_definition_makes_it_current(app, admin):
    doc = json.loads((DEFINITIONS_DIR / "geber_aksi.v1.json").read_text())
    doc["version"] = 7
    response = admin.post("/admin/formulir", {"file": (io.BytesIO(json.dumps(doc).encode()), "aksi.json")},
                          page="/admin/formulir", content_type="multipart/form-data")
    assert response.status_code == 302
    assert "versi 7" in admin.get("/admin/formulir").text


def test_a_deactivated_site_leaves_the_map_and_comes_back_when_reactivated(app, admin, make_site):
    from tests.helpers import ids_of

    site = make_site(name="Lapangan Lama")
    assert str(site.uuid) in ids_of(admin.get("/api/v1/map/list?limit=500"))
    admin.post(f"/admin/lokasi/{site.id}/aktif", {"active": "0"}, page=f"/admin/lokasi/{site.id}")
    assert str(site.uuid) not in ids_of(admin.get("/api/v1/map/list?limit=500"))
    admin.post(f"/admin/lokasi/{site.id}/aktif", {"active": "1"}, page=f"/admin/lokasi/{site.id}")
    assert str(site.uuid) in ids_of(admin.get("/api/v1/map/list?limit=500"))
