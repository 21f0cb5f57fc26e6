"""One hostile item of each kind beside a good one: the good one is stored, each bad one rejected, never a 500."""
import json
import uuid

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import geber_item, new_site_ref
from webapp.extensions import db
from webapp.submissions.models import Submission

URL = "/api/v1/submissions/batch"


def _nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": [value]}
    return value


def hostile_items(site_uuid) -> dict[str, object]:
    """name -> an item (or a JSON text fragment for what Python cannot build) that must be rejected."""
    def base(**overrides):
        item = geber_item(site_uuid, photos=[])
        item.update(overrides)
        return item

    answers = geber_item(site_uuid, photos=[])["answers"]
    return {
        "far future": base(recorded_at="9999-12-31T23:59:59Z"),
        "far past": base(recorded_at="0001-01-01T00:00:00Z"),
        "offset past the end": base(recorded_at="9999-12-31T23:59:59-12:00"),
        "offset before the start": base(recorded_at="0001-01-01T00:00:00+14:00"),
        "not a date": base(recorded_at="2026-02-30T25:61:00Z"),
        "naive date": base(recorded_at="2026-01-01T10:00:00"),
        "date as a number": base(recorded_at=1767225600),
        "huge form version": base(form_version=10**40),
        "huge integer answer": base(answers={**answers, "sampah_berserakan": 10**300}),
        "huge float": base(location={"lat": 1e308, "lon": 1e308, "accuracy_m": 1e308}),
        "deep nesting in answers": base(answers={**answers, "catatan": _nested(400)}),
        "deep nesting in the site": base(site=_nested(300)),
        "answers as a list": base(answers=[1, 2, 3]),
        "bad uuid": base(uuid="not-a-uuid"),
        "uuid as a number": base(uuid=12345),
        "bad site uuid": base(site={"uuid": "zzz"}),
        "unknown site": base(site={"uuid": str(uuid.uuid4())}),
        "new site far away": base(site=new_site_ref(lat=60.0, lon=10.0)),
        "NUL in an answer": base(answers={**answers, "catatan": "a\x00b"}),
        "NUL in a key": base(answers={**answers, "cat\x00atan": "x"}),
        "lone surrogate": base(answers={**answers, "catatan": "\ud800"}),
        "very long text": base(answers={**answers, "catatan": "x" * 200_000}),
        "unknown field": base(extra=1),
        "form as an object": base(form={"code": "geber_cek"}),
        "unknown form": base(form="tidak_ada"),
        "attachments not a list": base(attachments={"a": 1}),
        "huge attachment size": base(attachments=[{"uuid": str(uuid.uuid4()), "field": "foto", "sha256": "0" * 64,
                                                   "bytes": 10**30, "content_type": "image/jpeg"}]),
        "null item": None,
        "string item": "submission",
        "list item": [1, 2],
        "number item": 10**50,
    }


@pytest.fixture
def monitor(login_as):
    return login_as("monitor", kecamatan_code=factories.KOTA_MANNA)


def test_each_hostile_item_is_rejected_and_the_good_one_beside_them_is_created(app, monitor, make_site):
    site = make_site(factories.KOTA_MANNA)
    items = hostile_items(site.uuid)
    good = geber_item(site.uuid)
    names = list(items)
    body = json.dumps({"submissions": [items[n] for n in names[:50]] + [good]})
    response = monitor.post(URL, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:500]
    results = response.json["results"]
    assert len(results) == len(names) + 1
    assert results[-1] == {**results[-1], "uuid": good["uuid"], "status": "created"}
    for name, result in zip(names, results, strict=False):
        assert result["status"] == "rejected", name
        assert result["errors"], name
    with app.app_context():
        assert db.session.scalars(select(Submission.uuid)).all() == [uuid.UUID(good["uuid"])]


@pytest.mark.parametrize("name", list(hostile_items(uuid.uuid4())))
def test_a_hostile_item_alone_gets_a_per_item_rejection(monitor, make_site, name):
    site = make_site(factories.KOTA_MANNA)
    item = hostile_items(site.uuid)[name]
    response = monitor.post(URL, data=json.dumps({"submissions": [item, geber_item(site.uuid)]}),
                            headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:500]
    first, second = response.json["results"]
    assert first["status"] == "rejected" and second["status"] == "created"
