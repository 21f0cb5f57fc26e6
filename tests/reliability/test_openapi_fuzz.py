"""Schemathesis against /api/v1/openapi.json: whatever a client sends, never a 5xx."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests import factories
from tests.helpers import csrf

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture
def monitor_headers(app, make_user, make_site):
    """A logged-in monitor's cookie and CSRF token, with a site in scope to aim at."""
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    make_site(factories.KOTA_MANNA)
    client = app.test_client()
    page = client.get("/masuk")
    client.post("/masuk", data={"username": user.username, "password": factories.PASSWORD, "csrf_token": csrf(page.text)})
    token = client.get("/api/v1/session").json["csrf_token"]
    cookies = {c.key: c.value for c in client._cookies.values()}
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 7, "the OpenAPI document lost operations"
    return found


def fuzz(operation, auth: dict) -> None:
    @FUZZ
    @given(case=operation.as_strategy())
    def run(case):
        # cookies= (not a Cookie header, which schemathesis' client would replace)
        response = case.call(**auth)
        case.validate_response(response, checks=[not_a_server_error])

    run()


@pytest.mark.slow
def test_no_input_from_a_logged_in_monitor_makes_the_api_fail_with_a_5xx(app, monitor_headers):
    found = operations(app)
    probe = next(op for op in found if op.method.upper() == "GET" and op.path == "/api/v1/session").Case()
    assert probe.call(**monitor_headers).status_code == 200, "the fuzzing client is not logged in"
    for operation in found:
        fuzz(operation, monitor_headers)


@pytest.mark.slow
def test_no_anonymous_input_makes_the_api_fail_with_a_5xx(app):
    for operation in operations(app):
        fuzz(operation, {})
