"""Every 405 names the methods its URL takes in an Allow header."""
import re
import uuid

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(uuid.uuid4()) if "uuid" in m.group(0) else "1", rule)


def test_every_405_carries_an_allow_header_listing_the_methods(app, login_as):
    client = login_as("admin")
    seen = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = _concrete(rule.rule)
        allowed = set(rule.methods or ())
        for method in METHODS:
            if method in allowed:
                continue
            response = client.client.open(url, method=method, headers={"X-CSRFToken": client.token()})
            if response.status_code != 405:
                continue
            seen += 1
            assert "Allow" in response.headers, (method, url)
            listed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert listed and listed <= set(METHODS) | {"HEAD", "OPTIONS"}, (method, url, listed)
            assert method not in listed
    assert seen > 50
