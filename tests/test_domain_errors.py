"""Domain errors leave through the one error envelope (webapp/errors.py): the same JSON body and the
same HTML page as an HTTP error of their status, and an Invalid's field errors can go on a form."""
import pytest
from wtforms import Form, StringField

from webapp import create_app
from webapp.config import TestingConfig
from webapp.domain_errors import Busy, Conflict, Forbidden, Invalid, NotFound, TooLarge
from webapp.errors import ApiError, put_on_form, status_of

CASES = [
    (NotFound(), 404),
    (Forbidden("Anda tidak berhak meninjau kiriman ini."), 403),
    (Conflict("Sudah final.", code="illegal_transition"), 409),
    (Invalid(errors={"note": ["Wajib diisi."]}), 422),
    (TooLarge("Berkas terlalu besar.", code="too_large"), 413),
    (Busy("Penyimpanan sedang sibuk; kirim ulang batch ini."), 503),
]


@pytest.fixture(scope="module")
def raising_app(tmp_path_factory):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        STORAGE_ROOT = str(tmp_path_factory.mktemp("storage"))

    app = create_app(Config)
    def raise_it(index: int, kind: str):
        error = CASES[index][0]
        if kind == "http":
            raise ApiError(status_of(error), error.message, error.errors, error.code)
        raise error

    app.add_url_rule("/api/v1/_raise/<int:index>/<kind>", "raise_api", raise_it)
    app.add_url_rule("/_raise/<int:index>/<kind>", "raise_page", raise_it)
    return app


@pytest.mark.parametrize("index", range(len(CASES)))
def test_a_domain_error_answers_the_api_with_the_envelope_of_its_status(raising_app, index):
    client = raising_app.test_client()
    domain = client.get(f"/api/v1/_raise/{index}/domain")
    http = client.get(f"/api/v1/_raise/{index}/http")
    assert domain.status_code == http.status_code == CASES[index][1]
    assert domain.get_json() == http.get_json()
    assert domain.get_json()["status"] == CASES[index][1] and domain.get_json()["message"]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_a_domain_error_shows_a_browser_the_error_page_of_its_status(raising_app, index):
    client = raising_app.test_client()
    domain = client.get(f"/_raise/{index}/domain", headers={"Accept": "text/html"})
    http = client.get(f"/_raise/{index}/http", headers={"Accept": "text/html"})
    assert domain.status_code == CASES[index][1]
    assert domain.data == http.data and b'class="card error-page"' in domain.data


def test_status_of_a_too_large_input_is_413_although_it_is_an_invalid():
    assert isinstance(TooLarge(), Invalid) and status_of(TooLarge()) == 413 and status_of(Invalid()) == 422


class NoteForm(Form):
    note = StringField()
    assignee = StringField()


def test_put_on_form_shows_field_errors_under_their_fields_and_returns_the_rest():
    form = NoteForm()
    form.validate()
    error = Invalid(errors={"note": ["Wajib diisi."], "assignee_opd_id": ["OPD tidak dikenal."],
                            "month": ["Bulan belum berjalan."]})
    rest = put_on_form(form, error, field_of=lambda name: "assignee" if name.startswith("assignee") else name)
    assert form.note.errors == ["Wajib diisi."]
    assert form.assignee.errors == ["OPD tidak dikenal."]
    assert rest == ["Bulan belum berjalan."]


def test_put_on_form_puts_the_message_on_the_fallback_field_when_no_field_error_reached_it():
    form = NoteForm()
    form.validate()
    put_on_form(form, Invalid("Catatan ditolak.", errors={"action": ["Tindakan tidak dikenal."]}), fallback="note")
    assert form.note.errors == ["Catatan ditolak."]
