"""Planned progress comes from the imported monthly plan; the straight line is a labelled fallback."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import visit_answers
from webapp.accounts.models import User
from webapp.dashboard import figures
from webapp.extensions import db
from webapp.monev import planning
from webapp.monev.dpa import import_dpa
from webapp.monev.dpa_files import example_rows, rows_to_csv
from webapp.monev.models import Kegiatan
from webapp.reports import monthly
from webapp.reports.periods import month

#: The example plan (cumulative %): a slow start, then most of the work from May to October.
EXAMPLE_PHYSICAL = [0, 5, 12, 22, 35, 48, 60, 72, 83, 92, 100, 100]


class _Plan:
    physical_pct = EXAMPLE_PHYSICAL
    cash = [0] * 11 + [100]


class _Kegiatan:
    fiscal_year = 2026
    start_date, end_date = date(2026, 2, 1), date(2026, 11, 30)

    def __init__(self, plan):
        self.plan = plan


@pytest.mark.parametrize(("on", "expected"), [
    (date(2026, 6, 30), 48.0),        # the end of June is June's figure
    (date(2026, 7, 31), 60.0),
    (date(2026, 7, 16), 48 + 12 * 16 / 31),
    (date(2026, 1, 31), 0.0),
    (date(2025, 12, 1), 0.0), (date(2027, 2, 1), 100.0),
])
def test_planned_progress_follows_the_monthly_plan(on, expected):
    planned = planning.planned_progress(_Kegiatan(_Plan()), on)
    assert planned.basis == planning.PLAN
    assert planned.pct == round(expected, 1)


def test_without_a_plan_the_straight_line_is_used_and_labelled():
    planned = planning.planned_progress(_Kegiatan(None), date(2026, 6, 30))
    assert planned.basis == planning.LINEAR
    assert planned.pct == round((date(2026, 6, 30) - date(2026, 2, 1)).days / (date(2026, 11, 30) - date(2026, 2, 1)).days * 100, 1)
    assert "garis lurus" in planned.label


def test_planned_cash_is_the_plans_cumulative_disbursement():
    assert planning.planned_cash(_Kegiatan(_Plan()), 2026, 12) == 100
    assert planning.planned_cash(_Kegiatan(None), 2026, 12) is None


@pytest.fixture
def imported(app, make_user, add_site, add_submission):
    """The example DPA imported, a visit on 25 July to the road works (32 % done), and one kegiatan made by hand."""
    monitor = make_user("monitor", kecamatan_code="17.01.02")
    site = add_site(kecamatan_code="17.01.02", name="Ruas Padang Panjang")
    with app.app_context():
        rows = example_rows()
        rows[0]["kode_lokasi"] = str(site.uuid)
        import_dpa(rows_to_csv(rows), "dpa.csv")
        db.session.commit()
        road = db.session.scalar(select(Kegiatan).where(Kegiatan.code == "1.03.10.2.01.0015"))
        road_id, pagu = road.id, road.pagu
        road_ns = type("K", (), {"id": road.id, "code": road.code})
    when = datetime(2026, 7, 25, 3, 0, tzinfo=timezone.utc)
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=road_ns, review_state="approved",
                   recorded_at=when, answers=visit_answers(road_ns.code, 50, int(pagu * 0.5)))
    return road_id


def test_the_desk_compares_progress_with_the_plan_not_the_straight_line(app, imported, make_user):
    bappeda = make_user("bappeda")
    july = datetime(2026, 7, 28, 5, 0, tzinfo=timezone.utc)
    with app.app_context():
        rows = {r.kegiatan.id: r for r in figures.kegiatan_progress(db.session.get(User, bappeda.id), now=july)}
        row = rows[imported]
        # 25 July on the plan: 48 + (60 − 48) × 25/31 = 57.7 %; the straight line would say 70.4 %.
        assert (row.planned_pct, row.planned_basis) == (57.7, planning.PLAN)
        assert row.flags == []  # 50 % done is within 10 points of the plan (it would be "behind" on the line)
        assert "rencana bulanan DPA" in row.planned_basis_label


def test_the_desk_page_labels_the_straight_line_fallback(app, auth, make_user, make_kegiatan, add_site, add_submission):
    monitor = make_user("monitor")
    site = add_site()
    k = make_kegiatan("PUPR", sites=[site], start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=k, review_state="approved",
                   answers=visit_answers(k.code, 5, 1_000))
    make_user("bappeda", username="bappeda.plan")
    auth.login("bappeda.plan")
    page = auth._client.get("/bappeda").text
    assert "garis lurus mulai–selesai (tanpa rencana bulanan)" in page


def test_the_monthly_report_uses_the_plan_and_names_its_basis(app, imported):
    with app.app_context():
        report = monthly.collect(month(2026, 7), cutoff=datetime(2026, 8, 1, tzinfo=timezone.utc))
        line = next(line for line in report.kegiatan if line.kegiatan.id == imported)
        assert (line.planned_pct, line.planned_basis) == (57.7, planning.PLAN)
        values = monthly.kegiatan_values(1, line)
        basis = [title for title, _width in monthly.KEGIATAN_COLUMNS].index("Dasar rencana fisik")
        assert values[basis] == "Rencana bulanan DPA"
