"""The form validator and scorer, and the definition check, case by case."""

import copy
import json

import pytest

from webapp.forms.definition_schema import (
    DEFINITIONS_DIR,
    DefinitionError,
    builtin_definitions,
    check_definition,
)
from webapp.forms.validator import (
    MESSAGES,
    MESSAGES_EN,
    english,
    form_fields,
    score_answers,
    validate_answers,
)

LABEL = {"id": "Label", "en": "Label"}
U1 = "3f2c7a1e-9b4d-4c8e-a1f2-0123456789ab"
U2 = "0b7e9d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
OPTIONS = [{"value": "a", "label": LABEL}, {"value": "b", "label": LABEL}]


def make_form(*specs, scored=False):
    """A definition around the given fields; it must pass the definition check itself."""
    return check_definition({
        "form": "uji", "version": 1, "programme": "geber", "title": {"id": "Uji", "en": "Test"},
        "site_required": False, "scored": scored, "fields": list(specs),
    })


def make_field(type_, name="x", **constraints):
    spec = {"name": name, "type": type_, "label": LABEL, **constraints}
    if type_ == "photo":
        spec.setdefault("max_photos", 5)
    if type_ in ("select_one", "select_many") and "options_from" not in spec:
        spec.setdefault("options", OPTIONS)
    return spec


def _definitions():
    return {d["form"]: d for d in builtin_definitions()}


BUILTIN = _definitions()
GEBER_CEK, GEBER_AKSI, MONEV = BUILTIN["geber_cek"], BUILTIN["geber_aksi"], BUILTIN["monev_kunjungan"]
#: The mutation cases below name fields by position: they keep to version 1 of the action form.
GEBER_AKSI_V1 = json.loads((DEFINITIONS_DIR / "geber_aksi.v1.json").read_text(encoding="utf-8"))

CEK_ALL_PASS = {
    "sampah_berserakan": False, "tempat_sampah": True, "sampah_dipilah": True,
    "sampah_diangkut": True, "drainase_lancar": True, "toilet_bersih": True,
    "pembakaran_sampah": False, "genangan_air": False, "halaman_terawat": True,
    "jadwal_piket": True, "foto": [U1],
}


# -- one field, one value -------------------------------------------------------------------

# (type, constraints, value, expected): expected is a list of error codes, or ("ok", cleaned)
# where cleaned is the value kept (None: left out as unanswered).
FIELD_CASES = [
    # text
    ("text", {}, "halo", ("ok", "halo")),
    ("text", {}, "  halo \n", ("ok", "halo")),
    ("text", {}, "\u00a0halo", ("ok", "\u00a0halo")),  # only ASCII whitespace is trimmed
    ("text", {}, "   ", ("ok", None)),
    ("text", {"required": True}, "   ", ["required"]),
    ("text", {"required": True}, None, ["required"]),
    ("text", {}, 5, ["not_text"]),
    ("text", {}, ["a"], ["not_text"]),
    ("text", {}, "a\x00b", ["invalid_text"]),
    ("text", {}, "a\ud800", ["invalid_text"]),
    ("text", {"max_length": 3}, "abc", ("ok", "abc")),
    ("text", {"max_length": 3}, "  abc  ", ("ok", "abc")),
    ("text", {"max_length": 3}, "\U0001f600" * 3, ("ok", "\U0001f600" * 3)),
    ("text", {"max_length": 3}, "abcd", ["too_long"]),
    # integer
    ("integer", {}, 5, ("ok", 5)),
    ("integer", {}, 0, ("ok", 0)),
    ("integer", {}, 5.0, ("ok", 5)),
    ("integer", {}, 5.5, ["not_integer"]),
    ("integer", {}, True, ["not_integer"]),
    ("integer", {}, "5", ["not_integer"]),
    ("integer", {}, float("nan"), ["not_integer"]),
    ("integer", {}, float("inf"), ["too_large"]),
    ("integer", {}, 2**53, ["too_large"]),
    ("integer", {}, -(2**53 - 1), ("ok", -(2**53 - 1))),
    ("integer", {"required": True}, None, ["required"]),
    ("integer", {"required": True}, "", ["required"]),
    ("integer", {"min": 1, "max": 10}, 1, ("ok", 1)),
    ("integer", {"min": 1, "max": 10}, 10, ("ok", 10)),
    ("integer", {"min": 1, "max": 10}, 0, ["min"]),
    ("integer", {"min": 1, "max": 10}, 11, ["max"]),
    # decimal
    ("decimal", {}, 2.5, ("ok", 2.5)),
    ("decimal", {}, 3, ("ok", 3)),
    ("decimal", {}, False, ["not_number"]),
    ("decimal", {}, "2.5", ["not_number"]),
    ("decimal", {}, float("nan"), ["not_number"]),
    ("decimal", {}, float("-inf"), ["too_large"]),
    ("decimal", {}, 10**400, ["too_large"]),
    ("decimal", {"min": 0, "max": 100}, 0, ("ok", 0)),
    ("decimal", {"min": 0, "max": 100}, 100.0, ("ok", 100.0)),
    ("decimal", {"min": 0, "max": 100}, -0.1, ["min"]),
    ("decimal", {"min": 0, "max": 100}, 100.01, ["max"]),
    # date
    ("date", {}, "2024-02-29", ("ok", "2024-02-29")),
    ("date", {}, "2023-02-29", ["not_date"]),
    ("date", {}, "2024-13-01", ["not_date"]),
    ("date", {}, "2024-2-1", ["not_date"]),
    ("date", {}, "20240101", ["not_date"]),
    ("date", {}, "2024-01-01T08:00", ["not_date"]),
    ("date", {}, "2024-01-01\n", ["not_date"]),
    ("date", {}, "0000-01-01", ["not_date"]),
    ("date", {}, "２０２４-01-01", ["not_date"]),
    ("date", {}, 20240101, ["not_date"]),
    ("date", {"min": "2020-01-01", "max": "2030-12-31"}, "2020-01-01", ("ok", "2020-01-01")),
    ("date", {"min": "2020-01-01", "max": "2030-12-31"}, "2019-12-31", ["date_min"]),
    ("date", {"min": "2020-01-01", "max": "2030-12-31"}, "2031-01-01", ["date_max"]),
    # select_one
    ("select_one", {}, "a", ("ok", "a")),
    ("select_one", {}, "c", ["invalid_choice"]),
    ("select_one", {}, "A", ["invalid_choice"]),
    ("select_one", {}, 1, ["invalid_choice"]),
    ("select_one", {}, ["a"], ["invalid_choice"]),
    ("select_one", {"required": True}, "", ["required"]),
    ("select_one", {"options_from": "kegiatan"}, "K-1", ("ok", "K-1")),
    ("select_one", {"options_from": "kegiatan"}, "K-9", ["invalid_choice"]),
    ("select_one", {"options_from": "lain"}, "apa saja", ("ok", "apa saja")),
    ("select_one", {"options_from": "lain"}, "a\x00", ["invalid_choice"]),
    # select_many
    ("select_many", {}, ["a", "b"], ("ok", ["a", "b"])),
    ("select_many", {}, [], ("ok", None)),
    ("select_many", {"required": True}, [], ["required"]),
    ("select_many", {}, "a", ["not_list"]),
    ("select_many", {}, ["a", "a"], ["duplicate_choice"]),
    ("select_many", {}, ["a", "z"], ["invalid_choice"]),
    ("select_many", {}, ["a", 1, "a"], ["invalid_choice", "duplicate_choice"]),
    ("select_many", {}, [""], ["invalid_choice"]),
    ("select_many", {"max_items": 1}, ["a", "b"], ["too_many_choices"]),
    ("select_many", {"options_from": "kegiatan"}, ["K-1", "K-2"], ("ok", ["K-1", "K-2"])),
    ("select_many", {"options_from": "kegiatan"}, ["K-1", "K-3"], ["invalid_choice"]),
    # yes_no
    ("yes_no", {}, True, ("ok", True)),
    ("yes_no", {"required": True}, False, ("ok", False)),
    ("yes_no", {}, 1, ["not_boolean"]),
    ("yes_no", {}, 0, ["not_boolean"]),
    ("yes_no", {}, "true", ["not_boolean"]),
    ("yes_no", {"required": True}, None, ["required"]),
    ("yes_no", {"required": True}, "", ["required"]),
    # photo
    ("photo", {}, [U1], ("ok", [U1])),
    ("photo", {}, [U1.upper(), U2], ("ok", [U1, U2])),
    ("photo", {}, U1, ["not_list"]),
    ("photo", {}, ["foto.jpg"], ["invalid_photo"]),
    ("photo", {}, [U1 + "\n"], ["invalid_photo"]),
    ("photo", {}, [{"uuid": U1}], ["invalid_photo"]),
    ("photo", {}, [U1, U1.upper()], ["duplicate_photo"]),
    ("photo", {"required": True}, [], ["required"]),
    ("photo", {}, [], ("ok", None)),
    ("photo", {"min_photos": 2}, [U1], ["min_photos"]),
    ("photo", {"max_photos": 1}, [U1, U2], ["max_photos"]),
    ("photo", {"max_photos": 1}, ["x", U1, U1], ["invalid_photo", "duplicate_photo", "max_photos"]),
    # geopoint
    ("geopoint", {}, {"lat": -4.35, "lon": 102.96}, ("ok", {"lat": -4.35, "lon": 102.96})),
    ("geopoint", {}, {"lat": -4, "lon": 103, "accuracy_m": 0},
     ("ok", {"lat": -4, "lon": 103, "accuracy_m": 0})),
    ("geopoint", {}, {"lat": -4, "lon": 103, "accuracy_m": None}, ("ok", {"lat": -4, "lon": 103})),
    ("geopoint", {}, {"lat": 90, "lon": -180}, ("ok", {"lat": 90, "lon": -180})),
    ("geopoint", {}, {"lat": -4, "lon": 103, "accuracy_m": -1}, ["geo_accuracy"]),
    ("geopoint", {}, {"lat": 90.5, "lon": 103}, ["geo_lat"]),
    ("geopoint", {}, {"lat": -4, "lon": 181}, ["geo_lon"]),
    ("geopoint", {}, {"lat": True, "lon": 103}, ["geo_lat"]),
    ("geopoint", {}, {"lat": "1", "lon": "2"}, ["geo_lat", "geo_lon"]),
    ("geopoint", {}, {"lat": float("nan"), "lon": 1}, ["geo_lat"]),
    ("geopoint", {}, {"lat": 1}, ["invalid_geopoint"]),
    ("geopoint", {}, {"lat": 1, "lon": 2, "alt": 3}, ["invalid_geopoint"]),
    ("geopoint", {}, [1, 2], ["invalid_geopoint"]),
    ("geopoint", {}, {}, ["invalid_geopoint"]),
    # note
    ("note", {}, "x", ["no_answer"]),
    ("note", {}, None, ("ok", None)),
]


@pytest.mark.parametrize(("type_", "constraints", "value", "expected"), FIELD_CASES)
def test_each_type_and_constraint_gives_its_code_or_cleaned_value(type_, constraints, value, expected):
    definition = make_form(make_field(type_, **constraints))
    result = validate_answers(
        definition, {"x": value}, options={"kegiatan": {"K-1", "K-2"}}
    )
    if isinstance(expected, tuple):
        assert result.errors == {}
        assert result.cleaned == ({} if expected[1] is None else {"x": expected[1]})
        if expected[1] is not None:
            assert type(result.cleaned["x"]) is type(expected[1])
    else:
        assert result.codes == {"answers.x": expected}
        assert result.cleaned == {}
        assert result.score is None


def test_photos_must_be_among_the_submissions_attachments_when_given():
    definition = make_form(make_field("photo"))
    assert validate_answers(definition, {"x": [U1]}, attachment_uuids={U2}).codes == {
        "answers.x": ["unknown_photo"]
    }
    assert validate_answers(definition, {"x": [U1]}, attachment_uuids={U1.upper()}).ok
    assert validate_answers(definition, {"x": [U1]}, attachment_uuids=set()).codes == {
        "answers.x": ["unknown_photo"]
    }


def test_options_from_accepts_any_non_empty_string_when_the_source_is_not_supplied():
    definition = make_form(make_field("select_one", options_from="kegiatan"))
    assert validate_answers(definition, {"x": "K-77"}).ok
    assert validate_answers(definition, {"x": "K-77"}, options={"opd": {"1"}}).ok
    assert not validate_answers(definition, {"x": "K-77"}, options={"kegiatan": []}).ok


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (None, {"answers": ["not_object"]}),
        ([], {"answers": ["not_object"]}),
        ("x", {"answers": ["not_object"]}),
        ({"x": "a", "y": 1}, {"answers.y": ["unknown_field"]}),
        ({"X": "a"}, {"answers.X": ["unknown_field"]}),
        ({}, {}),
    ],
)
def test_answers_must_be_an_object_of_known_fields(answers, expected):
    assert validate_answers(make_form(make_field("text")), answers).codes == expected


def test_unanswered_optional_fields_are_left_out_of_cleaned():
    definition = make_form(make_field("text", "a"), make_field("integer", "b"),
                           make_field("photo", "c"), make_field("note", "d"))
    result = validate_answers(definition, {"a": "", "b": None, "c": [], "d": None})
    assert result.ok and result.cleaned == {}


# -- repeat ---------------------------------------------------------------------------------

VALID_RISK = {"kategori": "cuaca", "uraian": "Hujan deras, pengecoran tertunda.", "tingkat": "sedang"}


@pytest.mark.parametrize(
    ("risiko", "expected"),
    [
        ([VALID_RISK], {}),
        ([], {}),
        (None, {}),
        ("banjir", {"answers.risiko": ["not_list"]}),
        ([VALID_RISK] * 21, {"answers.risiko": ["too_many_items"]}),
        ([VALID_RISK, "x"], {"answers.risiko.1": ["not_object"]}),
        ([{**VALID_RISK, "kategori": "gempa"}], {"answers.risiko.0.kategori": ["invalid_choice"]}),
        ([{"kategori": "cuaca"}], {"answers.risiko.0.uraian": ["required"],
                                   "answers.risiko.0.tingkat": ["required"]}),
        ([VALID_RISK, {**VALID_RISK, "biaya": 5}], {"answers.risiko.1.biaya": ["unknown_field"]}),
        ([{**VALID_RISK, "uraian": "  "}], {"answers.risiko.0.uraian": ["required"]}),
    ],
)
def test_repeat_rows_are_validated_against_their_sub_fields(risiko, expected):
    answers = {"kegiatan": "K-1", "progres_fisik": 40, "status": "at_risk", "risiko": risiko}
    result = validate_answers(MONEV, answers)
    assert result.codes == expected
    if not expected and risiko:
        assert result.cleaned["risiko"] == risiko


def test_repeat_rows_are_cleaned_like_top_level_answers():
    answers = {"kegiatan": "K-1", "progres_fisik": 40, "status": "late",
               "risiko": [{**VALID_RISK, "uraian": "  Lahan belum bebas \n"}]}
    result = validate_answers(MONEV, answers)
    assert result.ok
    assert result.cleaned["risiko"] == [{**VALID_RISK, "uraian": "Lahan belum bebas"}]


# -- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (make_field("text", required=True), None, "Wajib diisi."),
        (make_field("integer"), 1.5, "Harus bilangan bulat."),
        (make_field("integer", min=0), -1, "Minimal 0."),
        (make_field("decimal", max=100), 101, "Maksimal 100."),
        (make_field("decimal", min=0.5), 0, "Minimal 0.5."),
        (make_field("decimal", min=-2.25), -3, "Minimal -2.25."),
        (make_field("decimal", max=100.0), 101, "Maksimal 100."),
        (make_field("decimal", min=1 / 3), 0, "Minimal 0.333333."),
        (make_field("select_one"), "z", "Pilihan tidak dikenal."),
        (make_field("photo", max_photos=5), [U1] * 6, "Paling banyak 5 foto."),
        (make_field("text", max_length=10), "x" * 11, "Paling banyak 10 karakter."),
        (make_field("date", min="2020-01-01"), "2019-01-01", "Tidak boleh sebelum 2020-01-01."),
    ],
)
def test_messages_are_indonesian_and_carry_the_limit(spec, value, message):
    result = validate_answers(make_form(spec), {"x": value})
    assert message in result.errors["answers.x"]


def test_translate_is_applied_to_each_template_before_the_limit_is_filled_in():
    definition = make_form(make_field("integer", min=1, required=True), make_field("text", "y"))
    seen = []

    def translate(template):
        seen.append(template)
        return english(template)

    result = validate_answers(definition, {"x": 0, "y": 3, "z": 1}, translate=translate)
    assert result.errors == {
        "answers.x": ["At least 1."], "answers.y": ["Must be text."], "answers.z": ["Unknown field."],
    }
    assert seen == [MESSAGES["min"], MESSAGES["not_text"], MESSAGES["unknown_field"]]


def test_every_message_has_an_english_twin_with_the_same_placeholders():
    assert MESSAGES.keys() == MESSAGES_EN.keys()
    for code, text in MESSAGES.items():
        assert sorted(_placeholders(text)) == sorted(_placeholders(MESSAGES_EN[code])), code
        assert english(text) == MESSAGES_EN[code]


def _placeholders(text):
    import re

    return re.findall(r"\{(\w+)\}", text)


# -- score -----------------------------------------------------------------------------------

SCORED = make_form(
    make_field("yes_no", "a", weight=50),
    make_field("yes_no", "b", weight=30, **{"pass": False}),
    make_field("yes_no", "c", weight=20, **{"pass": True}),
    make_field("text", "catatan"),
    scored=True,
)


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ({"a": True, "b": False, "c": True}, 100.0),
        ({"a": False, "b": True, "c": False}, 0.0),
        ({"a": False, "b": False, "c": False}, 30.0),  # b passes on "no"
        ({"a": True, "b": True, "c": False}, 50.0),
        ({"a": True}, 100.0),  # unanswered items are not applicable
        ({"b": True}, 0.0),
        ({"a": True, "b": True}, 62.5),  # 50 / 80
        ({"b": False, "c": False}, 60.0),  # 30 / 50
        ({}, None),
        ({"catatan": "tidak ada butir dijawab"}, None),
    ],
)
def test_score_is_the_weighted_share_of_answered_items_that_pass(answers, score):
    result = validate_answers(SCORED, answers)
    assert result.ok
    assert result.score == score
    assert score_answers(SCORED, result.cleaned) == score


@pytest.mark.parametrize(
    ("weights", "passing", "score"),
    [
        ([1, 1, 1], 1, 33.3),
        ([1, 1, 1], 2, 66.7),
        ([1, 15], 1, 6.3),  # 6.25 rounds half up, not to even
        ([3, 5], 1, 37.5),
        ([0.1, 0.2], 1, 33.3),
        ([7, 7, 7, 7, 7, 7, 7, 7], 7, 87.5),
        ([1_000_000, 0.001], 1, 100.0),
        ([0.001, 1_000_000], 1, 0.0),
    ],
)
def test_score_rounds_half_up_to_one_decimal(weights, passing, score):
    specs = [make_field("yes_no", f"i{n}", weight=w) for n, w in enumerate(weights)]
    answers = {f"i{n}": n < passing for n in range(len(weights))}
    result = validate_answers(make_form(*specs, scored=True), answers)
    assert result.score == score


def test_score_is_none_when_the_form_is_not_scored_or_the_answers_have_errors():
    assert validate_answers(make_form(make_field("yes_no")), {"x": True}).score is None
    assert validate_answers(SCORED, {"a": True, "catatan": 5}).score is None
    assert score_answers(SCORED, {"a": "ya", "b": 1}) is None
    assert score_answers(SCORED, None) is None


def test_geber_cek_scores_a_clean_site_100_and_a_mixed_one_by_weight():
    assert validate_answers(GEBER_CEK, CEK_ALL_PASS).score == 100.0
    mixed = {**CEK_ALL_PASS, "toilet_bersih": None, "sampah_dipilah": False,
             "pembakaran_sampah": True}
    # 90 answered weight, 20 of it failing
    assert validate_answers(GEBER_CEK, mixed).score == 77.8
    dirty = {name: not spec.get("pass", True) for name, spec in form_fields(GEBER_CEK)
             if spec["type"] == "yes_no"}
    assert validate_answers(GEBER_CEK, {**dirty, "foto": [U1]}).score == 0.0


# -- shipped definitions ---------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DEFINITIONS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_shipped_definitions_pass_the_definition_check(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert check_definition(document) is document
    assert path.name == f"{document['form']}.v{document['version']}.json"


def test_the_three_built_in_forms_are_shipped():
    assert set(BUILTIN) == {"geber_cek", "geber_aksi", "monev_kunjungan"}
    assert [d["scored"] for d in (GEBER_CEK, GEBER_AKSI, MONEV)] == [True, False, False]


def test_geber_cek_weights_sum_to_100_over_8_to_10_items():
    weights = [f["weight"] for f in GEBER_CEK["fields"] if "weight" in f]
    assert 8 <= len(weights) <= 10
    assert sum(weights) == 100


@pytest.mark.parametrize(
    ("definition", "answers"),
    [
        (GEBER_CEK, {**CEK_ALL_PASS, "catatan": "Selokan depan pasar tersumbat."}),
        (GEBER_AKSI, {"tanggal": "2025-03-15", "jenis_kegiatan": "kerja_bakti", "peserta": 45,
                      "sampah_kg": 320.5, "uraian": "Kerja bakti Jumat bersih di Kota Manna.",
                      "foto": [U1, U2]}),
        (MONEV, {"kegiatan": "1.03.02.2.01.0001", "progres_fisik": 62.5, "output_capaian": 1.2,
                 "status": "on_track", "risiko": [VALID_RISK], "rekomendasi": "Percepat pengadaan.",
                 "penanggung_jawab": "dinas-pupr", "tenggat": "2025-04-30", "foto": [U1]}),
    ],
    ids=["geber_cek", "geber_aksi", "monev_kunjungan"],
)
def test_a_realistic_submission_of_each_built_in_form_is_valid(definition, answers):
    result = validate_answers(definition, answers, attachment_uuids={U1, U2})
    assert result.errors == {}
    assert result.cleaned == answers


def test_the_geber_check_has_one_location_the_submissions_own_and_v1_answers_stay_valid():
    v1 = json.loads((DEFINITIONS_DIR / "geber_cek.v1.json").read_text(encoding="utf-8"))
    assert GEBER_CEK["version"] >= 2
    assert [f["name"] for f in GEBER_CEK["fields"] if f["type"] == "geopoint"] == []
    point = {"lat": -4.3615, "lon": 102.9653, "accuracy_m": 8.5}
    assert validate_answers(v1, {**CEK_ALL_PASS, "titik": point}, attachment_uuids={U1, U2}).errors == {}
    assert "answers.titik" in validate_answers(GEBER_CEK, {**CEK_ALL_PASS, "titik": point},
                                               attachment_uuids={U1, U2}).errors


def test_monev_requires_its_core_fields():
    result = validate_answers(MONEV, {})
    assert result.codes == {f"answers.{n}": ["required"] for n in
                            ("kegiatan", "progres_fisik", "status")}


def test_the_monev_visit_observes_progress_and_leaves_budget_realisation_to_the_opd_report():
    v1 = json.loads((DEFINITIONS_DIR / "monev_kunjungan.v1.json").read_text(encoding="utf-8"))
    assert MONEV["version"] >= 2
    assert "realisasi_anggaran" not in [f["name"] for f in MONEV["fields"]]
    assert {"progres_fisik", "output_capaian", "foto"} <= {f["name"] for f in MONEV["fields"]}
    old = {"kegiatan": "K-1", "progres_fisik": 40, "realisasi_anggaran": 125_000_000, "status": "on_track"}
    assert validate_answers(v1, old).errors == {}
    assert "answers.realisasi_anggaran" in validate_answers(MONEV, old).errors


def test_form_fields_lists_answer_columns_in_order_with_repeat_as_one_column():
    assert [path for path, _ in form_fields(MONEV)] == [
        "kegiatan", "progres_fisik", "output_capaian", "output_keterangan",
        "status", "risiko", "rekomendasi", "penanggung_jawab", "tenggat", "foto",
    ]
    paths = [path for path, _ in form_fields(GEBER_CEK)]
    assert "petunjuk" not in paths and paths[-2:] == ["catatan", "foto"]
    assert all(spec["name"] == path for path, spec in form_fields(GEBER_AKSI))


# -- the definition check --------------------------------------------------------------------


def _mutated(definition, mutate):
    document = copy.deepcopy(definition)
    mutate(document)
    return document


def _set(path, value):
    def mutate(document):
        node = document
        *parents, last = path
        for key in parents:
            node = node[key]
        node[last] = value
    return mutate


def _delete(path):
    def mutate(document):
        node = document
        *parents, last = path
        for key in parents:
            node = node[key]
        del node[last]
    return mutate


@pytest.mark.parametrize(
    ("definition", "mutate", "bad_path"),
    [
        (GEBER_AKSI_V1, _set(("extra",), 1), "extra"),
        (GEBER_AKSI_V1, _set(("version",), "1"), "version"),
        (GEBER_AKSI_V1, _set(("version",), 0), "version"),
        (GEBER_AKSI_V1, _set(("form",), "Geber Aksi"), "form"),
        (GEBER_AKSI_V1, _set(("programme",), "kesehatan"), "programme"),
        (GEBER_AKSI_V1, _delete(("title", "en")), "title.en"),
        (GEBER_AKSI_V1, _set(("site_required",), 1), "site_required"),
        (GEBER_AKSI_V1, _set(("fields",), []), "fields"),
        (GEBER_AKSI_V1, _set(("fields", 0, "type"), "datetime"), "fields.0(tanggal).type"),
        (GEBER_AKSI_V1, _set(("fields", 0, "min"), "2020-02-30"), "fields.0(tanggal).min"),
        (GEBER_AKSI_V1, _set(("fields", 0, "max"), "2019-01-01"), "fields.0(tanggal).max"),
        (GEBER_AKSI_V1, _set(("fields", 0, "max_length"), 5), "fields.0(tanggal).max_length"),
        (GEBER_AKSI_V1, _set(("fields", 1, "name"), "tanggal"), "fields"),
        (GEBER_AKSI_V1, _set(("fields", 1, "name"), "__proto__"), "fields.1(__proto__).name"),
        (GEBER_AKSI_V1, _set(("fields", 1, "options_from"), "kegiatan"), "fields.1(jenis_kegiatan).options"),
        (GEBER_AKSI_V1, _delete(("fields", 1, "options")), "fields.1(jenis_kegiatan).options"),
        (GEBER_AKSI_V1, _set(("fields", 1, "options", 1, "value"), "kerja_bakti"),
         "fields.1(jenis_kegiatan).options"),
        (GEBER_AKSI_V1, _set(("fields", 2, "min"), 0.5), "fields.2(peserta).min"),
        (GEBER_AKSI_V1, _set(("fields", 2, "min"), True), "fields.2(peserta).min"),
        (GEBER_AKSI_V1, _set(("fields", 2, "max"), 2**53), "fields.2(peserta).max"),
        (GEBER_AKSI_V1, _set(("fields", 2, "min"), 20000), "fields.2(peserta).max"),
        (GEBER_AKSI_V1, _set(("fields", 2, "required"), "ya"), "fields.2(peserta).required"),
        (GEBER_AKSI_V1, _set(("fields", 3, "max"), float("inf")), "fields.3(sampah_kg).max"),
        (GEBER_AKSI_V1, _set(("fields", 3, "weight"), 10), "fields.3(sampah_kg).weight"),
        (GEBER_AKSI_V1, _delete(("fields", 5, "max_photos")), "fields.5(foto).max_photos"),
        (GEBER_AKSI_V1, _set(("fields", 5, "min_photos"), 6), "fields.5(foto).min_photos"),
        (GEBER_AKSI_V1, _set(("fields", 6), "titik"), "fields.6"),
        (GEBER_AKSI_V1, _set(("scored",), True), "scored"),
        (GEBER_CEK, _set(("scored",), False), "scored"),
        (GEBER_CEK, _set(("fields", 1, "weight"), 0), "fields.1(sampah_berserakan).weight"),
        (GEBER_CEK, _set(("fields", 1, "pass"), "no"), "fields.1(sampah_berserakan).pass"),
        (GEBER_CEK, _set(("fields", 0, "required"), True), "fields.0(petunjuk).required"),
        (MONEV, _set(("fields", 5, "fields", 0, "type"), "photo"),
         "fields.5(risiko).fields.0(kategori).type"),
        (MONEV, _set(("fields", 5, "fields", 1, "weight"), 1),
         "fields.5(risiko).fields.1(uraian).weight"),
        (MONEV, _delete(("fields", 5, "max_items")), "fields.5(risiko).max_items"),
        (MONEV, _set(("fields", 5, "fields"), []), "fields.5(risiko).fields"),
        (MONEV, _set(("fields", 0, "options_from"), "Kegiatan!"), "fields.0(kegiatan).options_from"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_bad_field(definition, mutate, bad_path):
    document = _mutated(definition, mutate)
    with pytest.raises(DefinitionError) as caught:
        check_definition(document)
    assert bad_path in caught.value.errors
    assert bad_path in str(caught.value)


@pytest.mark.parametrize("document", [None, [], "geber_cek", 5])
def test_a_definition_that_is_not_an_object_is_refused(document):
    with pytest.raises(DefinitionError) as caught:
        check_definition(document)
    assert list(caught.value.errors) == ["definition"]


def test_a_yes_no_inside_a_repeat_may_say_which_answer_passes():
    document = _mutated(MONEV, lambda d: d["fields"][5]["fields"].append(
        {"name": "teratasi", "type": "yes_no", "label": LABEL, "pass": True}))
    assert check_definition(document) is document
