"""One language per user: the account setting decides pages, API messages and reference labels."""

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import geber_item
from tests.helpers import csrf
from webapp.accounts.models import User
from webapp.extensions import db


URL = "/api/v1/submissions/batch"


@pytest.fixture
def site(make_site):
    return make_site(factories.KOTA_MANNA, name="SD Negeri 3 Manna")


def choose(client, language: str):
    page = client.get("/akun")
    token = csrf(page.text)
    return client.client.post("/akun", data={"language": language, "csrf_token": token})


def stored_language(app, username: str) -> str:
    with app.app_context():
        language = db.session.scalar(select(User.language).where(User.username == username))
        db.session.remove()
    return language


def test_indonesian_is_the_default_and_the_browser_language_does_not_change_it(login_as):
    monitor = login_as("monitor")
    english_browser = {"Accept-Language": "en-US,en;q=0.9"}
    assert '<html lang="id">' in monitor.get("/beranda", headers=english_browser).text
    kinds = {k["value"]: k["label"] for k in monitor.get("/api/v1/bootstrap", headers=english_browser).json["site_kinds"]}
    assert kinds["pasar"] == "Pasar" and kinds["kantor"] == "Kantor"
    assert monitor.get("/api/v1/bootstrap").json["user"]["language"] == "id"


def test_choosing_english_changes_pages_api_messages_and_site_kinds_together(app, login_as, site):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    response = choose(monitor, "en")
    assert response.status_code == 302
    assert stored_language(app, monitor.user.username) == "en"
    assert '<html lang="en">' in monitor.get("/beranda", headers={"Accept-Language": "id"}).text
    bootstrap = monitor.get("/api/v1/bootstrap", headers={"Accept-Language": "id"}).json
    assert bootstrap["user"]["language"] == "en"
    assert {k["value"]: k["label"] for k in bootstrap["site_kinds"]}["pasar"] == "Market"
    item = geber_item(site.uuid)
    item.pop("recorded_at")
    (result,) = monitor.post(URL, json={"submissions": [item]}, headers={"Accept-Language": "id"}).json["results"]
    assert result["errors"]["recorded_at"] == ["Required."]


def test_the_language_link_of_a_signed_in_user_saves_the_setting(app, login_as):
    bappeda = login_as("bappeda")
    assert '<html lang="en">' in bappeda.get("/beranda?lang=en").text
    assert stored_language(app, bappeda.user.username) == "en"
    # Another device (a new session) of the same user opens in English too.
    assert '<html lang="en">' in bappeda.get("/bappeda").text


def test_the_language_chosen_before_login_becomes_the_account_setting(app, client, auth, make_user):
    user = make_user("camat", kecamatan_code="17.01.01")
    client.get("/masuk?lang=en")
    auth.login(user.username)
    assert stored_language(app, user.username) == "en"


def test_an_unknown_language_is_refused_with_a_message(login_as):
    monitor = login_as("monitor")
    page = monitor.get("/akun")
    token = csrf(page.text)
    response = monitor.client.post("/akun", data={"language": "fr", "csrf_token": token})
    assert response.status_code == 200 and "Not a valid choice" not in response.text
    assert 'class="error"' in response.text


def test_a_page_resolves_its_catalogue_once_and_again_when_the_locale_is_switched(app, monkeypatch):
    from flask import render_template_string
    from flask_babel import Domain, force_locale

    looked_up = []
    original = Domain.get_translations
    monkeypatch.setattr(Domain, "get_translations", lambda self: looked_up.append(1) or original(self))
    page = "{% for _i in range(50) %}{{ _('Keluar') }} {{ 57.25|pct }};{% endfor %}"
    with app.test_request_context("/"):
        indonesian = render_template_string(page)
        assert len(looked_up) == 1
        with force_locale("en"):
            english = render_template_string(page)
        again = render_template_string(page)
    assert indonesian.count("Keluar 57,2%;") == 50 and again == indonesian
    assert english.count("Sign out 57.2%;") == 50
    assert len(looked_up) == 3
