"""What tests share that is not test data: clients that log in as a browser or a phone does,
a page's CSRF token, a map answer's features, the rule for a missing service."""
import gzip
import json
import os
import re

import pytest

from tests.factories import PASSWORD

REQUIRE_SERVICES = os.environ.get("PANTAU_REQUIRE_SERVICES") == "1"

_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(html: str) -> str:
    """The page's CSRF token (every logged-in page has one, in the logout form at least; the login
    page has it in its own form)."""
    return _CSRF_FIELD.search(html).group(1)


def geojson_of(response) -> dict:
    """The body of a map answer, gzipped or not."""
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


def ids_of(response) -> set[str]:
    """The site ids of a map answer: a page of the list, or a GeoJSON's features."""
    body = geojson_of(response)
    if "sites" in body:
        return {site["id"] for site in body["sites"]}
    return {f["properties"]["id"] for f in body["features"]}


def missing_service(reason: str):
    """Skip, or fail when the run was told every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


class AuthActions:
    """Log in and out through the real login form, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = PASSWORD, remember: bool = True):
        page = self._client.get("/masuk")
        data = {"username": username, "password": password, "csrf_token": csrf(page.text)}
        if remember:
            data["remember"] = "y"
        return self._client.post("/masuk", data=data)

    def logout(self):
        page = self._client.get("/beranda")
        return self._client.post("/keluar", data={"csrf_token": csrf(page.text)})


class ApiClient:
    """A logged-in JSON client that sends the CSRF token the way the phone does."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def token(self) -> str:
        if self._token is None:
            self._token = self.client.get("/api/v1/session").json["csrf_token"]
        return self._token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, json=None, **kwargs):
        headers = {"X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.client.post(url, json=json, headers=headers, **kwargs)

    def put(self, url, data=None, **kwargs):
        headers = {"X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.client.put(url, data=data, headers=headers, **kwargs)

    def patch(self, url, json=None, **kwargs):
        headers = {"X-CSRFToken": self.token(), **kwargs.pop("headers", {})}
        return self.client.patch(url, json=json, headers=headers, **kwargs)
