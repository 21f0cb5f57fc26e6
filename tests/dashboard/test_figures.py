"""Desk figures on a small known data set: what counts and what waits."""
from datetime import datetime, timedelta, timezone

import pytest

from tests import factories
from tests.factories import NOW, days_ago, visit_answers
from webapp.accounts.models import User
from webapp.dashboard import figures
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.regions.models import Kecamatan
from webapp.submissions.site_status import refresh_site_status

UTC = timezone.utc


# --- pure rules ---------------------------------------------------------------------------------------

def test_the_month_starts_at_midnight_in_jakarta():
    # 18:00 UTC on 31 March is already 1 April in WIB: the month is April, from 31 March 17:00 UTC.
    assert figures.month_start_utc(datetime(2026, 3, 31, 18, 0, tzinfo=UTC)) == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    assert figures.month_start_utc(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == datetime(2026, 2, 28, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(("score", "band"), [(None, "belum"), (0, "kotor"), (59.9, "kotor"), (60, "cukup"), (79.9, "cukup"), (80, "bersih"), (100, "bersih")])
def test_score_bands_match_the_map(score, band):
    assert figures.score_band(score) == band


# --- camat ------------------------------------------------------------------------------------------

@pytest.fixture
def kecamatan_world(app, make_user, add_site, add_submission, add_followup):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    s1 = add_site(desa_index=0, name="SD 1")
    s2 = add_site(desa_index=0, name="Pasar A")
    s3 = add_site(desa_index=1, name="Puskesmas B")
    s4 = add_site(desa_index=1, name="TPS B")
    s5 = add_site(desa_index=0, name="Masjid A")
    pino = add_site(factories.PINO, name="SD Pino")
    for site, score, ago in ((s1, 70, 10), (s1, 90, 1), (s2, 40, 8), (s2, 50, 2), (s3, 85, 3), (s5, 65, 40)):
        add_submission(monitor, site, score=score, review_state="approved", recorded_at=days_ago(ago))
    waiting = add_submission(monitor, s3, score=10, recorded_at=days_ago(1 / 24), flags={"distance_m": 350.0})
    add_submission(monitor, s3, score=5, review_state="rejected", recorded_at=days_ago(0.5))
    add_submission(monitor, s4, score=5, review_state="rejected", recorded_at=days_ago(1))
    add_submission(monitor, pino, score=20)
    add_submission(monitor, s1, form="monev_kunjungan", answers={})
    today = today_wib(NOW)  # the desk is asked "as of NOW": a run crossing midnight in Jakarta must not split the two
    late = add_followup(kecamatan_code=factories.KOTA_MANNA, due=today - timedelta(days=1))
    soon = add_followup(opd_code="DLH", site=s1, due=today + timedelta(days=5))
    add_followup(kecamatan_code=factories.PINO, due=today - timedelta(days=1))
    add_followup(kecamatan_code=factories.KOTA_MANNA, status="done", due=today - timedelta(days=9))
    with app.app_context():
        refresh_site_status(*(s.id for s in (s1, s2, s3, s4, s5, pino)))
        db.session.commit()
    return {"sites": (s1, s2, s3, s4, s5), "waiting": waiting, "followups": (late, soon)}


def _desk(user, code=factories.KOTA_MANNA):
    return figures.camat_desk(db.session.get(User, user.id), factories.kecamatan(code), now=NOW)


def test_villages_are_ranked_by_their_average_latest_approved_score(app, kecamatan_world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    s1, s2, s3, s4, s5 = kecamatan_world["sites"]
    with app.app_context():
        desk = _desk(camat)
        assert [v.desa.id for v in desk.villages] == [s3.desa_id, s1.desa_id]
        b, a = desk.villages
        assert (b.average, b.previous, b.change, b.scored, b.sites) == (85.0, None, None, 1, 2)
        assert (a.average, a.previous, a.change, a.scored, a.sites) == (68.3, 58.3, 10.0, 3, 3)
        assert (desk.average, desk.previous, desk.change) == (72.5, 58.3, 14.2)


def test_the_worst_sites_come_first_and_only_approved_scores_count(app, kecamatan_world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        desk = _desk(camat)
        assert [(w["site"].name, w["score"], w["band"]) for w in desk.worst] == [
            ("Pasar A", 50, "kotor"), ("Masjid A", 65, "cukup"), ("Puskesmas B", 85, "bersih"), ("SD 1", 90, "bersih")]


def test_sites_not_checked_for_thirty_days_include_those_with_only_rejected_checks(app, kecamatan_world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        desk = _desk(camat)
        assert desk.stale_count == 2
        assert [(row["site"].name, row["last"] is None) for row in desk.stale] == [("TPS B", True), ("Masjid A", False)]


def test_waiting_checks_are_the_kecamatans_received_geber_checks(app, kecamatan_world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        desk = _desk(camat)
        assert desk.waiting_count == 1
        assert [s.id for s in desk.waiting] == [kecamatan_world["waiting"].id]
        assert desk.waiting[0].flags == {"distance_m": 350.0}


def test_open_and_overdue_followups_of_the_kecamatan(app, kecamatan_world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    with app.app_context():
        desk = _desk(camat)
        assert [f.id for f in desk.followups] == list(kecamatan_world["followups"])
        assert (desk.open_followups, desk.overdue_followups) == (2, 1)


def test_a_camat_of_another_kecamatan_counts_nothing_here(app, kecamatan_world, make_user):
    other = make_user("camat", kecamatan_code=factories.PINO)
    with app.app_context():
        desk = _desk(other)
        assert desk.villages == [] and desk.worst == [] and desk.average is None
        assert desk.waiting_count == 0 and desk.open_followups == 0 and desk.sites_total == 0


# --- bappeda -----------------------------------------------------------------------------------------

JULY = datetime(2026, 7, 20, 5, 0, tzinfo=UTC)


def _at(month, day):
    return datetime(2026, month, day, 5, 0, tzinfo=UTC)


@pytest.fixture
def monev_world(app, make_user, make_kegiatan, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(name="Jalan Desa")
    k1 = make_kegiatan("PUPR", sites=[site], pagu=1_000_000_000, name="Rehabilitasi jalan")
    k2 = make_kegiatan("PUPR", sites=[site], pagu=500_000_000, name="Normalisasi saluran")
    k3 = make_kegiatan("DLH", sites=[site], pagu=200_000_000, name="TPS3R")
    k4 = make_kegiatan("DLH", sites=[site], pagu=300_000_000, name="Tempat sampah sekolah")

    def visit(k, when, progress, realisation, state="approved", status="on_track", risks=()):
        return add_submission(monitor, site, form="monev_kunjungan", kegiatan=k, review_state=state, recorded_at=when,
                              answers=visit_answers(k.code, progress, realisation, status=status, risks=risks))

    visit(k1, _at(7, 2), 30, 450_000_000, status="at_risk", risks=[("teknis", "tinggi"), ("cuaca", "rendah")])
    visit(k1, _at(7, 10), 90, 900_000_000, state="received")
    visit(k2, _at(3, 1), 10, 50_000_000, risks=[("lahan", "tinggi")])
    visit(k2, _at(7, 2), 60, 250_000_000, risks=[("teknis", "sedang")])
    visit(k3, _at(7, 2), 40, 100_000_000, status="late")
    visit(k4, _at(7, 3), 5, 1, state="rejected")
    return {"k": (k1, k2, k3, k4), "site": site, "monitor": monitor}


def test_progress_against_budget_uses_the_latest_approved_visit(app, monev_world, make_user):
    bappeda = make_user("bappeda")
    k1, k2, k3, k4 = monev_world["k"]
    with app.app_context():
        rows = {r.kegiatan.id: r for r in figures.kegiatan_progress(db.session.get(User, bappeda.id), now=JULY)}
        r1, r2, r3, r4 = rows[k1.id], rows[k2.id], rows[k3.id], rows[k4.id]
        assert (r1.progress, r1.realisation, r1.realisation_pct, r1.planned_pct) == (30, 450_000_000, 45.0, 50.0)
        assert r1.flags == ["budget_ahead", "behind_schedule"] and r1.status == "at_risk" and r1.waiting == 1
        assert (r2.progress, r2.realisation_pct, r2.flags) == (60, 50.0, [])
        assert (r3.progress, r3.realisation_pct, r3.planned_pct, r3.flags, r3.status) == (40, 50.0, 50.0, [], "late")
        assert r4.visit is None and r4.flags == [] and r4.visits_this_month == 0


def test_of_two_visits_recorded_at_the_same_instant_the_later_filed_is_the_latest(app, monev_world, make_user):
    bappeda = make_user("bappeda")
    k1, _k2, k3, _k4 = monev_world["k"]
    monitor, site = monev_world["monitor"], monev_world["site"]
    for progress in (70, 75):
        factories.add_submission(app, monitor, site, form="monev_kunjungan", kegiatan=k3, review_state="approved",
                                 recorded_at=_at(7, 4), answers=visit_answers(k3.code, progress, 100_000_000))
    with app.app_context():
        rows = {r.kegiatan.id: r for r in figures.kegiatan_progress(db.session.get(User, bappeda.id), now=JULY)}
        assert rows[k3.id].progress == 75 and rows[k3.id].status == "on_track"
        assert rows[k1.id].progress == 30


def test_the_bappeda_desk_summarises_per_opd_and_lists_troubles(app, monev_world, make_user):
    bappeda = make_user("bappeda")
    k1, k2, k3, k4 = monev_world["k"]
    with app.app_context():
        desk = figures.bappeda_desk(db.session.get(User, bappeda.id), now=JULY)
        opds = {s.opd.code: s for s in desk.opds}
        pupr, dlh = opds["PUPR"], opds["DLH"]
        assert (pupr.kegiatan, pupr.visited, pupr.pagu_measured, pupr.realisation) == (2, 2, 1_500_000_000, 700_000_000)
        assert (pupr.realisation_pct, pupr.progress, pupr.flagged, pupr.at_risk) == (46.7, 40.0, 1, 1)
        assert (dlh.kegiatan, dlh.visited, dlh.realisation_pct, dlh.progress, dlh.late) == (2, 1, 50.0, 40.0, 1)
        assert [r.kegiatan.id for r in desk.deviations] == [k1.id]
        assert {r.kegiatan.id for r in desk.troubled} == {k1.id, k3.id}
        assert [r.kegiatan.id for r in desk.not_visited] == [k4.id]
        assert desk.waiting_visits == 1


def test_risks_are_counted_by_category_from_the_latest_approved_visits(app, monev_world, make_user):
    bappeda = make_user("bappeda")
    with app.app_context():
        desk = figures.bappeda_desk(db.session.get(User, bappeda.id), now=JULY)
        assert [(r["category"], r["label"], r["count"], r["high"]) for r in desk.risks] == [
            ("teknis", "Teknis", 2, 1), ("cuaca", "Cuaca", 1, 0)]


def test_an_opd_desk_holds_its_own_kegiatan_only(app, monev_world, make_user):
    dlh_user = make_user("opd", opd_code="DLH")
    k1, k2, k3, k4 = monev_world["k"]
    with app.app_context():
        user = db.session.get(User, dlh_user.id)
        desk = figures.opd_desk(user, user.opd, now=JULY)
        assert {r.kegiatan.id for r in desk.kegiatan} == {k3.id, k4.id}
        assert {v.kegiatan_id for v in desk.visits} == {k3.id, k4.id}
        assert desk.summary.progress == 40.0


def test_geber_per_kecamatan_and_coverage_this_month(app, make_user, add_site, add_submission):
    monitor = make_user("monitor")
    bappeda = make_user("bappeda")
    m1, m2 = add_site(desa_index=0), add_site(desa_index=1)
    p1, p2 = add_site(factories.PINO), add_site(factories.PINO)
    add_submission(monitor, m1, score=80, review_state="approved", recorded_at=_at(7, 5))
    add_submission(monitor, m2, score=60, review_state="approved", recorded_at=_at(6, 5))
    add_submission(monitor, p1, score=30, review_state="approved", recorded_at=_at(7, 6))
    add_submission(monitor, p1, score=95, recorded_at=_at(7, 7))          # waiting: not in the average
    add_submission(monitor, p2, score=99, review_state="rejected", recorded_at=_at(7, 8))
    with app.app_context():
        refresh_site_status(m1.id, m2.id, p1.id, p2.id)
        db.session.commit()
        rows = {r.kecamatan.code: r for r in figures.geber_by_kecamatan(db.session.get(User, bappeda.id), now=JULY)}
        manna, pino = rows[factories.KOTA_MANNA], rows[factories.PINO]
        assert (manna.sites, manna.scored, manna.average, manna.checks_this_month, manna.waiting) == (2, 2, 70.0, 1, 0)
        assert (manna.visited_this_month, manna.coverage_pct) == (1, 50.0)
        assert (pino.sites, pino.scored, pino.average, pino.checks_this_month, pino.waiting) == (2, 1, 30.0, 1, 1)
        assert (pino.visited_this_month, pino.coverage_pct) == (1, 50.0)
        assert len(rows) == db.session.query(Kecamatan).count()
        assert rows["17.01.01"].average is None and rows["17.01.01"].coverage_pct is None


def test_charts_carry_the_same_numbers_as_the_tables(app, monev_world, make_user):
    bappeda = make_user("bappeda")
    with app.app_context():
        desk = figures.bappeda_desk(db.session.get(User, bappeda.id), now=JULY)
        charts = figures.bappeda_charts(desk)
        by_label = {row["label"]: row["values"] for row in charts["progress"]["rows"]}
        assert by_label["Dinas PUPR"] == {"progress": 40.0, "budget": 46.7}
        assert [row["values"]["n"] for row in charts["risks"]["rows"]] == [2, 1]
