"""Every state-changing route of the URL map (HTML and API) refuses a request without a valid CSRF
token with a 400 — never a 2xx, never a 5xx — and changes nothing."""
import re

import pytest
from sqlalchemy import func, select

from tests.reliability.routes import CASES, STATE_CHANGING
from tests.reliability.test_access_matrix import session_for, url_of
from tests.reliability.world import build
from webapp.extensions import db

CSRF_MESSAGE = "Token keamanan (CSRF)"


def state_changing_routes(app) -> list[tuple[str, str]]:
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods & set(STATE_CHANGING)})


def fingerprint() -> dict:
    """Row counts of every table: a write that slipped through shows up here."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables}


def send_without_token(client, case, url, world, token_header: dict):
    """The case's request with the token replaced by `token_header` (empty: no token at all)."""
    if case.body is None:
        return client.open(url, method=case.method, headers=token_header)
    kind, payload = case.body(world)
    if kind == "json":
        return client.open(url, method=case.method, json=payload, headers=token_header)
    if kind == "raw":
        return client.open(url, method=case.method, data=payload, headers={**token_header, "Content-Type": "image/jpeg"})
    content_type = "multipart/form-data" if kind == "multipart" else "application/x-www-form-urlencoded"
    return client.open(url, method=case.method, data=payload, headers=token_header, content_type=content_type)


@pytest.mark.parametrize("role", ["admin", "monitor", "anon"])
def test_state_changing_routes_refuse_a_missing_or_foreign_csrf_token_with_400(app, role):
    world = build(app, role)
    client, own_token = session_for(app, world)
    # A token that is valid, but for another session (a forged cross-site request would hold one of its own).
    _other_client, foreign_token = session_for(app, build(app, "bappeda"))
    routes = state_changing_routes(app)
    case_of = {}
    for case in CASES:
        case_of.setdefault((case.endpoint, case.method), case)
    assert not [r for r in routes if r not in case_of], "state-changing route without a case in routes.py"
    with app.app_context():
        before = fingerprint()
    problems = []
    for endpoint, method in routes:
        case = case_of[(endpoint, method)]
        url = url_of(app, case, world)
        for label, header in (("no token", {}), ("foreign token", {"X-CSRFToken": foreign_token}),
                              ("garbage token", {"X-CSRFToken": "x" * 40}), ("token in a cookie-like header",
                                                                            {"X-CSRF-Token": own_token})):
            response = send_without_token(client, case, url, world, header)
            body = response.get_data(as_text=True)
            if response.status_code != 400 or CSRF_MESSAGE not in body:
                problems.append(f"{method} {endpoint} ({label}): {response.status_code}")
            response.close()
    with app.app_context():
        after = fingerprint()
    assert not problems, "\n".join(problems)
    assert after == before
    # The token itself still works: the refusals were about the token, not the session.
    assert client.get("/api/v1/session").status_code == (401 if role == "anon" else 200)


def test_the_csrf_refusal_is_the_json_envelope_on_the_api_and_a_page_in_html(app):
    world = build(app, "admin")
    client, _token = session_for(app, world)
    api = client.post("/api/v1/followups", json={"title": "x"})
    assert api.status_code == 400 and api.json["code"] == "csrf" and CSRF_MESSAGE in api.json["message"]
    html = client.post("/laporan", data={"kind": "sites"})
    assert html.status_code == 400 and html.mimetype == "text/html"
    assert re.search(CSRF_MESSAGE.replace("(", r"\(").replace(")", r"\)"), html.get_data(as_text=True))
