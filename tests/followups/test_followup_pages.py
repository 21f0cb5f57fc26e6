"""Follow-up pages: scoped by URL, the OPD answers with a note and a photo through a CSRF-protected form."""
import io

from sqlalchemy import select

from tests import factories
from tests.factories import image_bytes
from tests.helpers import csrf
from webapp.extensions import db
from webapp.followups.models import FollowUp


def _followup(app, fid) -> FollowUp:
    with app.app_context():
        followup = db.session.get(FollowUp, fid)
        db.session.expunge(followup)
        return followup


def test_a_camat_cannot_open_another_kecamatans_followup_by_url(app, login_as, add_followup):
    pino = add_followup(kecamatan_code=factories.PINO, title="Urusan Pino")
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    assert camat.get(f"/tindak-lanjut/{pino}").status_code == 404
    assert "Urusan Pino" not in camat.get("/tindak-lanjut").text
    token = csrf(camat.get("/tindak-lanjut").text)
    response = camat.client.post(f"/tindak-lanjut/{pino}/tindakan", data={"csrf_token": token, "action": "start"})
    assert response.status_code == 404
    assert _followup(app, pino).status == "open"


def test_the_opd_answers_a_followup_from_its_desk_with_note_and_photo(app, login_as, add_followup):
    fid = add_followup(opd_code="DLH", title="Tambah tempat sampah di pasar")
    client = login_as("opd", opd_code="DLH")
    desk = client.get("/opd")
    assert "Tambah tempat sampah di pasar" in desk.text
    token = csrf(desk.text)
    response = client.client.post(f"/tindak-lanjut/{fid}/tindakan", data={"csrf_token": token, "action": "start", "back": "opd"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/opd#fu-{fid}")
    desk = client.get("/opd")
    assert "Laporkan selesai" in desk.text
    response = client.client.post(f"/tindak-lanjut/{fid}/tindakan", content_type="multipart/form-data", data={
        "csrf_token": csrf(desk.text), "action": "complete", "note": "Sepuluh tempat sampah terpilah dipasang",
        "photo": (io.BytesIO(image_bytes("JPEG")), "bukti.jpg")})
    assert response.status_code == 302
    followup = _followup(app, fid)
    assert followup.status == "done" and followup.evidence_key
    evidence = client.get(f"/tindak-lanjut/{fid}/bukti.jpg")
    assert evidence.status_code == 200 and evidence.mimetype == "image/jpeg"
    assert evidence.headers["Cache-Control"].startswith("private")
    evidence.close()


def test_the_evidence_photo_stays_within_scope(app, login_as, add_followup):
    fid = add_followup(opd_code="DLH", status="in_progress")
    owner = login_as("opd", opd_code="DLH")
    page = owner.get(f"/tindak-lanjut/{fid}")
    owner.client.post(f"/tindak-lanjut/{fid}/tindakan", content_type="multipart/form-data", data={
        "csrf_token": csrf(page.text), "action": "complete", "note": "Beres", "photo": (io.BytesIO(image_bytes()), "b.png")})
    other = login_as("opd", opd_code="PUPR")
    assert other.get(f"/tindak-lanjut/{fid}/bukti.jpg").status_code == 404
    assert other.get(f"/tindak-lanjut/{fid}").status_code == 404


def test_completing_without_a_photo_re_renders_with_the_error(app, login_as, add_followup):
    fid = add_followup(opd_code="DLH", status="in_progress")
    client = login_as("opd", opd_code="DLH")
    page = client.get(f"/tindak-lanjut/{fid}")
    response = client.client.post(f"/tindak-lanjut/{fid}/tindakan", data={"csrf_token": csrf(page.text), "action": "complete", "note": "Beres"})
    assert response.status_code == 422
    assert "Foto bukti wajib dilampirkan." in response.text
    assert _followup(app, fid).status == "in_progress"


def test_a_non_image_upload_re_renders_with_the_error(app, login_as, add_followup):
    fid = add_followup(opd_code="DLH", status="in_progress")
    client = login_as("opd", opd_code="DLH")
    page = client.get(f"/tindak-lanjut/{fid}")
    response = client.client.post(f"/tindak-lanjut/{fid}/tindakan", content_type="multipart/form-data", data={
        "csrf_token": csrf(page.text), "action": "complete", "note": "Beres", "photo": (io.BytesIO(b"%PDF-1.4 nope"), "x.jpg")})
    assert response.status_code == 422
    assert "bukan gambar" in response.text


def test_an_action_without_the_csrf_token_is_refused(app, login_as, add_followup):
    fid = add_followup(opd_code="DLH")
    client = login_as("opd", opd_code="DLH")
    response = client.client.post(f"/tindak-lanjut/{fid}/tindakan", data={"action": "start"})
    assert response.status_code == 400
    assert _followup(app, fid).status == "open"


def test_overdue_followups_are_marked_on_the_list(app, login_as, add_followup):
    from datetime import timedelta

    from webapp.followups.services import today_wib

    with app.app_context():
        today = today_wib()
    add_followup(opd_code="DLH", title="Sudah lewat", due=today - timedelta(days=2))
    page = login_as("bappeda").get("/tindak-lanjut?status=terlambat")
    assert "Sudah lewat" in page.text
    assert "badge-overdue" in page.text


def test_a_reviewer_creates_a_followup_from_the_review_page(app, login_as, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(monitor, add_site(), score=35.0)
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    page = camat.get(f"/tinjauan/{sub.uuid}")
    assert "Buat tindak lanjut" in page.text
    with app.app_context():
        kota_manna = factories.kecamatan(factories.KOTA_MANNA).id
    response = camat.client.post("/tindak-lanjut/baru", data={
        "csrf_token": csrf(page.text), "title": "Kerja bakti drainase", "assignee": f"kec:{kota_manna}",
        "due_date": "2027-01-10", "source": str(sub.uuid)})
    assert response.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(FollowUp))
        assert made.source_submission_id == sub.id and made.assignee_kecamatan_id == kota_manna
        assert made.created_by_id == camat.user.id


def test_a_camat_cannot_assign_a_followup_to_another_kecamatan(app, login_as, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(monitor, add_site(), score=35.0)
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    page = camat.get(f"/tinjauan/{sub.uuid}")
    with app.app_context():
        pino = factories.kecamatan(factories.PINO).id
    response = camat.client.post("/tindak-lanjut/baru", data={
        "csrf_token": csrf(page.text), "title": "x", "assignee": f"kec:{pino}", "due_date": "2027-01-10",
        "source": str(sub.uuid)})
    assert response.status_code == 422  # not among the choices offered to this camat
    with app.app_context():
        assert db.session.scalar(select(FollowUp.id)) is None
