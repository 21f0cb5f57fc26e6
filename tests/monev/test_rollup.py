"""One per-OPD roll-up (webapp/monev/rollup.py): the Bappeda desk and the monthly report give the
same figures for every OPD, by the rule written in that module."""
import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import wib
from tests.reports import dataset
from tests.reports.sheets import open_book, table
from webapp.accounts.models import User
from webapp.dashboard import figures
from webapp.extensions import db
from webapp.monev.rollup import OpdRollup, percent, visit_figures
from webapp.reports import monthly, periods

MAY = periods.month(2026, 5)
CUTOFF = wib(2026, 6, 1, 0, 30)
FIGURES = ("kegiatan", "visited", "measured", "pagu", "pagu_measured", "realisation", "realisation_pct", "progress",
           "on_track", "at_risk", "late", "flagged")


def test_percentages_have_one_decimal():
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(None, 3) is None and percent(1, 0) is None


def test_a_visit_without_a_progress_figure_is_visited_but_not_measured():
    rollup = OpdRollup()
    rollup.add(1_000, visited=True, progress=40.0, realisation=600, status="at_risk", flagged=True)
    rollup.add(3_000, visited=True, progress=None, realisation=900, status="on_track")
    rollup.add(500, visited=False)
    assert (rollup.kegiatan, rollup.visited, rollup.measured, rollup.not_visited) == (3, 2, 1, 1)
    assert (rollup.pagu, rollup.pagu_measured, rollup.realisation) == (4_500, 1_000, 600)
    # Not 10 % (the unmeasured visit as 0 %), and its money is not set against pagu it has no progress for.
    assert (rollup.progress, rollup.realisation_pct) == (40.0, 60.0)
    assert (rollup.on_track, rollup.at_risk, rollup.flagged) == (1, 1, 1)


def test_progress_is_weighted_by_pagu_and_rounded_to_one_decimal():
    rollup = OpdRollup()
    rollup.add(1_000, visited=True, progress=40.0, realisation=333)
    rollup.add(2_000, visited=True, progress=10.0, realisation=0)
    assert rollup.progress == 20.0 and rollup.realisation_pct == 11.1


def test_without_measured_pagu_progress_is_the_plain_average():
    rollup = OpdRollup()
    rollup.add(0, visited=True, progress=30.0)
    rollup.add(0, visited=True, progress=60.0)
    assert rollup.progress == 45.0 and rollup.realisation_pct is None


def test_visit_figures_read_numbers_only():
    seen = visit_figures({"progres_fisik": 40, "realisasi_anggaran": 333.0, "status": "late"}, 1_000)
    assert (seen.progress, seen.realisation, seen.realisation_pct, seen.status) == (40.0, 333, 33.3, "late")
    seen = visit_figures({"progres_fisik": "40", "realisasi_anggaran": True, "status": 3}, 1_000)
    assert (seen.progress, seen.realisation, seen.realisation_pct, seen.status) == (None, None, None, None)


@pytest.fixture
def may(app):
    """Three OPDs in May 2026: every case of the rule, all before the cut-off so the desk (read at
    the cut-off) and the report see the same visits."""
    with app.app_context():
        monitor = factories.make_user("monitor", kecamatan_code=factories.KOTA_MANNA, username="petugas.rollup")
        s1 = dataset.site(factories.KOTA_MANNA, 0, "Jalan Desa")
        k1 = dataset.kegiatan("R1", "PUPR", 1_000_000_000, 100, "m", [s1])
        k2 = dataset.kegiatan("R2", "PUPR", 300_000_000, 10, "unit", [s1])
        k3 = dataset.kegiatan("R3", "PUPR", 700_000_000, 10, "unit", [s1])
        k4 = dataset.kegiatan("R4", "DLH", 200_000_000, 5, "unit", [s1])
        k5 = dataset.kegiatan("R5", "DLH", 100_000_000, 5, "unit", [s1])
        dataset.kegiatan("R6", "DINKES", 400_000_000, 5, "unit", [s1])
        dataset.visit(monitor, k1, s1, wib(2026, 4, 20), 30, 250_000_000)
        dataset.visit(monitor, k1, s1, wib(2026, 5, 10), 40, 600_000_000, "at_risk")
        dataset.visit(monitor, k2, s1, wib(2026, 5, 12), 33.3, 100_000_001, "late")
        # A visit that gives no progress figure: visited, not measured.
        dataset.submission(monitor, "monev_kunjungan", wib(2026, 5, 14), {"kegiatan": "R3", "status": "on_track"},
                           site_obj=s1, kegiatan=k3)
        dataset.visit(monitor, k4, s1, wib(2026, 5, 3), 12.5, 20_000_000)
        dataset.visit(monitor, k5, s1, wib(2026, 5, 31, 23, 0), 80, 95_000_000, review_state="received")
        db.session.commit()


def _pick(rollup) -> dict:
    return {name: getattr(rollup, name) for name in FIGURES}


def test_the_desk_and_the_report_give_the_same_figures_for_every_opd(app, may, tmp_path):
    with app.app_context():
        bappeda = factories.make_user("bappeda", username="bappeda.rollup")
        user = db.session.scalar(select(User).where(User.id == bappeda.id))
        desk = {s.opd.name: _pick(s) for s in figures.bappeda_desk(user, now=CUTOFF).opds}
        report = monthly.collect(MAY, cutoff=CUTOFF)
        reported = {line.name: _pick(line) for line in report.opds}
        path = tmp_path / "mei.xlsx"
        monthly.write(report, path)
    assert desk == reported
    pupr = desk["Dinas Pekerjaan Umum dan Penataan Ruang"]
    assert pupr == {"kegiatan": 3, "visited": 3, "measured": 2, "pagu": 2_000_000_000, "pagu_measured": 1_300_000_000,
                    "realisation": 700_000_001, "realisation_pct": 53.8, "progress": 38.5,
                    "on_track": 1, "at_risk": 1, "late": 1, "flagged": 1}
    dlh = desk["Dinas Lingkungan Hidup"]
    assert (dlh["kegiatan"], dlh["visited"], dlh["progress"], dlh["realisation_pct"]) == (2, 1, 12.5, 10.0)
    assert [name for name, figs in desk.items() if figs["visited"] == 0] == ["Dinas Kesehatan"]
    # The workbook's OPD sheet shows those very numbers.
    rows = {r["OPD"]: r for r in table(open_book(path)["Ringkasan OPD"])}
    for name, figs in desk.items():
        row = rows[name]
        assert (row["Jumlah kegiatan"], row["Kegiatan dipantau"], row["Pagu seluruh kegiatan (Rp)"],
                row["Pagu kegiatan terukur (Rp)"], row["Realisasi anggaran (Rp)"],
                row["Realisasi anggaran (% pagu terukur)"], row["Progres fisik tertimbang pagu (%)"],
                row["Bertanda deviasi"]) == (
            figs["kegiatan"], figs["visited"], figs["pagu"], figs["pagu_measured"], figs["realisation"],
            figs["realisation_pct"], figs["progress"], figs["flagged"])


def test_the_desk_page_shows_the_opd_figures_of_the_rule(app, may, login_as):
    client = login_as("bappeda")
    page = client.get("/bappeda").text
    assert "Pagu terukur" in page
    assert "Rp 1.300.000.000" in page  # PUPR's measured pagu


@pytest.mark.parametrize("answers", [
    {"progres_fisik": 40, "realisasi_anggaran": 333_000_000, "status": "late",
     "risiko": [{"kategori": "cuaca", "uraian": "Hujan", "tingkat": "tinggi"}]},
    {"progres_fisik": 12.5, "realisasi_anggaran": 1.5e8, "status": "on_track", "risiko": "tidak ada"},
    # Not numbers, not a status, not a list: the desk reads nothing from them, as the report does.
    {"progres_fisik": "40", "realisasi_anggaran": True, "status": 3, "risiko": {"kategori": "cuaca"}},
    {"kegiatan": "R1"},
])
def test_the_desk_reads_the_latest_visits_answers_by_the_rule_of_the_report(app, answers):
    with app.app_context():
        monitor = factories.make_user("monitor", kecamatan_code=factories.KOTA_MANNA, username="petugas.answers")
        s1 = dataset.site(factories.KOTA_MANNA, 0, "Jalan Desa")
        k1 = dataset.kegiatan("R1", "PUPR", 1_000_000_000, 100, "m", [s1])
        dataset.visit(monitor, k1, s1, wib(2026, 5, 1), 5, 1_000)
        dataset.submission(monitor, "monev_kunjungan", wib(2026, 5, 14), answers, site_obj=s1, kegiatan=k1)
        db.session.commit()
        bappeda = factories.make_user("bappeda", username="bappeda.answers")
        user = db.session.scalar(select(User).where(User.id == bappeda.id))
        row = figures.kegiatan_progress(user, now=CUTOFF)[0]
        expected = visit_figures(answers, 1_000_000_000)
        assert (row.progress, row.realisation, row.realisation_pct, row.status) == (
            expected.progress, expected.realisation, expected.realisation_pct, expected.status)
        risks = figures.risks_by_category([row])
        assert [r["category"] for r in risks] == (["cuaca"] if isinstance(answers.get("risiko"), list) else [])
