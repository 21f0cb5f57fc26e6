"""The compiled item loader gives exactly what the schema gives, or hands the item to the schema."""
import copy
import math
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from tests.factories import declare, geber_item, jpeg_bytes, new_site_ref
from webapp.submissions.item_loader import load_item
from webapp.submissions.schemas import SubmissionItemSchema

SCHEMA = SubmissionItemSchema()
PHOTO = declare(jpeg_bytes())
SITE = uuid.UUID("5b0b5c9e-4f7e-4c53-9d0c-6a4f0e7d2a11")

#: Values that sit on the edges of what each field takes.
ODD_VALUES = [
    None, True, False, 0, 1, -1, 2**31, 2**31 + 1, 10**400, 100000, 100001, 1.5, -90.0, 90.0, 90.000001, 180, -181,
    1e308, math.inf, -math.inf, math.nan, "", " ", "x" * 41, "x" * 201, "a\x00b", "\ud800", "1.5", "12",
    str(uuid.uuid4()), str(uuid.uuid4()).upper(), uuid.uuid4().hex, f"urn:uuid:{uuid.uuid4()}", f"{{{uuid.uuid4()}}}",
    "2026-01-01T00:00:00", "2026-01-01T00:00:00Z", "2026-01-01T07:00:00+07:00", "2026-01-01", "20260101T000000Z",
    "2026-W01-1T00:00:00Z", "2026-02-30T00:00:00Z", "a" * 64, "0" * 64, "0" * 64 + "\n", "image/jpeg", "image/gif",
    "tps", "sekolah", "bukan", [], [1], {}, {"a": 1}, {"lat": 1, "lon": 2}, {"uuid": str(SITE)},
]


def base_items() -> list[dict]:
    plain = geber_item(SITE, photos=[])
    plain["attachments"] = [copy.deepcopy(PHOTO)]
    plain["answers"]["foto"] = [PHOTO["uuid"]]
    with_new_site = geber_item(SITE, photos=[], site=new_site_ref())
    bare = {k: v for k, v in geber_item(SITE, photos=[]).items() if k not in ("location", "site", "attachments")}
    no_accuracy = geber_item(SITE, photos=[], location={"lat": -4.4, "lon": 102.9})
    return [plain, with_new_site, bare, no_accuracy]


def paths(value, prefix=()):
    """Every key path into an item (the containers too)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from paths(inner, (*prefix, index))


def mutated(item: dict, path: tuple, action: str, value) -> dict:
    item = copy.deepcopy(item)
    *parents, last = path
    target = item
    for key in parents:
        target = target[key]
    if action == "delete" and isinstance(target, dict):
        del target[last]
    elif action == "extra" and isinstance(target, dict):
        target["tambahan"] = value
    else:
        target[last] = value
    return item


def schema_result(item):
    try:
        return SCHEMA.load(item)
    except ValidationError:
        return "refused"


@st.composite
def items(draw):
    item = draw(st.sampled_from(base_items()))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from([p for p in paths(item)] or [("uuid",)]))
        item = mutated(item, path, draw(st.sampled_from(["set", "set", "delete", "extra"])), draw(st.sampled_from(ODD_VALUES)))
    return item


def test_ordinary_items_take_the_fast_path_with_the_schemas_result():
    for item in base_items():
        fast = load_item(item)
        assert fast is not None, item
        assert fast == SCHEMA.load(item)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items())
def test_the_fast_path_never_differs_from_the_schema(item):
    fast = load_item(item)
    if fast is not None:
        assert schema_result(item) == fast, "the fast path accepted what the schema refuses, or loaded it otherwise"


def test_each_odd_value_in_each_place_is_either_the_schemas_result_or_left_to_it():
    for item in base_items():
        for path in paths(item):
            for value in ODD_VALUES:
                for action in ("set", "delete", "extra"):
                    changed = mutated(item, path, action, value)
                    fast = load_item(changed)
                    if fast is not None:
                        assert schema_result(changed) == fast, (path, action, value)
