"""The monthly report's rules, without HTTP: drafts, submission, validation, the return loop, audit."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.audit import AuditEvent
from webapp.domain_errors import DomainError
from webapp.errors import status_of
from webapp.extensions import db
from webapp.opd_reports import services
from webapp.opd_reports.models import OpdReport
from webapp.vocabulary import OpdReportState

TODAY = date(2026, 12, 5)
GOOD = {"realisation_rp": 150_000_000, "physical_pct": 40.0, "output_value": 30.0,
        "driving_factors": "Cuaca cerah", "problems": None, "planned_action": "Lanjut pengecoran"}


@pytest.fixture
def world(app_ctx):
    opd_user = factories.make_user("opd", opd_code="DLH")
    other_opd = factories.make_user("opd", opd_code="DINKES")
    bappeda = factories.make_user("bappeda")
    kegiatan = factories.make_kegiatan("DLH", pagu=500_000_000, code="1.03.01.2.01")
    return opd_user, other_opd, bappeda, kegiatan


def _save(user, kegiatan, month, submit=False, **changes):
    return services.save_report(user, kegiatan, 2026, month, {**GOOD, **changes}, submit=submit, today=TODAY)


def test_a_draft_is_saved_then_submitted_and_every_step_is_audited(world):
    opd_user, _other, _bappeda, kegiatan = world
    report = _save(opd_user, kegiatan, 11)
    assert report.state == OpdReportState.DRAFT and report.submitted_at is None
    _save(opd_user, kegiatan, 11, physical_pct=42.0)
    report = _save(opd_user, kegiatan, 11, submit=True, physical_pct=45.0)
    assert report.state == OpdReportState.SUBMITTED and report.physical_pct == 45.0
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "opd_report")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["opd_report.create", "opd_report.update", "opd_report.submit"]
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert last.before["physical_pct"] == 42.0 and last.after["physical_pct"] == 45.0


@pytest.mark.parametrize(("changes", "field"), [
    ({"realisation_rp": 500_000_001}, "realisation_rp"),
    ({"realisation_rp": -1}, "realisation_rp"),
    ({"realisation_rp": 1.5}, "realisation_rp"),
    ({"physical_pct": 100.1}, "physical_pct"),
    ({"physical_pct": -3}, "physical_pct"),
    ({"physical_pct": None}, "physical_pct"),
    ({"output_value": -1}, "output_value"),
])
def test_bad_values_are_refused_naming_the_field_and_nothing_is_written(world, changes, field):
    opd_user, _other, _bappeda, kegiatan = world
    with pytest.raises(DomainError) as error:
        _save(opd_user, kegiatan, 11, **changes)
    assert status_of(error.value) == 422 and field in error.value.errors
    assert db.session.scalar(select(func.count()).select_from(OpdReport)) == 0


def test_realisation_equal_to_the_pagu_is_accepted(world):
    opd_user, _other, _bappeda, kegiatan = world
    assert _save(opd_user, kegiatan, 11, realisation_rp=500_000_000).realisation_rp == 500_000_000


def test_a_future_month_is_refused(world):
    opd_user, _other, _bappeda, kegiatan = world
    with pytest.raises(DomainError) as error:
        services.save_report(opd_user, kegiatan, 2027, 1, GOOD, today=TODAY)
    assert status_of(error.value) == 422 and "month" in error.value.errors
    with pytest.raises(DomainError) as error:
        services.save_report(opd_user, kegiatan, 2026, 12, GOOD, today=date(2026, 11, 30))
    assert "month" in error.value.errors


def test_another_opds_kegiatan_cannot_be_reported_on(world):
    _opd, other_opd, bappeda, kegiatan = world
    for user in (other_opd, bappeda):
        with pytest.raises(DomainError) as error:
            _save(user, kegiatan, 11)
        assert status_of(error.value) == 403
    with pytest.raises(DomainError) as error:
        services.kegiatan_in_scope(other_opd, kegiatan.code)
    assert status_of(error.value) == 404


def test_the_same_month_submitted_twice_is_a_conflict_and_keeps_the_first(world):
    opd_user, _other, _bappeda, kegiatan = world
    _save(opd_user, kegiatan, 11, submit=True)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        _save(opd_user, kegiatan, 11, submit=True, physical_pct=90.0)
    assert status_of(error.value) == 409
    db.session.rollback()
    assert db.session.scalar(select(OpdReport.physical_pct)) == 40.0


def test_progress_lower_than_last_month_needs_an_explanation(world):
    opd_user, _other, _bappeda, kegiatan = world
    _save(opd_user, kegiatan, 10, submit=True, physical_pct=50.0)
    with pytest.raises(DomainError) as error:
        _save(opd_user, kegiatan, 11, submit=True, physical_pct=45.0)
    assert status_of(error.value) == 422 and "decrease_reason" in error.value.errors
    report = _save(opd_user, kegiatan, 11, submit=True, physical_pct=45.0,
                   decrease_reason="Sebagian pasangan dibongkar karena tidak sesuai spesifikasi.")
    assert report.state == OpdReportState.SUBMITTED and report.physical_pct == 45.0


def test_bappeda_returns_a_report_with_a_note_and_the_opd_corrects_and_resubmits(world):
    opd_user, other_opd, bappeda, kegiatan = world
    report = _save(opd_user, kegiatan, 11, submit=True)
    with pytest.raises(DomainError) as error:
        services.return_report(bappeda, report, "  ")
    assert status_of(error.value) == 422 and "note" in error.value.errors
    with pytest.raises(DomainError) as error:
        services.return_report(other_opd, report, "Perbaiki")
    assert status_of(error.value) == 403
    services.return_report(bappeda, report, "Realisasi keuangan tidak sesuai SP2D bulan November.")
    assert report.state == OpdReportState.RETURNED and report.return_note.startswith("Realisasi")
    with pytest.raises(DomainError) as error:
        services.return_report(bappeda, report, "lagi")
    assert status_of(error.value) == 409
    report = _save(opd_user, kegiatan, 11, submit=True, realisation_rp=120_000_000)
    assert report.state == OpdReportState.SUBMITTED and report.realisation_rp == 120_000_000
    actions = [e.action for e in services.history(report)]
    assert actions == ["opd_report.submit", "opd_report.return", "opd_report.submit"]


@pytest.mark.parametrize(("day", "year", "month", "expected"), [
    (10, 2026, 11, date(2026, 12, 10)),
    (10, 2026, 12, date(2027, 1, 10)),
    (31, 2026, 1, date(2026, 2, 28)),
    (5, 2026, 3, date(2026, 4, 5)),
])
def test_the_deadline_is_a_configured_day_of_the_next_month(app_ctx, day, year, month, expected):
    assert services.deadline_for(year, month, day) == expected


def test_an_opd_is_late_past_the_deadline_with_reports_missing_and_not_before(world):
    opd_user, _other, bappeda, kegiatan = world
    factories.make_kegiatan("DLH", pagu=100_000_000)
    _save(opd_user, kegiatan, 11, submit=True)
    by_code = {row.opd.code: row for row in services.opd_month_status(bappeda, 2026, 11, today=date(2026, 12, 5))}
    assert (by_code["DLH"].kegiatan, by_code["DLH"].submitted, by_code["DLH"].late) == (2, 1, False)
    by_code = {row.opd.code: row for row in services.opd_month_status(bappeda, 2026, 11, today=date(2026, 12, 11))}
    assert by_code["DLH"].late and by_code["DLH"].missing == 1
    # OPDs without any kegiatan or report are still listed.
    assert by_code["DINKES"].kegiatan == 0 and not by_code["DINKES"].late
    own = services.opd_month_status(opd_user, 2026, 11, today=date(2026, 12, 11))
    assert [row.opd.code for row in own] == ["DLH"]
