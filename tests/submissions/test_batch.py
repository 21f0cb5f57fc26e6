"""POST /api/v1/submissions/batch: idempotent, item by item, nothing half-written."""
import copy
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.factories import geber_item, monev_item, new_site_ref
from webapp.extensions import db
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Attachment, Submission

URL = "/api/v1/submissions/batch"


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count(m.id))) for m in (Submission, Attachment, Site))


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


@pytest.fixture
def site(make_site):
    return make_site(factories.KOTA_MANNA, name="SD Negeri 3 Manna")


def test_a_valid_geber_check_is_created_with_its_score(app, monitor, site, run_jobs):
    item = geber_item(site.uuid, answers={"sampah_berserakan": True})
    response = monitor.post(URL, json={"submissions": [item]})
    run_jobs()
    assert response.status_code == 200
    (result,) = response.json["results"]
    assert result["status"] == "created" and result["uuid"] == item["uuid"]
    assert result["missing_attachments"] == [item["attachments"][0]["uuid"]]
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub.score == 85.0  # litter on the ground costs its weight of 15
        assert sub.status == "incomplete" and sub.review_state == "received"
        assert sub.kecamatan_id == factories.kecamatan(factories.KOTA_MANNA).id
        status = db.session.get(SiteStatus, sub.site_id)
        assert status.geber_score == 85.0 and status.approved_score is None


def test_replaying_a_whole_batch_gives_duplicates_and_changes_nothing(app, monitor, site):
    items = [geber_item(site.uuid) for _ in range(3)]
    first = monitor.post(URL, json={"submissions": items}).json["results"]
    assert [r["status"] for r in first] == ["created"] * 3
    before = counts(app)
    again = monitor.post(URL, json={"submissions": copy.deepcopy(items)}).json["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["missing_attachments"] for r in again] == [r["missing_attachments"] for r in first]
    assert counts(app) == before


def test_same_uuid_with_other_content_is_a_conflict_and_the_first_version_stays(app, monitor, site):
    item = geber_item(site.uuid)
    monitor.post(URL, json={"submissions": [item]})
    changed = copy.deepcopy(item)
    changed["answers"]["sampah_berserakan"] = True
    (result,) = monitor.post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "rejected"
    assert "isi berbeda" in result["errors"]["uuid"][0]
    with app.app_context():
        assert db.session.scalar(select(Submission)).answers["sampah_berserakan"] is False


def test_another_users_uuid_is_a_conflict_not_a_duplicate(app, login_as, site):
    item = geber_item(site.uuid)
    login_as("monitor", kecamatan_code=factories.KOTA_MANNA).post(URL, json={"submissions": [item]})
    (result,) = login_as("monitor", kecamatan_code=factories.KOTA_MANNA).post(URL, json={"submissions": [item]}).json["results"]
    assert result["status"] == "rejected"


def test_an_item_against_an_old_form_version_is_kept_under_that_version(app, monitor, site, login_as):
    import json as jsonlib

    from webapp.forms.services import DEFINITIONS_DIR

    shipped = sorted(int(p.name.split(".v")[1].split(".")[0]) for p in DEFINITIONS_DIR.glob("geber_cek.v*.json"))
    definition = jsonlib.loads((DEFINITIONS_DIR / "geber_cek.v1.json").read_text())
    definition["version"] = shipped[-1] + 1
    definition["fields"] = [f for f in definition["fields"] if f["name"] != "jadwal_piket"]
    admin = login_as("admin")
    assert admin.post("/api/v1/forms", json=definition).status_code == 201
    assert [f["version"] for f in monitor.get("/api/v1/bootstrap").json["forms"] if f["form"] == "geber_cek"] == [definition["version"]]
    old = geber_item(site.uuid)  # made offline against version 1, with jadwal_piket
    (result,) = monitor.post(URL, json={"submissions": [old]}).json["results"]
    assert result["status"] == "created"
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub.form_version.version == 1 and "jadwal_piket" in sub.answers


def test_a_batch_mixing_good_and_bad_items_stores_the_good_ones_only(app, monitor, site):
    good1, good2 = geber_item(site.uuid), geber_item(site.uuid)
    bad = geber_item(site.uuid, answers={"tempat_sampah": "mungkin"})
    response = monitor.post(URL, json={"submissions": [good1, bad, good2]})
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["created", "rejected", "created"]
    assert "answers.tempat_sampah" in response.json["results"][1]["errors"]
    assert counts(app)[0] == 2


BAD_ITEMS = [
    ("missing uuid", lambda i: i.pop("uuid"), "uuid"),
    ("uuid not a uuid", lambda i: i.update(uuid="abc"), "uuid"),
    ("unknown form", lambda i: i.update(form="nope"), "form_version"),
    ("form version as string", lambda i: i.update(form_version="1"), "form_version"),
    ("naive recorded_at", lambda i: i.update(recorded_at="2026-11-01T10:00:00"), "recorded_at"),
    ("garbage recorded_at", lambda i: i.update(recorded_at="kemarin"), "recorded_at"),
    ("lat out of range", lambda i: i["location"].update(lat=123), "location.lat"),
    ("outside the regency", lambda i: i.update(location={"lat": -6.2, "lon": 106.8, "accuracy_m": 5}), "location"),
    ("nan accuracy", lambda i: i["location"].update(accuracy_m=float("nan")), "location.accuracy_m"),
    ("answers not an object", lambda i: i.update(answers=[1, 2]), "answers"),
    ("required answer missing", lambda i: i["answers"].pop("drainase_lancar"), "answers.drainase_lancar"),
    ("unknown answer", lambda i: i["answers"].update(bonus=1), "answers.bonus"),
    ("unknown top-level key", lambda i: i.update(extra=True), "extra"),
    ("photo not declared", lambda i: i["answers"].update(foto=[str(uuid.uuid4())]), "answers.foto"),
    ("attachment bad sha", lambda i: i["attachments"][0].update(sha256="xyz"), "attachments.0.sha256"),
    ("attachment not an image type", lambda i: i["attachments"][0].update(content_type="text/html"), "attachments.0.content_type"),
    ("attachment on a non-photo field", lambda i: i["attachments"][0].update(field="catatan"), "attachments.0.field"),
    ("unknown site", lambda i: i.update(site={"uuid": str(uuid.uuid4())}), "site.uuid"),
    ("no site", lambda i: i.update(site=None), "site"),
    ("text too long", lambda i: i["answers"].update(catatan="x" * 5000), "answers.catatan"),
    ("NUL in text", lambda i: i["answers"].update(catatan="a\u0000b"), "answers.catatan"),
]


@pytest.mark.parametrize(("label", "spoil", "path"), BAD_ITEMS, ids=[b[0] for b in BAD_ITEMS])
def test_bad_input_is_rejected_with_a_field_error_and_nothing_written(app, monitor, site, label, spoil, path):
    item = geber_item(site.uuid)
    spoil(item)
    response = monitor.post(URL, json={"submissions": [item]})
    assert response.status_code == 200
    (result,) = response.json["results"]
    assert result["status"] == "rejected"
    assert path in result["errors"], result["errors"]
    assert all(isinstance(m, str) and m for m in result["errors"][path])
    assert counts(app) == (0, 0, 1)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"submissions": []}, 422),
        ({"submissions": "x"}, 422),
        ({}, 422),
        ({"submissions": [{}] * 101}, 422),
        ([1, 2], 422),
    ],
)
def test_a_malformed_envelope_is_a_4xx_with_a_message(monitor, body, status):
    response = monitor.post(URL, json=body)
    assert response.status_code == status
    assert response.json["message"] and response.json["code"] == "invalid"


def test_non_json_body_is_a_4xx(monitor):
    response = monitor.client.post(URL, data=b"\x00\xff not json", content_type="application/json",
                                   headers={"X-CSRFToken": monitor.token()})
    assert 400 <= response.status_code < 500


def test_an_item_that_is_not_an_object_is_rejected_alone(app, monitor, site):
    good = geber_item(site.uuid)
    results = monitor.post(URL, json={"submissions": ["hello", good]}).json["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]


def test_writes_require_the_csrf_header(monitor, site):
    response = monitor.client.post(URL, json={"submissions": [geber_item(site.uuid)]})
    assert response.status_code == 400 and response.json["code"] == "csrf"


def test_without_a_session_the_api_answers_json_401(client, site):
    response = client.post(URL, json={"submissions": []})
    assert response.status_code in (400, 401)
    response = client.get("/api/v1/bootstrap")
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_a_new_site_made_offline_syncs_with_its_first_submission(app, monitor):
    ref = new_site_ref()
    first = geber_item(None, site=ref)
    second = geber_item(None, site=ref)
    results = monitor.post(URL, json={"submissions": [first, second]}).json["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    with app.app_context():
        (site,) = db.session.scalars(select(Site)).all()
        assert str(site.uuid) == ref["uuid"] and site.name == "TPS Pasar Baru"
        assert site.created_by_id == monitor.user.id
    again = monitor.post(URL, json={"submissions": [geber_item(None, site=ref)]}).json["results"]
    assert again[0]["status"] == "created"
    assert counts(app)[2] == 1


def test_a_monitor_may_not_create_sites_outside_their_kecamatan(app, monitor):
    ref = new_site_ref(desa_code=factories.first_desa_code(factories.PINO))
    (result,) = monitor.post(URL, json={"submissions": [geber_item(None, site=ref)]}).json["results"]
    assert result["status"] == "rejected" and "site.new.desa_code" in result["errors"]
    assert counts(app) == (0, 0, 0)


def test_a_monitor_may_not_submit_for_a_site_outside_their_scope(app, monitor, make_site):
    other = make_site(factories.PINO)
    (result,) = monitor.post(URL, json={"submissions": [geber_item(other.uuid)]}).json["results"]
    assert result["status"] == "rejected" and "site" in result["errors"]


def test_an_opd_user_may_not_submit(login_as, site):
    response = login_as("opd").post(URL, json={"submissions": [geber_item(site.uuid)]})
    assert response.status_code == 403


def test_evidence_is_flagged_never_rejected(app, monitor, site):
    far = geber_item(site.uuid, location={"lat": -4.47, "lon": 102.92, "accuracy_m": 120.0},
                     recorded_at=(datetime.now(timezone.utc) + timedelta(hours=20)).isoformat())
    old = geber_item(site.uuid, recorded_at=(datetime.now(timezone.utc) - timedelta(days=90)).isoformat())
    results = monitor.post(URL, json={"submissions": [far, old]}).json["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    with app.app_context():
        flags = {str(s.uuid): s.flags for s in db.session.scalars(select(Submission))}
    assert flags[far["uuid"]]["distance_m"] > 200
    assert flags[far["uuid"]]["accuracy_m"] == 120.0
    assert flags[far["uuid"]]["recorded_in_future"] is True
    assert flags[old["uuid"]]["recorded_days_before"] >= 89


def test_a_monitoring_visit_names_a_kegiatan_in_scope(app, monitor, site, make_kegiatan, run_jobs):
    kegiatan = make_kegiatan("PUPR", sites=[site])
    item = monev_item(site.uuid, kegiatan.code, risiko=[{"kategori": "cuaca", "uraian": "Hujan deras", "tingkat": "tinggi"}])
    (result,) = monitor.post(URL, json={"submissions": [item]}).json["results"]
    run_jobs()
    assert result["status"] == "created", result
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert sub.kegiatan_id == kegiatan.id and sub.status == "complete"
        assert db.session.get(SiteStatus, sub.site_id).monev_status == "at_risk"
    unknown = monev_item(site.uuid, "K-TIDAK-ADA")
    (result,) = monitor.post(URL, json={"submissions": [unknown]}).json["results"]
    assert result["status"] == "rejected" and "answers.kegiatan" in result["errors"]


def test_errors_come_in_the_language_of_the_account_not_of_the_browser(monitor, site):
    item = geber_item(site.uuid)
    item["answers"].pop("drainase_lancar")
    structural = geber_item(site.uuid)
    structural.pop("recorded_at")
    body = {"submissions": [item, structural]}
    indonesian = monitor.post(URL, json=body, headers={"Accept-Language": "en"}).json["results"]
    assert indonesian[0]["errors"]["answers.drainase_lancar"] == ["Wajib diisi."]
    assert indonesian[1]["errors"]["recorded_at"] == ["Wajib diisi."]
    monitor.get("/beranda?lang=en")
    english = monitor.post(URL, json=body).json["results"]
    assert english[0]["errors"]["answers.drainase_lancar"] == ["This field is required."]
    assert english[1]["errors"]["recorded_at"] == ["Required."]


def test_my_submissions_lists_the_callers_own_with_status(app, monitor, login_as, site):
    mine = geber_item(site.uuid)
    monitor.post(URL, json={"submissions": [mine]})
    login_as("monitor", kecamatan_code=factories.KOTA_MANNA).post(URL, json={"submissions": [geber_item(site.uuid)]})
    listed = monitor.get("/api/v1/submissions?mine=1").json["submissions"]
    assert [s["uuid"] for s in listed] == [mine["uuid"]]
    assert listed[0]["status"] == "incomplete" and listed[0]["review_state"] == "received"
    assert listed[0]["missing_attachments"] == [mine["attachments"][0]["uuid"]]
    assert listed[0]["site_name"] == "SD Negeri 3 Manna"


def test_a_returned_submission_can_be_corrected_and_resent_under_its_uuid(app, monitor, site, run_jobs):
    from webapp.review.services import review

    item = geber_item(site.uuid, answers={"drainase_lancar": False})
    monitor.post(URL, json={"submissions": [item]})
    with app.app_context():
        from webapp.accounts.models import User

        sub = db.session.scalar(select(Submission))
        reviewer = factories.make_user("bappeda")
        review(db.session.get(User, reviewer.id), sub, "return", "Foto drainase kurang jelas")
        db.session.commit()
    returned = monitor.get("/api/v1/submissions?mine=1").json["submissions"][0]
    assert returned["review_state"] == "returned" and returned["review_note"] == "Foto drainase kurang jelas"
    corrected = copy.deepcopy(item)
    corrected["answers"]["drainase_lancar"] = True
    (result,) = monitor.post(URL, json={"submissions": [corrected]}).json["results"]
    assert result["status"] == "created"
    run_jobs()
    with app.app_context():
        (sub,) = db.session.scalars(select(Submission)).all()
        assert sub.review_state == "received" and sub.answers["drainase_lancar"] is True and sub.score == 100.0
    (again,) = monitor.post(URL, json={"submissions": [corrected]}).json["results"]
    assert again["status"] == "duplicate"


def test_an_unreturned_submission_cannot_be_overwritten(app, monitor, site):
    item = geber_item(site.uuid)
    monitor.post(URL, json={"submissions": [item]})
    changed = copy.deepcopy(item)
    changed["answers"]["drainase_lancar"] = False
    (result,) = monitor.post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "rejected"


def test_marshmallow_english_defaults_come_out_in_the_request_language(app):
    """A schema built before the app installed its messages still answers in Indonesian (or English)."""
    from webapp.schema_messages import translate_errors

    english_default = {"n": ["Missing data for required field."], "m": ["Not a valid integer."]}
    with app.test_request_context("/api/v1/ping"):
        assert translate_errors(english_default) == {"n": ["Wajib diisi."], "m": ["Harus bilangan bulat."]}
    with app.test_request_context("/api/v1/ping", headers={"Accept-Language": "en"}):
        assert translate_errors(english_default)["n"] == ["Required."]


def test_the_rows_a_batch_writes_are_stored_as_the_column_types_store_them(app, monitor, site):
    """The batch path writes through the driver (a JSON recordset on PostgreSQL, executemany on
    SQLite): the same row written by SQLAlchemy's own INSERT must be stored identically."""
    from sqlalchemy import insert

    item = geber_item(site.uuid, answers={"sampah_berserakan": True, "catatan": "Selokan penuh — sampah plastik"})
    assert monitor.post(URL, json={"submissions": [item]}).json["results"][0]["status"] == "created"
    with app.app_context():
        table = Submission.__table__
        stored = db.session.execute(select(table).where(table.c.uuid == uuid.UUID(item["uuid"]))).one()._asdict()
        twin = {**stored, "id": stored["id"] + 1000, "uuid": uuid.uuid4()}
        db.session.execute(insert(table), twin)
        raw = [tuple(row)[2:] for row in db.session.execute(
            db.text("SELECT * FROM submission WHERE id IN (:a, :b) ORDER BY id"), {"a": stored["id"], "b": twin["id"]})]
        db.session.rollback()
    assert raw[0] == raw[1]


def test_the_batch_answer_is_what_its_documented_schema_dumps(app, monitor, site):
    """The answer is built without the schema's dump: it must be byte for byte what the dump gives."""
    import json

    from webapp.submissions.api import batch_answer
    from webapp.submissions.schemas import BatchResultSchema
    from webapp.submissions.services import BatchOutcome, ItemResult

    first, second = geber_item(site.uuid), geber_item(site.uuid)
    monitor.post(URL, json={"submissions": [first]})
    bad = geber_item(site.uuid)
    bad["answers"]["sampah_berserakan"] = "mungkin"
    response = monitor.post(URL, json={"submissions": [first, second, bad, 7]})
    results = response.json["results"]
    assert [r["status"] for r in results] == ["duplicate", "created", "rejected", "rejected"]
    with app.test_request_context():
        outcome = BatchOutcome(results=[ItemResult(r["uuid"], r["status"], r["errors"], r["missing_attachments"])
                                        for r in results], site_ids=set())
        built = batch_answer(outcome)
        assert json.dumps(built, sort_keys=True) == json.dumps(BatchResultSchema().dump(built), sort_keys=True)
    assert response.json == BatchResultSchema().dump(response.json)


def test_the_submission_list_is_what_its_documented_schema_dumps(app, monitor, login_as, site, make_kegiatan):
    """Listed from a dozen columns, not dumped from whole objects: every field must be what the
    schema's dump of the submission gives (photos awaited, none, a returned one with its note, a
    new site, a visit without a score, flags), in the same order, for the caller and for a camat."""
    import json

    from sqlalchemy.orm import selectinload

    from webapp.review.services import review
    from webapp.scopes import submissions_query
    from webapp.submissions.schemas import SubmissionDumpSchema

    kegiatan = make_kegiatan("PUPR", sites=[site])
    items = [geber_item(site.uuid, answers={"sampah_berserakan": True}),
             geber_item(site.uuid, photos=[factories.jpeg_bytes(), factories.jpeg_bytes(40, 30)]),
             geber_item(site.uuid, site=new_site_ref()), monev_item(site.uuid, kegiatan.code)]
    far = geber_item(site.uuid)
    far["location"] = {"lat": factories.LAT + 0.02, "lon": factories.LON, "accuracy_m": 9.0}
    items.append(far)
    results = monitor.post(URL, json={"submissions": items}).json["results"]
    assert [r["status"] for r in results] == ["created"] * len(items), results
    with app.app_context():
        from webapp.accounts.models import User

        returned = db.session.scalar(select(Submission).where(Submission.uuid == uuid.UUID(items[0]["uuid"])))
        review(db.session.get(User, factories.make_user("bappeda").id), returned, "return", "Foto kurang jelas")
        db.session.commit()
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    for client, query in ((monitor, "?mine=1"), (camat, ""), (camat, "?limit=2&offset=1")):
        listed = client.get("/api/v1/submissions" + query).json["submissions"]
        with app.app_context():
            from webapp.accounts.models import User

            user = db.session.get(User, client.user.id)
            stmt = submissions_query(user).options(selectinload(Submission.attachments), selectinload(Submission.site),
                                                   selectinload(Submission.form_version))
            if query == "?mine=1":
                stmt = stmt.where(Submission.user_id == user.id)
            limit, offset = (2, 1) if "limit" in query else (500, 0)
            objects = db.session.scalars(stmt.order_by(Submission.received_at.desc(), Submission.id.desc())
                                         .limit(limit).offset(offset)).all()
            dumped = json.loads(json.dumps(SubmissionDumpSchema(many=True).dump(objects)))
        assert listed == dumped
        assert len(listed) == (2 if "limit" in query else len(items))
        if not query:
            assert {s["uuid"] for s in listed if s["flags"]} == {far["uuid"]}
            assert {s["uuid"] for s in listed if s["score"] is None} == {items[3]["uuid"]}
            assert {s["uuid"] for s in listed if s["review_note"]} == {items[0]["uuid"]}
            assert {s["uuid"] for s in listed if s["site_name"] == "TPS Pasar Baru"} == {items[2]["uuid"]}
            assert sorted(len(s["missing_attachments"]) for s in listed) == [0, 1, 1, 1, 2]
