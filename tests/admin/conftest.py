import pytest

from tests.helpers import csrf


class AdminClient:
    """A logged-in admin browser: GETs pages and POSTs forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, page=None, **kwargs):
        token = csrf(self.client.get(page or "/admin/").text)
        return self.client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def admin(login_as):
    api = login_as("admin")
    client = AdminClient(api.client)
    client.user = api.user
    return client
