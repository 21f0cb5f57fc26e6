"""A submission returned for correction comes back under its UUID with its form and its site."""
import copy

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import geber_item
from webapp.extensions import db
from webapp.submissions.models import Submission

URL = "/api/v1/submissions/batch"


@pytest.fixture
def returned(app, login_as, make_site):
    """A monitor's geber_cek that the camat of Kota Manna returned for correction."""
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    camat = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    site = make_site(factories.KOTA_MANNA, name="SD Negeri 3 Manna")
    other_site = make_site(factories.KOTA_MANNA, name="Pasar Manna")
    item = geber_item(site.uuid, answers={"drainase_lancar": False})
    assert monitor.post(URL, json={"submissions": [item]}).json["results"][0]["status"] == "created"
    answer = camat.post(f"/api/v1/submissions/{item['uuid']}/review",
                        json={"action": "return", "note": "Foto drainase kurang jelas"})
    assert answer.status_code == 200, answer.text
    return {"monitor": monitor, "camat": camat, "item": item, "site": site, "other_site": other_site}


def _still_with_its_reviewer(app, returned, form="geber_cek"):
    uuid = returned["item"]["uuid"]
    with app.app_context():
        sub = db.session.scalar(select(Submission))
        assert (sub.form_code, sub.site_id) == (form, returned["site"].id)
        assert sub.kecamatan_id == factories.kecamatan(factories.KOTA_MANNA).id
    assert returned["camat"].get(f"/tinjauan/{uuid}").status_code == 200


def test_a_correction_under_another_form_without_a_site_is_rejected_with_reasons(app, returned):
    changed = copy.deepcopy(returned["item"])
    changed.update(form="geber_aksi", site=None,
                   answers={"jenis_aksi": "gotong_royong", "peserta": 12, "sampah_kg": 30.5, "foto": changed["answers"]["foto"]})
    (result,) = returned["monitor"].post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"form", "site"}
    assert "geber_cek" in result["errors"]["form"][0]
    _still_with_its_reviewer(app, returned)


def test_a_correction_for_another_site_is_rejected(app, returned):
    changed = copy.deepcopy(returned["item"])
    changed["site"] = {"uuid": str(returned["other_site"].uuid)}
    (result,) = returned["monitor"].post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "rejected" and list(result["errors"]) == ["site"]
    _still_with_its_reviewer(app, returned)


def test_a_correction_for_a_new_site_made_offline_is_rejected(app, returned):
    from tests.factories import new_site_ref

    changed = copy.deepcopy(returned["item"])
    changed["site"] = new_site_ref()
    (result,) = returned["monitor"].post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "rejected" and list(result["errors"]) == ["site"]
    _still_with_its_reviewer(app, returned)


def test_a_correction_with_the_same_form_and_site_goes_back_to_its_reviewer(app, returned):
    changed = copy.deepcopy(returned["item"])
    changed["answers"]["drainase_lancar"] = True
    (result,) = returned["monitor"].post(URL, json={"submissions": [changed]}).json["results"]
    assert result["status"] == "created"
    _still_with_its_reviewer(app, returned)
    queue = returned["camat"].get("/tinjauan").text
    assert "SD Negeri 3 Manna" in queue
