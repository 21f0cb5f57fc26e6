"""The monthly evaluation on a known data set, cell by cell: plan, reported, observed, deviations,
flags; the trend, the OPD ranking and the "perlu dikunjungi" list."""
from datetime import date, datetime, timezone

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import add_submission
from webapp.accounts.models import Opd
from webapp.evaluation import monthly as evaluation
from webapp.evaluation.monthly import MonthFlag as F
from webapp.extensions import db
from webapp.monev.models import KegiatanPlan
from webapp.monev.plan import PlanSource
from webapp.opd_reports.models import OpdReport

TODAY = date(2026, 12, 5)


def _report(kegiatan, month, physical, rp, state="submitted"):
    db.session.add(OpdReport(kegiatan_id=kegiatan.id, opd_id=kegiatan.opd_id, year=2026, month=month, state=state,
                             physical_pct=physical, realisation_rp=rp))


def _visit(app, monitor, site, kegiatan, at, progress, state="received"):
    add_submission(app, monitor, site, form="monev_kunjungan", kegiatan=kegiatan, review_state=state,
                   recorded_at=at, answers={"kegiatan": kegiatan.code, "progres_fisik": progress, "status": "on_track"})


@pytest.fixture
def dataset(app):
    """K1 (DLH, Jul–Dec, Rp 1 M, no DPA plan: the straight line): October on plan, November behind, money ahead, the visit disagrees.
    K2 (DLH, all year, Rp 200 jt): October only a draft, November fine; its visit at 03:00 WIB on
    1 November counts for November. K3 (PUPR, all year, Rp 800 jt, a DPA plan in its
    second revision): November reported, never visited."""
    with app.app_context():
        monitor = factories.make_user("monitor")
        site = factories.make_site()
        k1 = factories.make_kegiatan("DLH", pagu=1_000_000_000, code="K1", start_date=date(2026, 7, 1),
                                     end_date=date(2026, 12, 31))
        k2 = factories.make_kegiatan("DLH", pagu=200_000_000, code="K2")
        k3 = factories.make_kegiatan("PUPR", pagu=800_000_000, code="K3")
        _report(k1, 10, 60.0, 600_000_000)
        _report(k1, 11, 65.0, 800_000_000)
        _report(k2, 10, 70.0, 100_000_000, state="draft")
        _report(k2, 11, 90.0, 170_000_000)
        _report(k3, 11, 50.0, 400_000_000)
        # K3's DPA plan: a first revision superseded by the one in force.
        db.session.add(KegiatanPlan(kegiatan_id=k3.id, revision=1, physical_pct=[90.0] * 12, cash=[720_000_000] * 12,
                                    pagu=800_000_000, superseded_at=datetime(2026, 6, 1, tzinfo=timezone.utc)))
        db.session.add(KegiatanPlan(kegiatan_id=k3.id, revision=2, pagu=800_000_000,
                                    physical_pct=[0, 0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 100],
                                    cash=[0, 0, 40_000_000, 80_000_000, 160_000_000, 240_000_000, 320_000_000,
                                          400_000_000, 480_000_000, 520_000_000, 560_000_000, 800_000_000]))
        db.session.commit()
        ids = {k.code: SimpleNamespace(id=k.id, code=k.code) for k in (k1, k2, k3)}
        monitor, site = SimpleNamespace(id=monitor.id), SimpleNamespace(id=site.id, kecamatan_id=site.kecamatan_id)
    _visit(app, monitor, site, ids["K1"], datetime(2026, 11, 15, 3, tzinfo=timezone.utc), 50.0)
    _visit(app, monitor, site, ids["K1"], datetime(2026, 11, 2, 3, tzinfo=timezone.utc), 20.0)  # older: not used
    _visit(app, monitor, site, ids["K2"], datetime(2026, 10, 31, 20, tzinfo=timezone.utc), 95.0)
    _visit(app, monitor, site, ids["K2"], datetime(2026, 10, 10, 3, tzinfo=timezone.utc), 10.0, state="rejected")
    return ids


def _evaluate(app, role="bappeda", **scope):
    user = factories.make_user(role, **scope)
    rows = evaluation.evaluate(user, 2026, upto=11, today=TODAY)
    return {r.kegiatan.code: r for r in rows}, user


# (kegiatan, month) → plan physical, plan cash %, reported physical, reported cash %, observed, flags
EXPECTED = {
    ("K1", 6): (0.0, 0.0, None, None, None, []),
    ("K1", 7): (16.4, 16.4, None, None, None, [F.NO_REPORT]),
    ("K1", 9): (49.7, 49.7, None, None, None, [F.NO_REPORT]),
    ("K1", 10): (66.7, 66.7, 60.0, 60.0, None, []),
    ("K1", 11): (83.1, 83.1, 65.0, 80.0, 50.0, [F.BEHIND_PLAN, F.BUDGET_AHEAD, F.VERIFICATION]),
    ("K1", 12): (100.0, 100.0, None, None, None, []),
    ("K2", 1): (8.2, 8.2, None, None, None, [F.NO_REPORT]),
    ("K2", 10): (83.2, 83.2, None, None, None, [F.NO_REPORT]),
    ("K2", 11): (91.5, 91.5, 90.0, 85.0, 95.0, []),
    ("K3", 3): (5.0, 5.0, None, None, None, [F.NO_REPORT]),
    ("K3", 10): (70.0, 65.0, None, None, None, [F.NO_REPORT]),
    ("K3", 11): (80.0, 70.0, 50.0, 50.0, None, [F.BEHIND_PLAN]),
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=[f"{k}-{m}" for k, m in EXPECTED])
def test_each_cell_of_the_evaluation(app, dataset, key, expected):
    with app.app_context():
        rows, _user = _evaluate(app)
        cell = rows[key[0]].cell(key[1])
        got = (cell.plan_physical, cell.plan_cash_pct, cell.reported_physical, cell.reported_cash_pct,
               cell.observed_physical, cell.flags)
        assert got == expected


def test_deviations_and_the_verification_gap_are_actual_minus_plan_and_observed_minus_reported(app, dataset):
    with app.app_context():
        rows, _user = _evaluate(app)
        k1 = rows["K1"].cell(11)
        assert (k1.physical_deviation, k1.cash_deviation, k1.verification_gap) == (-18.1, -3.1, -15.0)
        assert (rows["K1"].cell(11).visits, rows["K2"].cell(11).visits, rows["K2"].cell(10).visits) == (2, 1, 0)
        assert rows["K1"].plan_source == PlanSource.LINEAR and rows["K3"].plan_source == PlanSource.DPA


def test_thresholds_come_from_the_configuration(app, dataset):
    with app.app_context():
        app.config.update(VERIFICATION_POINTS=20, DEVIATION_POINTS=20)
        try:
            rows, _user = _evaluate(app)
        finally:
            app.config.update(VERIFICATION_POINTS=10, DEVIATION_POINTS=10)
        assert rows["K1"].cell(11).flags == []
        assert rows["K3"].cell(11).flags == [F.BEHIND_PLAN]


def test_an_opd_evaluates_its_own_kegiatan_only(app, dataset):
    with app.app_context():
        rows, _user = _evaluate(app, "opd", opd_code="DLH")
        assert sorted(rows) == ["K1", "K2"]


def test_the_regency_trend_is_weighted_by_pagu_and_carries_the_last_report(app, dataset):
    with app.app_context():
        rows, _user = _evaluate(app)
        points = evaluation.trend(list(rows.values()), 11)
        november, october = points[10], points[9]
        assert (november.plan_physical, november.actual_physical) == (82.7, 61.5)
        assert (november.plan_cash_pct, november.actual_cash_pct) == (78.7, 68.5)
        assert (october.actual_physical, october.actual_cash_pct) == (30.0, 30.0)
        assert points[11].actual_physical is None and points[11].plan_physical == 100.0


def test_the_opd_ranking_lists_opds_without_a_report_last(app, dataset):
    with app.app_context():
        rows, _user = _evaluate(app)
        opds = list(db.session.scalars(select(Opd).order_by(Opd.name)))
        ranking = evaluation.opd_ranking(list(rows.values()), opds, 11)
        assert [r.opd.code for r in ranking[:2]] == ["DLH", "PUPR"]
        assert (ranking[0].physical_deviation, ranking[1].physical_deviation) == (-15.3, -30.0)
        assert ranking[0].flagged == 1 and ranking[0].reported == 2
        assert len(ranking) == len(opds) and all(not r.has_report for r in ranking[2:])


def test_kegiatan_reported_on_but_not_visited_this_quarter_need_a_visit(app, dataset):
    with app.app_context():
        rows, _user = _evaluate(app)
        assert [r.kegiatan.code for r in evaluation.needs_visit(list(rows.values()), 11)] == ["K3"]
        assert [r.kegiatan.code for r in evaluation.needs_visit(list(rows.values()), 10)] == ["K1"]
