"""Scheduled runs: the times (WIB), the monthly and weekly jobs they start, idempotence."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import wib
from tests.reports import dataset
from tests.reports.sheets import heading_lines, open_book, table
from webapp import schedule, storage
from webapp.extensions import db
from webapp.reports import periods, tasks, weekly
from webapp.reports.models import ReportJob


@pytest.fixture
def inline_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.mark.parametrize(("after", "expected"), [
    # 1st of the month 00:30 WIB is 17:30 UTC on the last day of the month before.
    (datetime(2026, 5, 15, tzinfo=timezone.utc), datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc)),
    (datetime(2026, 5, 31, 17, 30, tzinfo=timezone.utc), datetime(2026, 6, 30, 17, 30, tzinfo=timezone.utc)),
    (datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc), datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc)),
])
def test_the_monthly_report_runs_on_the_first_at_0030_wib(after, expected):
    assert schedule.next_run(schedule.entry("laporan-bulanan").cron, after) == expected


@pytest.mark.parametrize(("after", "expected"), [
    # Monday 06:00 WIB is Sunday 23:00 UTC; 2026-05-18 is a Monday.
    (datetime(2026, 5, 13, tzinfo=timezone.utc), datetime(2026, 5, 17, 23, 0, tzinfo=timezone.utc)),
    (datetime(2026, 5, 17, 23, 0, tzinfo=timezone.utc), datetime(2026, 5, 24, 23, 0, tzinfo=timezone.utc)),
])
def test_the_weekly_summary_runs_on_monday_at_0600_wib(after, expected):
    assert schedule.next_run(schedule.entry("ringkasan-geber-mingguan").cron, after) == expected


def test_the_scheduled_jobs_are_importable_by_their_dotted_paths():
    import importlib

    for item in schedule.SCHEDULE:
        module, name = item.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))


def test_a_run_on_the_first_builds_the_previous_month_once(app, inline_jobs):
    dataset.build(app)
    with app.app_context():
        tasks.scheduled_monthly_report("2026-05-31T17:30:00+00:00")
        tasks.scheduled_monthly_report("2026-05-31T17:30:00+00:00")
        reports = db.session.scalars(select(ReportJob)).all()
        assert [(r.kind, r.params, r.user_id, r.state) for r in reports] == [
            ("monthly", {"period": "2026-05"}, None, "ready")]
        assert storage.exists(reports[0].result_key)


def test_the_scheduled_monthly_report_is_listed_for_bappeda_but_not_for_a_camat(app, inline_jobs, login_as):
    with app.app_context():
        tasks.scheduled_monthly_report("2026-05-31T17:30:00+00:00")
    assert "Laporan evaluasi bulanan Mei 2026 (terjadwal)" in login_as("bappeda").get("/laporan").text
    assert "Laporan evaluasi bulanan" not in login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/laporan").text


def test_a_monday_run_gives_every_active_camat_last_weeks_summary_of_their_kecamatan(app, inline_jobs, login_as):
    manna = login_as("camat", kecamatan_code=factories.KOTA_MANNA)
    pino = login_as("camat", kecamatan_code=factories.PINO)
    factories_inactive = login_as("camat", kecamatan_code=factories.PINO)
    with app.app_context():
        from webapp.accounts.models import User

        db.session.get(User, factories_inactive.user.id).active = False
        db.session.commit()
        # Monday 25 May 2026 06:00 WIB: the week of 18–24 May.
        tasks.scheduled_weekly_geber("2026-05-24T23:00:00+00:00")
        tasks.scheduled_weekly_geber("2026-05-24T23:00:00+00:00")
        reports = db.session.scalars(select(ReportJob).order_by(ReportJob.user_id)).all()
        assert [(r.user_id, r.params["week"], r.state) for r in reports] == [
            (manna.user.id, "2026-05-18", "ready"), (pino.user.id, "2026-05-18", "ready")]
        assert reports[0].params["kecamatan_id"] == factories.kecamatan(factories.KOTA_MANNA).id
    page = manna.get("/laporan").text
    assert "Ringkasan GEBER mingguan 18–24 Mei 2026 · Kecamatan Kota Manna" in page
    assert "Kecamatan Pino" not in page


def test_the_weekly_summary_ranks_desa_and_lists_the_worst_and_unchecked_sites(app, tmp_path):
    data = dataset.build(app)
    with app.app_context():
        dataset.site(factories.KOTA_MANNA, 2, "TPS Baru")
        db.session.commit()
        weekly.write(weekly.collect(data.kota_manna, periods.week_of(date(2026, 5, 20)),
                                    cutoff=wib(2026, 5, 25, 6)), tmp_path / "w.xlsx")
    wb = open_book(tmp_path / "w.xlsx")
    assert wb.sheetnames == ["Ringkasan Mingguan", "Lokasi Terburuk", "Belum Dicek"]
    lines = heading_lines(wb["Ringkasan Mingguan"])
    assert lines[0] == "Ringkasan GEBER Mingguan — Kecamatan Kota Manna"
    assert "Minggu 18–24 Mei 2026 (Senin–Minggu)" in lines
    assert "Cek kebersihan minggu ini yang masih menunggu tinjauan (belum dihitung): 1" in lines
    rows = {r["Kecamatan / desa/kelurahan"].strip(): list(r.values())[1:]
            for r in table(wb["Ringkasan Mingguan"], "Kecamatan / desa/kelurahan")}
    label_a = ("Kelurahan " if data.desa_a_kind == "kelurahan" else "Desa ") + data.desa_a
    # rank, checks, sites, average, previous week, change, actions, participants, kg
    assert rows["Kecamatan Kota Manna"] == [1, 1, 1, 100.0, 60.0, 40.0, 0, 0, 0]
    assert rows[label_a] == [1, 1, 1, 100.0, 60.0, 40.0, 0, 0, 0]
    assert "Jumlah kabupaten" not in rows
    worst = table(wb["Lokasi Terburuk"])
    assert [(r["Lokasi"], r["Skor"]) for r in worst] == [("Pasar Manna", 100)]
    stale = table(wb["Belum Dicek"])
    assert [(r["Lokasi"], r["Cek disetujui terakhir (WIB)"]) for r in stale] == [("TPS Baru", "Belum pernah")]
