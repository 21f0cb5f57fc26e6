"""The monev rules: planned progress over a kegiatan's schedule and the deviation flags."""
from datetime import date

import pytest

from webapp.monev.progress import deviation_flags, planned_progress


@pytest.mark.parametrize(("progress", "realisation", "planned", "flags"), [
    (30, 45, 50, ["budget_ahead", "behind_schedule"]),
    (40, 50, 50, []),                      # exactly 10 points is not yet a deviation
    (40, 50.1, 50.1, ["budget_ahead", "behind_schedule"]),
    (60, 50, 50, []),                      # ahead of budget and schedule is fine
    (20, 25, 35, ["behind_schedule"]),
    (20, 31, 25, ["budget_ahead"]),
    (20, None, None, []),
    (None, 90, 90, []),                    # no progress figure, nothing to compare
])
def test_deviation_flags(app, progress, realisation, planned, flags):
    with app.app_context():
        assert deviation_flags(progress, realisation, planned) == flags


def test_the_deviation_threshold_is_the_configured_one_on_the_desk_the_report_and_the_evaluation(
        app, login_as, make_user, make_kegiatan, add_site, add_submission):
    from tests.factories import visit_answers
    from webapp.evaluation.monthly import thresholds

    monitor = make_user("monitor")
    site = add_site()
    # Five years long: behind no plan this year, whatever the day the test runs.
    k = make_kegiatan("PUPR", sites=[site], pagu=1_000_000_000, name="Jalan desa", start_date=date(2026, 1, 1),
                      end_date=date(2030, 12, 31))
    # Realisation 15 points ahead of progress: a deviation at 10 points, none at 20.
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=k, review_state="approved",
                   answers=visit_answers(k.code, 50, 650_000_000))
    client = login_as("bappeda")
    page = client.get("/bappeda").text
    assert "Realisasi > progres" in page.split('aria-labelledby="h-deviations"', 1)[1].split("</section>", 1)[0]
    app.config["DEVIATION_POINTS"] = 20
    try:
        with app.app_context():
            assert deviation_flags(50, 65, None) == [] and thresholds()[0] == 20
        page = client.get("/bappeda").text
        assert "Tidak ada kegiatan yang menyimpang." in page
        opd_page = login_as("opd", opd_code="PUPR").get("/opd").text
        assert "Realisasi mendahului progres" not in opd_page  # no flag, so no chip either
        app.config["DEVIATION_POINTS"] = 12
        assert "Realisasi mendahului progres > 12 poin" in login_as("opd", opd_code="PUPR").get("/opd").text
    finally:
        app.config["DEVIATION_POINTS"] = 10.0
    with app.app_context():
        assert deviation_flags(50, 65, None) == ["budget_ahead"]


class _Kegiatan:
    def __init__(self, start, end):
        self.start_date, self.end_date = start, end
        self.plan = None  # without a monthly plan: the straight-line fallback


@pytest.mark.parametrize(("on", "expected"), [
    (date(2025, 12, 31), 0.0), (date(2026, 1, 1), 0.0), (date(2026, 7, 2), 50.0),
    (date(2026, 12, 31), 100.0), (date(2027, 3, 1), 100.0),
])
def test_planned_progress_is_linear_between_start_and_end(on, expected):
    assert planned_progress(_Kegiatan(date(2026, 1, 1), date(2026, 12, 31)), on) == expected


def test_planned_progress_is_unknown_without_a_schedule():
    assert planned_progress(_Kegiatan(None, date(2026, 12, 31)), date(2026, 6, 1)) is None
    assert planned_progress(_Kegiatan(date(2026, 5, 1), date(2026, 5, 1)), date(2026, 6, 1)) is None
