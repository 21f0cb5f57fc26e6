"""Logging in again from inside the field app: POST /api/v1/session with a CSRF token from
GET /api/v1/session/token, so the page never navigates away (an upload in flight goes on)."""
from tests.factories import PASSWORD


def _token(client) -> str:
    answer = client.get("/api/v1/session/token")
    assert answer.status_code == 200
    return answer.json["csrf_token"]


def test_a_monitor_logs_in_through_the_api_and_gets_the_session_and_a_fresh_token(client, make_user):
    user = make_user("monitor")
    assert client.get("/api/v1/session").status_code == 401
    answer = client.post("/api/v1/session", json={"username": user.username, "password": PASSWORD},
                         headers={"X-CSRFToken": _token(client)})
    assert answer.status_code == 200
    assert answer.json["user"]["id"] == user.id
    session = client.get("/api/v1/session")
    assert session.status_code == 200 and session.json["user"]["username"] == user.username
    # The token handed out at login is the new session's: a write with it passes the CSRF check.
    write = client.post("/api/v1/submissions/batch", json={"submissions": []},
                        headers={"X-CSRFToken": answer.json["csrf_token"]})
    assert write.status_code != 400 or write.json.get("code") != "csrf"


def test_a_wrong_password_is_a_401_naming_the_field_and_logs_nobody_in(client, make_user):
    user = make_user("monitor")
    answer = client.post("/api/v1/session", json={"username": user.username, "password": "salah"},
                         headers={"X-CSRFToken": _token(client)})
    assert answer.status_code == 401
    assert answer.json["code"] == "bad_credentials"
    assert answer.json["message"] == "Nama pengguna atau kata sandi salah."
    assert "password" in answer.json["errors"]
    assert client.get("/api/v1/session").status_code == 401


def test_logging_in_through_the_api_needs_the_csrf_token(client, make_user):
    user = make_user("monitor")
    answer = client.post("/api/v1/session", json={"username": user.username, "password": PASSWORD})
    assert answer.status_code == 400 and answer.json["code"] == "csrf"
    assert client.get("/api/v1/session").status_code == 401


def test_missing_credentials_are_a_422_not_a_500(client):
    answer = client.post("/api/v1/session", json={"username": ""}, headers={"X-CSRFToken": _token(client)})
    assert answer.status_code == 422
    assert {"username", "password"} <= set(answer.json["errors"])
