"""Thresholds, score bands and the time zone are defined once on the server and handed to the browser."""
import html
import json
import re
from pathlib import Path

import pytest

from tests import factories
from webapp import thresholds
from webapp.vocabulary import ScoreBand

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p for p in (ROOT / "static" / "js").glob("*.js") if p.name != "i18n-en.js")
#: A copy of a server value in a script: the zone, its offset, a band bound or the accuracy limit.
HARD_CODED = [
    (re.compile(r"Asia/Jakarta"), "the time zone"),
    (re.compile(r"[+]07:00"), "the WIB offset"),
    (re.compile(r"['\"]WIB['\"]"), "the zone's label"),
    (re.compile(r"(?:[^<>!=]=|>=?|===)\s*(?:80|60|50)\b(?!\s*\*)"), "a band bound or the accuracy limit"),
]


def _expected(app) -> dict:
    return {"time_zone": "Asia/Jakarta", "time_zone_label": "WIB", "score_bands": {"bersih": 80, "cukup": 60},
            "poor_accuracy_m": float(app.config["FLAG_ACCURACY_M"]),
            "review_labels": {"received": "Diterima", "approved": "Disetujui", "returned": "Perlu perbaikan",
                              "rejected": "Ditolak"}}


def test_the_bootstrap_carries_the_thresholds_the_server_uses(app, login_as):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    assert monitor.get("/api/v1/bootstrap").json["settings"] == _expected(app)


def test_a_new_accuracy_limit_reaches_the_phone_through_a_new_etag(app, login_as):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    before = monitor.get("/api/v1/bootstrap")
    old = app.config["FLAG_ACCURACY_M"]
    app.config["FLAG_ACCURACY_M"] = 25.0
    try:
        after = monitor.get("/api/v1/bootstrap", headers={"If-None-Match": before.headers["ETag"]})
    finally:
        app.config["FLAG_ACCURACY_M"] = old
    assert after.status_code == 200 and after.json["settings"]["poor_accuracy_m"] == 25.0


@pytest.mark.parametrize(("role", "url"), [("monitor", "/lapangan"), ("bappeda", "/peta"), ("bappeda", "/beranda")])
def test_every_page_hands_its_scripts_the_same_settings(app, login_as, role, url):
    page = login_as(role, kecamatan_code=factories.KOTA_MANNA if role == "monitor" else None).get(url)
    assert page.status_code == 200
    attribute = re.search(r"<meta name=\"pantau-settings\" content='([^']*)'>", page.text).group(1)
    assert json.loads(html.unescape(attribute)) == _expected(app)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_copies_a_threshold_or_the_time_zone(script):
    source = script.read_text(encoding="utf-8")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("*", "/**", "//")))
    found = [(why, m.group(0)) for pattern, why in HARD_CODED for m in pattern.finditer(code)]
    assert found == []


def test_the_band_rule_lives_in_one_python_module():
    pattern = re.compile(r"ZoneInfo\(|[\"']Asia/Jakarta[\"']|score\s*>=\s*\d|BERSIH_MIN\s*=|CUKUP_MIN\s*=")
    owners = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("webapp/**/*.py")
                    if pattern.search(p.read_text(encoding="utf-8")))
    assert owners == ["webapp/thresholds.py"]


@pytest.mark.parametrize(("score", "band"), [(100, "bersih"), (80, "bersih"), (79.9, "cukup"), (60, "cukup"),
                                             (59.9, "kotor"), (0, "kotor"), (None, "belum")])
def test_score_bands(score, band):
    assert thresholds.score_band(score) is ScoreBand(band)


def test_the_field_app_reads_review_labels_from_the_vocabulary_not_its_own_table():
    script = (ROOT / "static" / "js" / "outbox-ui.js").read_text()
    assert "SETTINGS.review_labels" in script
    for text in ("'Disetujui'", "'Perlu perbaikan'", "'Diterima'"):
        assert text not in script, text


def test_the_review_labels_are_the_vocabularys_in_indonesian(app, login_as):
    from webapp.vocabulary import ReviewState

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    labels = monitor.get("/api/v1/bootstrap").json["settings"]["review_labels"]
    assert set(labels) == set(ReviewState.values())
    assert labels["returned"] == "Perlu perbaikan"
