"""Schemathesis against /api/v1/openapi.json: every answer of every operation matches the document.

Generated requests (anonymous, a monitor, Bappeda) and hand-made ones that hit real objects, so
the success answers of detail and action endpoints are checked too, not only their 404s.
"""
import io

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import geber_item, jpeg_bytes
from tests.helpers import csrf
from tests.reliability.test_access_matrix import session_for
from tests.reliability.world import build

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def credentials(app, world) -> dict:
    """Keyword arguments of case.call(): the session as cookies (schemathesis' WSGI client keeps a
    cookie jar that overrides a hand-made Cookie header) and the CSRF token."""
    client, token = session_for(app, world)
    cookies = {c.key: c.value for c in client._cookies.values()}
    # The test transport does not undo gzip; a browser does. Ask for the plain body.
    return {"headers": {"X-CSRFToken": token, "Accept-Encoding": "identity"}, "cookies": cookies}


def operations(app) -> dict:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    assert len(found) >= 20, "the OpenAPI document lost operations"
    return found


def fuzz(operation, auth: dict) -> list[str]:
    @FUZZ
    @given(case=operation.as_strategy())
    def run(case):
        case.validate_response(case.call(**auth), checks=CHECKS)

    try:
        run()
    except Exception as exc:  # noqa: BLE001 — schemathesis' failure group, reported per operation
        return [f"{operation.label}: {exc}"[:1500]]
    return []


@pytest.mark.slow
@pytest.mark.parametrize("role", ["anon", "monitor", "bappeda"])
def test_generated_requests_get_answers_that_conform_to_the_openapi_document(app, role):
    world = build(app, role)
    auth = credentials(app, world)
    problems = []
    for operation in operations(app).values():
        problems += fuzz(operation, auth)
    assert not problems, "\n\n".join(problems)


def real_cases(world) -> dict[str, list[dict]]:
    """Requests that reach real objects of the world (Bappeda may act on all of them)."""
    photo = jpeg_bytes(40, 30)
    return {
        "GET /api/v1/bootstrap": [{}],
        "GET /api/v1/submissions": [{"query": {"mine": "false"}}],
        "POST /api/v1/submissions/batch": [{"body": {"submissions": [geber_item(world.site_in, photos=[photo])]}}],
        "POST /api/v1/submissions/{uuid}/review": [
            {"path_parameters": {"uuid": str(world.sub_in)}, "body": {"action": "return", "note": "Foto buram"}},
            {"path_parameters": {"uuid": str(world.sub_in)}, "body": {"action": "approve"}},  # 409 now
        ],
        "GET /api/v1/followups": [{}],
        "GET /api/v1/followups/{followup_id}": [{"path_parameters": {"followup_id": world.fu_opd_in}}],
        "POST /api/v1/followups": [{"body": {"title": "Angkut sampah pasar", "assignee_opd_id": world.dlh_id,
                                             "due_date": "2030-02-28"}}],
        "POST /api/v1/followups/{followup_id}/transition": [
            {"path_parameters": {"followup_id": world.fu_out}, "body": {"action": "start"}}],  # 409
        "PUT /api/v1/followups/{followup_id}/owner": [
            {"path_parameters": {"followup_id": world.fu_out}, "body": {"owner_id": world.fu_out}}],  # 409
        "POST /api/v1/followups/{followup_id}/complete": [
            {"path_parameters": {"followup_id": world.fu_opd_in}, "media_type": "multipart/form-data",
             "body": {"note": "Selesai dikerjakan", "photo": io.BytesIO(jpeg_bytes(64, 48)).getvalue()}}],
        "GET /api/v1/map/sites/{site_uuid}": [{"path_parameters": {"site_uuid": str(world.site_in)}}],
        "GET /api/v1/public/sites/{site_uuid}": [{"path_parameters": {"site_uuid": str(world.site_in)}}],
        "GET /api/v1/reports/jobs": [{}],
        "POST /api/v1/reports/jobs": [{"body": {"kind": "sites"}}],
        "GET /api/v1/reports/jobs/{job_uuid}": [{"path_parameters": {"job_uuid": str(world.job_own)}}],
        "POST /api/v1/reports/jobs/{job_uuid}/retry": [{"path_parameters": {"job_uuid": str(world.job_own)}}],  # 409
    }


def test_answers_about_real_objects_conform_to_the_openapi_document(app):
    world = build(app, "bappeda")
    auth = credentials(app, world)
    found = operations(app)
    problems, statuses = [], {}
    for label, cases in real_cases(world).items():
        assert label in found, f"{label} is not in the OpenAPI document"
        for spec in cases:
            case = found[label].Case(**spec)
            response = case.call(**auth)
            statuses.setdefault(label, []).append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 — collected, reported together
                problems.append(f"{label} {spec.get('path_parameters', '')}: {exc}"[:1500])
    assert not problems, "\n\n".join(problems)
    # The cases did reach the objects: successes and the planned conflicts, no 404.
    assert all(status in (200, 201, 202, 409) for codes in statuses.values() for status in codes), statuses


@pytest.mark.parametrize("url", ["/api/v1/followups/99999999999999999999", "/api/v1/followups/2147483648",
                                 "/tindak-lanjut/99999999999999999999", "/tindak-lanjut/2147483648/bukti.jpg"])
def test_an_id_past_a_32_bit_integer_is_not_found_rather_than_a_server_error(login_as, url):
    assert login_as("bappeda").get(url).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/map/kecamatan-summary", "/api/v1/map/list", "/api/v1/map/aksi"])
def test_map_filters_with_dates_near_year_one_are_refused_rather_than_a_server_error(login_as, path):
    response = login_as("bappeda").get(f"{path}?from=0001-01-01&to=0001-01-02")
    assert response.status_code == 422 and "from" in response.json["errors"]


def _nul_cases(world):
    """Where a NUL (or a lone surrogate) once reached a PostgreSQL query as a 500."""
    item = geber_item(world.site_in, photos=[jpeg_bytes()])
    new_site = geber_item(world.site_in, photos=[jpeg_bytes()])
    new_site["site"] = {"uuid": str(world.zero), "new": {"name": "TPS\u0000", "kind": "tps",
                                                         "desa_code": "17.01.05.1009", "lat": -4.455, "lon": 102.905}}
    return [
        ("GET", "/api/v1/map/list?opd=DL%00H", None),
        ("GET", "/api/v1/map/kecamatan-summary?opd=%00", None),
        ("GET", "/peta?opd=%00", None),
        ("POST", "/api/v1/followups", {"title": "Angkut\u0000", "assignee_opd_id": world.dlh_id, "due_date": "2030-01-01"}),
        ("POST", "/api/v1/followups", {"title": "Angkut \ud800", "assignee_opd_id": world.dlh_id, "due_date": "2030-01-01"}),
        ("POST", f"/api/v1/followups/{world.fu_opd_in}/transition", {"action": "cancel", "note": "batal\u0000"}),
        ("POST", "/api/v1/reports/jobs", {"kind": "sites\u0000"}),
        ("POST", "/api/v1/submissions/batch", {"submissions": [{**item, "form": "geber_cek\u0000"}]}),
        ("POST", "/api/v1/submissions/batch", {"submissions": [new_site]}),
    ]


def test_nul_characters_anywhere_in_the_input_are_a_4xx_never_a_server_error(app):
    world = build(app, "bappeda")
    client, token = session_for(app, world)
    answers = []
    for method, url, body in _nul_cases(world):
        response = client.open(url, method=method, json=body, headers={"X-CSRFToken": token})
        answers.append((url, response.status_code, response.json if response.is_json else None))
    assert all(400 <= status < 500 or (status == 200 and url.endswith("batch")) for url, status, _ in answers), answers
    # The sync batch judges items one by one: the bad item is rejected with the field named.
    batch = [body for url, _status, body in answers if url.endswith("batch")]
    assert [r["status"] for b in batch for r in b["results"]] == ["rejected", "rejected"]
    assert "form" in batch[0]["results"][0]["errors"] and "site.new.name" in batch[1]["results"][0]["errors"]


def test_a_login_name_with_a_nul_is_refused_not_a_server_error(client):
    page = client.get("/masuk").get_data(as_text=True)
    response = client.post("/masuk", data={"username": "ad\x00min", "password": "x", "csrf_token": csrf(page)})
    assert response.status_code == 400


#: Rules across fields that OpenAPI 3.0 cannot state, so a request valid by the document may still
#: be refused with a 422 naming the field: a follow-up has exactly one assignee (an OPD or a
#: kecamatan); a monthly report needs its month; a completion's multipart form takes only its fields;
#: reopening a follow-up needs its reason (`note`), which the other transitions do not.
CROSS_FIELD_RULES = {"POST /api/v1/followups", "POST /api/v1/reports/jobs", "POST /api/v1/followups/{followup_id}/complete",
                     "POST /api/v1/followups/{followup_id}/transition"}


def request_conformance(operation, auth: dict, mode, check) -> list[str]:
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # A period whose start is after its end is refused by a rule across two fields (422 naming
        # `from`), which the document cannot state: such a case is not a valid request.
        query = case.query or {}
        assume(mode.value != "positive" or not (query.get("from") and query.get("to"))
               or str(query["from"]) <= str(query["to"]))
        case.validate_response(case.call(**auth), checks=[check, not_a_server_error])

    try:
        run()
    except BaseException as exc:  # noqa: BLE001 — schemathesis' failure group, reported per operation
        if "Unable to satisfy assumptions" in str(exc):
            return []  # nothing to generate: an operation without parameters has no invalid request
        return [f"{mode.value} {operation.label}: {exc}"[:1500]]
    return []


@pytest.mark.slow
def test_requests_invalid_by_the_document_are_refused_and_valid_ones_accepted(app):
    from schemathesis import GenerationMode
    from schemathesis.checks import negative_data_rejection, positive_data_acceptance

    world = build(app, "bappeda")
    auth = credentials(app, world)
    problems = []
    for label, operation in operations(app).items():
        # NUL is refused everywhere (webapp/security.py), as the API's description says.
        operation.schema.config.generation.update(allow_x00=False, codec="utf-8")
        problems += request_conformance(operation, auth, GenerationMode.NEGATIVE, negative_data_rejection)
        if label not in CROSS_FIELD_RULES:
            problems += request_conformance(operation, auth, GenerationMode.POSITIVE, positive_data_acceptance)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("query", ["to=", "from=", "kind=", "from=1999-12-31", "to=2100-01-01", "from=0300-11-21"])
@pytest.mark.parametrize("path", ["/api/v1/map/list", "/api/v1/map/kecamatan-summary", "/api/v1/map/aksi", "/api/v1/public/list"])
def test_the_map_apis_refuse_empty_and_far_off_filter_values(login_as, path, query):
    response = login_as("bappeda").get(f"{path}?{query}")
    assert response.status_code == 422, (path, query, response.status_code)


def test_the_map_page_still_takes_the_empty_values_of_its_plain_form(login_as):
    assert login_as("bappeda").get("/peta?kecamatan=&kind=&from=&to=").status_code == 200
