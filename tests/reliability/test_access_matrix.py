"""Every route × every role (and anonymous) → the status the scopes promise, inside and outside scope.

The routes come from app.url_map: a route without a rule in tests/reliability/routes.py fails.
"""

import pytest
from flask import url_for

from tests.helpers import AuthActions, csrf
from tests.reliability.routes import CASES, Case
from tests.reliability.world import ROLES, World, build

IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: Roles bound to a kecamatan or an OPD: nothing of Pino or of PUPR may reach them, on any route.
SCOPED = ("camat", "opd", "monitor")


def route_keys(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods - IGNORED_METHODS}


def test_every_route_has_a_rule_in_the_access_matrix(app):
    ruled = {(case.endpoint, case.method) for case in CASES}
    missing = sorted(route_keys(app) - ruled)
    stale = sorted(ruled - route_keys(app))
    assert not missing, "new route without a rule in tests/reliability/routes.py: " + ", ".join(f"{m} {e}" for e, m in missing)
    assert not stale, "rule for a route that no longer exists: " + ", ".join(f"{m} {e}" for e, m in stale)


def session_for(app, world: World):
    """A test client logged in as the world's actor (or anonymous) and its CSRF token."""
    client = app.test_client()
    if world.username is None:
        page = client.get("/masuk").get_data(as_text=True)
        return client, csrf(page)
    response = AuthActions(client).login(world.username)
    assert response.status_code == 302, "the actor could not log in"
    return client, client.get("/api/v1/session").json["csrf_token"]


def url_of(app, case: Case, world: World) -> str:
    with app.test_request_context():
        url = url_for(case.endpoint, **case.values(world))
    return f"{url}?{case.query}" if case.query else url


def send(client, case: Case, url: str, token: str, world: World):
    headers = {"X-CSRFToken": token}
    if case.body is None:
        return client.open(url, method=case.method, headers=headers)
    kind, payload = case.body(world)
    if kind == "json":
        return client.open(url, method=case.method, json=payload, headers=headers)
    if kind == "raw":
        return client.open(url, method=case.method, data=payload, headers={**headers, "Content-Type": "image/jpeg"})
    content_type = "multipart/form-data" if kind == "multipart" else "application/x-www-form-urlencoded"
    return client.open(url, method=case.method, data=payload, headers=headers, content_type=content_type)


def leaks(world: World, response) -> list[str]:
    if world.role not in SCOPED or not response.mimetype or not response.mimetype.startswith(("text/", "application/")):
        return []
    body = response.get_data(as_text=True)
    return [marker for marker in world.markers if marker in body]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_its_scope_says(app, role):
    world = build(app, role)
    client, token = session_for(app, world)
    wrong, leaked, content = [], [], []
    for case in sorted(CASES, key=lambda c: c.last):
        url = url_of(app, case, world)
        response = send(client, case, url, token, world)
        expected = case.expect[role]
        name = f"{case.method} {case.endpoint}" + (f" ({case.label})" if case.label else "")
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code}, expected {expected}")
        elif case.check and response.status_code == 200 and role != "anon":
            content += [f"{name}: {problem}" for problem in case.check(world, response)]
        if found := leaks(world, response):
            leaked.append(f"{name}: shows {found}")
        response.close()
    assert not wrong, f"{role}:\n  " + "\n  ".join(wrong)
    assert not leaked, f"{role} sees outside its scope:\n  " + "\n  ".join(leaked)
    assert not content, f"{role}:\n  " + "\n  ".join(content)
