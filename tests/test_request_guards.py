"""What any request may carry: JSON depth and size, integers, characters — a 4xx, never a 500."""
import uuid

import pytest

from tests import factories



def nested_text(depth: int) -> str:
    return '{"action": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture
def bappeda(login_as):
    return login_as("bappeda")


@pytest.mark.parametrize("depth", [600, 995, 5000, 200_000])
@pytest.mark.parametrize("url", ["/api/v1/submissions/{uuid}/review", "/api/v1/submissions/batch",
                                 "/api/v1/reports/jobs", "/api/v1/followups"])
def test_deeply_nested_json_is_a_400_on_every_route(bappeda, url, depth):
    response = bappeda.post(url.format(uuid=uuid.uuid4()), data=nested_text(depth),
                            headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text[:300]
    if depth > 900 or "batch" not in url:  # a batch takes deeper bodies and judges each item on its own
        assert response.json["code"] == "too_deep"


@pytest.mark.parametrize("url", ["/api/v1/submissions/{uuid}/review", "/api/v1/submissions/batch", "/api/v1/reports/jobs"])
def test_an_integer_of_five_thousand_digits_is_a_400(bappeda, url):
    body = '{"submissions": [' + "9" * 5000 + '], "action": ' + "9" * 5000 + "}"
    response = bappeda.post(url.format(uuid=uuid.uuid4()), data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text[:300]


def test_a_json_body_beyond_the_size_limit_is_a_413(app, bappeda):
    app.config["JSON_MAX_BYTES"] = 1000
    try:
        response = bappeda.post("/api/v1/reports/jobs", data='{"kind": "' + "x" * 2000 + '"}',
                                headers={"Content-Type": "application/json"})
    finally:
        app.config["JSON_MAX_BYTES"] = 4 * 1024 * 1024
    assert response.status_code == 413


def test_moderately_nested_json_outside_the_batch_is_a_400_not_a_recursion(bappeda):
    response = bappeda.post("/api/v1/reports/jobs", data=nested_text(100), headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["code"] == "too_deep"


def test_a_nul_deep_inside_a_json_body_is_still_refused(bappeda):
    body = '{"kind": "sites", "x": ' + "[" * 50 + '"a\\u0000"' + "]" * 50 + "}"
    response = bappeda.post("/api/v1/reports/jobs", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json["code"] == "bad_characters"


def test_an_ordinary_request_still_goes_through(bappeda, make_site):
    make_site(factories.KOTA_MANNA)
    response = bappeda.post("/api/v1/reports/jobs", json={"kind": "sites"})
    assert response.status_code == 202, response.text
