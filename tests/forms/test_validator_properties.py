"""Properties of the validator for any answers and any valid definition, and its JS twin.

The validator never raises: for anything JSON can carry it returns either no errors (and a
score in 0..100 or None) or field errors. static/js/form-rules.js gives the same result for
the same input (run through Node when it is installed).
"""

import datetime
import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.forms.definition_schema import DefinitionError, builtin_definitions, check_definition
from webapp.forms.validator import MESSAGES, MESSAGES_EN, english, score_answers, validate_answers

ROOT = Path(__file__).resolve().parents[2]
FORM_RULES_JS = ROOT / "static" / "js" / "form-rules.js"
BUILTIN = builtin_definitions()
LABEL = {"id": "Label", "en": "Label"}
UUIDS = [
    "3f2c7a1e-9b4d-4c8e-a1f2-0123456789ab",
    "0b7e9d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    "a0a0a0a0-b1b1-4c2c-8d3d-e4e4e4e4e4e4",
    "ffffffff-ffff-4fff-bfff-ffffffffffff",
]
OPTION_VALUES = ["a", "b", "c-1", "d_2", "lainnya"]
KNOWN_OPTIONS = {"kegiatan": ["K-1", "a"], "constructor": ["toString", "K-2"]}
SOURCES = ["kegiatan", "opd", "constructor"]
# Names that are ordinary here but dangerous on a JavaScript object.
FIELD_NAMES = ["constructor", "valueof", "length", "a", "b", "catatan", "foto", "x1", "x_2"]

FAST = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# -- strategies --------------------------------------------------------------------------------

odd_text = st.sampled_from(["", " ", "\t\n", "\x00", "\ud800", "a\udc00b", "\u00a0", "\ufeff",
                            "\U0001f600", "2024-02-29", "2023-02-29", UUIDS[0], UUIDS[1].upper(),
                            "a", "K-1", "__proto__"])
texts = st.one_of(odd_text, st.text(max_size=12))
numbers = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([0, 1, -1, 2**53 - 1, 2**53, 10**400, 0.5, -0.0, 1e300, 100.0, 90, 180]),
    st.floats(allow_nan=False, allow_infinity=False),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(texts, inner, max_size=4)),
    max_leaves=12,
)


def _sorted_pair(a, b):
    return (a, b) if a <= b else (b, a)


@st.composite
def field_specs(draw, name, in_repeat=False, scored=False):
    """One valid field definition of a random type with random constraints."""
    types = ["text", "integer", "decimal", "date", "select_one", "select_many", "yes_no",
             "geopoint", "note"] + ([] if in_repeat else ["photo", "repeat"])
    kind = draw(st.sampled_from(types))
    spec = {"name": name, "type": kind, "label": LABEL}
    if kind != "note" and draw(st.booleans()):
        spec["required"] = draw(st.booleans())
    if kind == "text" and draw(st.booleans()):
        spec["max_length"] = draw(st.integers(1, 20))
    elif kind in ("integer", "decimal"):
        value = (st.integers(-1000, 1000) if kind == "integer"
                 else st.one_of(st.integers(-1000, 1000),
                                st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)))
        low, high = _sorted_pair(draw(value), draw(value))
        if draw(st.booleans()):
            spec["min"] = low
        if draw(st.booleans()):
            spec["max"] = high
    elif kind == "date":
        dates = st.dates().map(lambda d: d.isoformat())
        low, high = _sorted_pair(draw(dates), draw(dates))
        if draw(st.booleans()):
            spec["min"] = low
        if draw(st.booleans()):
            spec["max"] = high
    elif kind in ("select_one", "select_many"):
        if draw(st.booleans()):
            values = draw(st.lists(st.sampled_from(OPTION_VALUES), min_size=1, unique=True))
            spec["options"] = [{"value": v, "label": LABEL} for v in values]
        else:
            spec["options_from"] = draw(st.sampled_from(SOURCES))
        if kind == "select_many" and draw(st.booleans()):
            spec["max_items"] = draw(st.integers(1, 4))
    elif kind == "yes_no":
        if draw(st.booleans()):
            spec["pass"] = draw(st.booleans())
        if scored and not in_repeat and draw(st.booleans()):
            spec["weight"] = draw(st.one_of(
                st.integers(1, 100),
                st.floats(0.001, 1_000_000, allow_nan=False, allow_infinity=False)))
    elif kind == "photo":
        spec["max_photos"] = draw(st.integers(1, 4))
        if draw(st.booleans()):
            spec["min_photos"] = draw(st.integers(0, spec["max_photos"]))
    elif kind == "repeat":
        names = draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=3, unique=True))
        spec["fields"] = [draw(field_specs(n, in_repeat=True)) for n in names]
        spec["max_items"] = draw(st.integers(1, 3))
    return spec


@st.composite
def definitions(draw):
    """A random definition that passes the definition check."""
    scored = draw(st.booleans())
    names = draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=6, unique=True))
    specs = [draw(field_specs(n, scored=scored)) for n in names]
    if scored and not any("weight" in s for s in specs):
        specs.append({"name": "wajib_skor", "type": "yes_no", "label": LABEL, "weight": 1})
    return {"form": "acak", "version": 1, "programme": "geber", "title": LABEL,
            "site_required": False, "scored": scored, "fields": specs}


def plausible_value(spec):
    """Values near the field's domain: valid ones, edge cases, and anything at all."""
    kind = spec["type"]
    valid = {
        "text": texts,
        "integer": st.one_of(st.integers(-1100, 1100), st.sampled_from([5.0, 2.5])),
        "decimal": st.one_of(st.integers(-1100, 1100), st.floats(-2e6, 2e6)),
        "date": st.dates().map(lambda d: d.isoformat()),
        "select_one": st.sampled_from(OPTION_VALUES + ["K-1", "zz"]),
        "select_many": st.lists(st.sampled_from(OPTION_VALUES + ["K-1"]), max_size=4),
        "yes_no": st.booleans(),
        "photo": st.lists(st.sampled_from(UUIDS + [UUIDS[0].upper(), "foto.jpg"]), max_size=5),
        "geopoint": st.fixed_dictionaries(
            {"lat": st.floats(-95, 95), "lon": st.floats(-185, 185)},
            optional={"accuracy_m": st.one_of(st.none(), st.floats(-1, 1e4))},
        ),
        "note": st.none(),
    }.get(kind)
    if kind == "repeat":
        valid = st.lists(answer_dicts(spec["fields"]), max_size=4)
    return st.one_of(valid, valid, json_values)


def answer_dicts(specs):
    """Answer objects with any subset of the fields, and now and then an unknown key."""
    return st.fixed_dictionaries(
        {},
        optional={**{s["name"]: plausible_value(s) for s in specs}, "tak_dikenal": json_values},
    )


def valid_value(spec):
    """Values that satisfy the field's definition (given KNOWN_OPTIONS and all UUIDS)."""
    kind = spec["type"]
    if kind == "text":
        return st.text(alphabet="abc XYZ\u00e9\U0001f600\n", min_size=1,
                       max_size=spec.get("max_length", 30)).filter(lambda t: t.strip())
    if kind == "integer":
        return st.integers(spec.get("min", -(10**12)), spec.get("max", 10**12))
    if kind == "decimal":
        floats = st.floats(spec.get("min", -1e12), spec.get("max", 1e12))
        low, high = math.ceil(spec.get("min", -1e12)), math.floor(spec.get("max", 1e12))
        # A narrow range such as 1.5..1.7 holds no integer at all.
        return st.one_of(floats, st.integers(low, high)) if low <= high else floats
    if kind == "date":
        low = datetime.date.fromisoformat(spec.get("min", "0001-01-01"))
        high = datetime.date.fromisoformat(spec.get("max", "9999-12-31"))
        return st.dates(low, high).map(lambda d: d.isoformat())
    if kind in ("select_one", "select_many"):
        if "options" in spec:
            choices = st.sampled_from([o["value"] for o in spec["options"]])
        elif spec["options_from"] in KNOWN_OPTIONS:
            choices = st.sampled_from(KNOWN_OPTIONS[spec["options_from"]])
        else:
            choices = st.text(alphabet="K-0123 ", min_size=1, max_size=5)
        if kind == "select_one":
            return choices
        return st.lists(choices, min_size=1, max_size=spec.get("max_items", 5), unique=True)
    if kind == "yes_no":
        return st.booleans()
    if kind == "photo":
        return st.lists(st.sampled_from(UUIDS), unique=True, max_size=spec["max_photos"],
                        min_size=max(1, spec.get("min_photos", 0)))
    if kind == "geopoint":
        return st.fixed_dictionaries(
            {"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)},
            optional={"accuracy_m": st.floats(0, 1e4)},
        )
    assert kind == "repeat"
    return st.lists(valid_answers(spec["fields"]), min_size=1, max_size=spec["max_items"])


def valid_answers(specs):
    """Answer objects that satisfy the definition: every required field, some optional ones."""
    answered = [s for s in specs if s["type"] != "note"]
    return st.fixed_dictionaries(
        {s["name"]: valid_value(s) for s in answered if s.get("required")},
        optional={s["name"]: valid_value(s) for s in answered if not s.get("required")},
    )


def _check_invariants(definition, result):
    assert result.errors.keys() == result.codes.keys()
    for path, messages in result.errors.items():
        assert path == "answers" or path.startswith("answers.")
        assert messages and len(messages) == len(result.codes[path])
        assert all(isinstance(m, str) and m for m in messages)
        assert all(code in MESSAGES for code in result.codes[path])
    names = {s["name"] for s in definition["fields"]}
    assert set(result.cleaned) <= names
    if result.errors:
        assert result.score is None
    elif definition["scored"]:
        assert result.score is None or 0.0 <= result.score <= 100.0
        assert result.score == score_answers(definition, result.cleaned)
    else:
        assert result.score is None


# -- properties --------------------------------------------------------------------------------


@pytest.mark.slow
@FAST
@given(definition=st.sampled_from(BUILTIN), answers=json_values)
def test_any_json_value_as_answers_gives_a_result_never_an_exception(definition, answers):
    _check_invariants(definition, validate_answers(definition, answers))


@pytest.mark.slow
@FAST
@given(data=st.data(), definition=st.sampled_from(BUILTIN))
def test_near_valid_answers_to_the_built_in_forms_give_a_result(data, definition):
    answers = data.draw(answer_dicts(definition["fields"]))
    result = validate_answers(definition, answers,
                              options=data.draw(st.sampled_from([None, {"kegiatan": {"K-1"}}])),
                              attachment_uuids=data.draw(st.sampled_from([None, set(UUIDS[:2])])))
    _check_invariants(definition, result)


@pytest.mark.slow
@FAST
@given(data=st.data(), definition=definitions())
def test_any_valid_definition_and_any_answers_give_a_result(data, definition):
    assert check_definition(definition) is definition
    answers = data.draw(st.one_of(answer_dicts(definition["fields"]), json_values))
    result = validate_answers(definition, answers, translate=english)
    _check_invariants(definition, result)
    if result.ok:
        # cleaned answers are valid themselves and clean to themselves
        again = validate_answers(definition, result.cleaned)
        assert again.ok and again.cleaned == result.cleaned and again.score == result.score


@pytest.mark.slow
@FAST
@given(data=st.data(), definition=st.one_of(st.sampled_from(BUILTIN), definitions()))
def test_answers_that_satisfy_the_definition_are_accepted(data, definition):
    answers = data.draw(valid_answers(definition["fields"]))
    result = validate_answers(definition, answers, options=KNOWN_OPTIONS, attachment_uuids=UUIDS)
    assert result.errors == {}
    _check_invariants(definition, result)
    if definition["scored"] and any(isinstance(answers.get(s["name"]), bool)
                                    for s in definition["fields"] if "weight" in s):
        assert 0.0 <= result.score <= 100.0


@pytest.mark.slow
@FAST
@given(data=st.data(), definition=definitions())
def test_a_scored_form_scores_100_when_all_pass_and_0_when_all_fail(data, definition):
    weighted = [s for s in definition["fields"] if "weight" in s]
    if not weighted:
        return
    passing = {s["name"]: s.get("pass", True) for s in weighted}
    failing = {name: not answer for name, answer in passing.items()}
    mixed = {name: data.draw(st.booleans()) for name in passing}
    assert score_answers(definition, passing) == 100.0
    assert score_answers(definition, failing) == 0.0
    score = score_answers(definition, mixed)
    assert 0.0 <= score <= 100.0 and math.isclose(score * 10, round(score * 10))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@pytest.mark.slow
@FAST
@given(data=st.data(), definition=st.sampled_from(BUILTIN), value=json_values)
def test_a_corrupted_definition_is_accepted_or_refused_with_a_definition_error(
    data, definition, value
):
    document = json.loads(json.dumps(definition))
    path = data.draw(st.sampled_from(list(_paths(document))[1:]))
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        check_definition(document)
    except DefinitionError as exc:
        assert exc.errors and all(isinstance(m, str) for ms in exc.errors.values() for m in ms)
    else:
        # whatever passed is safe for the validator
        _check_invariants(document, validate_answers(document, {}))


# -- the JavaScript twin -----------------------------------------------------------------------

NODE_RUNNER = """
import { validateAnswers, english, MESSAGES, MESSAGES_EN } from './form-rules.mjs';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync(0, 'utf8'));
const results = cases.map((c) => validateAnswers(c.definition, JSON.parse(c.answers), {
  options: c.options, attachmentUuids: c.attachments, translate: c.english ? english : undefined,
}));
process.stdout.write(JSON.stringify({ results, MESSAGES, MESSAGES_EN }));
"""


# Hand-picked values tried in every field of the forms below, for both validators.
EDGE_VALUES = [
    None, "", " ", "\x00", "a\x00", "\ud800", "\udc00x", "\U0001f600", "\u00a0", "\ufeff x",
    "x" * 2001, True, False, 0, -0.0, 1, 5.0, 5.5, -1, 2**53 - 1, 2**53, -(2**53), 10**400, 1e300,
    1e-7, 0.1, 1 / 3, 100, 100.5, "5", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31",
    "2024-01-01 ", UUIDS[0], UUIDS[0].upper(), "K-1", "a", "lainnya", "cuaca", "constructor",
    "toString", "__proto__", ["a"], ["a", "a"], ["a", 1], ["a", "b", "c-1"], [UUIDS[0]],
    [UUIDS[0], UUIDS[0].upper()], UUIDS, [UUIDS[0]] * 6, ["foto.jpg"], {}, {"lat": 1, "lon": 2},
    {"lat": -90, "lon": 180, "accuracy_m": 0}, {"lat": 91, "lon": 0}, {"lat": "1", "lon": 2},
    {"lat": 1, "lon": 2, "accuracy_m": -1}, {"lat": 1}, {"lat": 1, "lon": 2, "alt": 0}, [{}],
    [{"kategori": "cuaca", "uraian": " x ", "tingkat": "tinggi"}], [{"kategori": "x"}, 5],
    [{"a": "b"}] * 4, [5],
]
KITCHEN_SINK = {
    "form": "semua", "version": 1, "programme": "monev", "title": LABEL, "site_required": False,
    "scored": True,
    "fields": [
        {"name": "a", "type": "decimal", "label": LABEL, "min": 1 / 3, "max": 2.5},
        {"name": "b", "type": "decimal", "label": LABEL, "min": -1e-7, "max": 0.1},
        {"name": "c", "type": "integer", "label": LABEL, "min": -5, "max": 5, "required": True},
        {"name": "d", "type": "text", "label": LABEL, "max_length": 1},
        {"name": "e", "type": "date", "label": LABEL, "min": "2024-02-29", "max": "2024-03-01"},
        {"name": "f", "type": "select_many", "label": LABEL, "options_from": "kegiatan",
         "max_items": 1},
        {"name": "g", "type": "photo", "label": LABEL, "min_photos": 2, "max_photos": 3},
        {"name": "h", "type": "yes_no", "label": LABEL, "weight": 0.1, "pass": False},
        {"name": "i", "type": "yes_no", "label": LABEL, "weight": 0.2},
        {"name": "j", "type": "repeat", "label": LABEL, "max_items": 2, "fields": [
            {"name": "constructor", "type": "select_one", "label": LABEL, "options_from": "opd"},
            {"name": "k", "type": "yes_no", "label": LABEL, "required": True},
        ]},
        {"name": "constructor", "type": "note", "label": LABEL},
    ],
}


def edge_cases():
    """Every edge value in every field of the built-in forms and KITCHEN_SINK."""
    check_definition(KITCHEN_SINK)
    cases = []
    for definition in [*BUILTIN, KITCHEN_SINK]:
        base = {"c": 0, "h": True} if definition is KITCHEN_SINK else {}
        for spec in definition["fields"]:
            for n, value in enumerate(EDGE_VALUES):
                cases.append({
                    "definition": definition,
                    "answers": json.dumps({**base, spec["name"]: value}),
                    "options": [None, KNOWN_OPTIONS][n % 2],
                    "attachments": [None, UUIDS[:2]][n // 2 % 2],
                    "english": n % 3 == 0,
                })
    return cases


@st.composite
def mirror_cases(draw):
    definition = draw(st.one_of(st.sampled_from(BUILTIN), definitions()))
    answers = draw(st.one_of(valid_answers(definition["fields"]),
                             answer_dicts(definition["fields"]), json_values))
    return {
        "definition": definition,
        # through JSON once, as the server receives it (and without NaN/Infinity, which
        # JSON.parse refuses)
        "answers": json.dumps(_finite(answers)),
        "options": draw(st.sampled_from([None, KNOWN_OPTIONS])),
        "attachments": draw(st.sampled_from([None, UUIDS, UUIDS[:2], []])),
        "english": draw(st.booleans()),
    }


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return 0.5
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_form_rules_js_gives_the_same_result_as_the_python_validator(tmp_path):
    cases = []

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(case=mirror_cases())
    def collect(case):
        cases.append(case)

    collect()
    cases.extend(edge_cases())
    shutil.copy(FORM_RULES_JS, tmp_path / "form-rules.mjs")
    (tmp_path / "run.mjs").write_text(NODE_RUNNER, encoding="utf-8")
    done = subprocess.run(["node", "run.mjs"], cwd=tmp_path, input=json.dumps(cases),
                          capture_output=True, text=True, timeout=60, check=True)
    output = json.loads(done.stdout)
    assert output["MESSAGES"] == MESSAGES and output["MESSAGES_EN"] == MESSAGES_EN
    js_results = output["results"]
    assert len(js_results) == len(cases)
    mismatches = []
    for case, js in zip(cases, js_results):
        py = validate_answers(
            case["definition"], json.loads(case["answers"]), options=case["options"],
            attachment_uuids=case["attachments"], translate=english if case["english"] else None,
        )
        expected = json.loads(json.dumps(
            {"errors": py.errors, "codes": py.codes, "score": py.score, "cleaned": py.cleaned}))
        if expected != js:
            mismatches.append({"case": case, "python": expected, "js": js})
    assert not mismatches, json.dumps(mismatches[:3], indent=1, ensure_ascii=False)
    # the cases reached both outcomes, so the comparison means something
    assert any(not r["errors"] for r in js_results) and any(r["errors"] for r in js_results)
    assert any(r["score"] is not None for r in js_results)


def test_form_rules_js_lists_the_same_messages_as_the_python_validator():
    source = FORM_RULES_JS.read_text(encoding="utf-8")
    for code, text in MESSAGES.items():
        assert f"  {code}: '{text}'," in source, code
