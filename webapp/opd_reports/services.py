"""Rules of the OPD monthly report: saving a draft, submitting, returning for correction, deadlines.

Every check runs before any write, so a refused report leaves nothing half-written; every change
is audited. Services flush; the caller commits.
"""
import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from webapp import audit, scopes
from webapp.accounts.models import Opd
from webapp.domain_errors import Conflict, Forbidden, Invalid, NotFound
from webapp.extensions import db
from webapp.followups.services import today_wib
from webapp.thresholds import WIB
from webapp.monev.models import Kegiatan
from webapp.opd_reports.models import OpdReport
from webapp.vocabulary import OpdReportState
from webapp.types import utcnow

TEXT_MAX = 2000
#: The fields an OPD fills in; everything else is set by the workflow.
FIELDS = ("realisation_rp", "physical_pct", "output_value", "driving_factors", "problems", "planned_action",
          "decrease_reason")
EDITABLE_STATES = (OpdReportState.DRAFT, OpdReportState.RETURNED)


def deadline_day() -> int:
    return int(current_app.config.get("OPD_REPORT_DEADLINE_DAY", 10))


def deadline_for(year: int, month: int, day: int | None = None) -> date:
    """The day of the next month by which a month's report is due (the 10th unless configured)."""
    day = day or deadline_day()
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def reporting_month(today: date | None = None) -> tuple[int, int]:
    """The month an OPD is reporting on now: the one that closed last."""
    today = today or today_wib()
    return previous_month(today.year, today.month)


def is_late(report: OpdReport | None, year: int, month: int, today: date | None = None) -> bool:
    """Not submitted by the deadline (or submitted after it)."""
    due = deadline_for(year, month)
    if report is not None and report.submitted_at is not None and report.state == OpdReportState.SUBMITTED:
        return report.submitted_at.astimezone(WIB).date() > due
    return (today or today_wib()) > due


def snapshot(report: OpdReport) -> dict:
    return {"state": str(report.state), **{name: getattr(report, name) for name in FIELDS},
            "return_note": report.return_note}


# --- reading -----------------------------------------------------------------------------------

def kegiatan_in_scope(user, code: str, year: int | None = None) -> Kegiatan:
    """A kegiatan the user may see, by code (and fiscal year: codes repeat every year); outside
    the scope it does not exist (404)."""
    stmt = scopes.kegiatan_query(user).where(Kegiatan.code == code)
    if year is not None:
        stmt = stmt.where(Kegiatan.fiscal_year == year)
    kegiatan = db.session.scalars(stmt.order_by(Kegiatan.fiscal_year.desc(), Kegiatan.opd_id).limit(1)).first()
    if kegiatan is None:
        raise NotFound(_l("Kegiatan tidak ditemukan."))
    return kegiatan


def find_report(user, kegiatan: Kegiatan, year: int, month: int) -> OpdReport | None:
    return db.session.scalar(scopes.opd_reports_query(user).where(
        OpdReport.kegiatan_id == kegiatan.id, OpdReport.year == year, OpdReport.month == month))


def get_report(user, code: str, year: int, month: int) -> OpdReport:
    kegiatan = kegiatan_in_scope(user, code, year)
    report = find_report(user, kegiatan, year, month)
    if report is None:
        raise NotFound(_l("Laporan bulan ini belum ada."))
    return report


def last_submitted_before(kegiatan_id: int, year: int, month: int) -> OpdReport | None:
    """The kegiatan's latest submitted report of an earlier month of the same year."""
    return db.session.scalar(
        select(OpdReport).where(OpdReport.kegiatan_id == kegiatan_id, OpdReport.year == year,
                                OpdReport.month < month, OpdReport.state == OpdReportState.SUBMITTED)
        .order_by(OpdReport.month.desc()).limit(1)
    )


# --- writing -----------------------------------------------------------------------------------

def _text(value, name: str, errors: dict) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > TEXT_MAX:
        errors[name] = [_l("Paling banyak %(n)s karakter.", n=TEXT_MAX)]
    return value or None


def _validate(kegiatan: Kegiatan, year: int, month: int, data: dict, today: date) -> dict:
    """The report's values, checked; raises a 422 naming every wrong field."""
    errors: dict = {}
    if not 1 <= month <= 12:
        errors["month"] = [_l("Bulan harus 1 sampai 12.")]
    elif (year, month) > (today.year, today.month):
        errors["month"] = [_l("Laporan untuk bulan yang belum berjalan tidak dapat dibuat.")]
    if year != kegiatan.fiscal_year:
        errors["year"] = [_l("Kegiatan ini milik tahun anggaran %(year)s.", year=kegiatan.fiscal_year)]
    clean = {name: _text(data.get(name), name, errors)
             for name in ("driving_factors", "problems", "planned_action", "decrease_reason")}

    rp = data.get("realisation_rp")
    if rp is None or isinstance(rp, bool) or not isinstance(rp, int):
        errors["realisation_rp"] = [_l("Realisasi keuangan wajib diisi dalam rupiah utuh.")]
    elif rp < 0:
        errors["realisation_rp"] = [_l("Realisasi keuangan tidak boleh negatif.")]
    elif rp > kegiatan.pagu:
        pagu = "{:,}".format(kegiatan.pagu).replace(",", ".")
        errors["realisation_rp"] = [_l("Realisasi keuangan melebihi pagu (Rp %(pagu)s).", pagu=pagu)]
    pct = data.get("physical_pct")
    if pct is None or isinstance(pct, bool) or not isinstance(pct, (int, float)):
        errors["physical_pct"] = [_l("Realisasi fisik wajib diisi (0–100 %).")]
    elif not 0 <= pct <= 100:
        errors["physical_pct"] = [_l("Realisasi fisik harus antara 0 dan 100 %.")]
    output = data.get("output_value")
    if output is not None and (isinstance(output, bool) or not isinstance(output, (int, float)) or output < 0):
        errors["output_value"] = [_l("Capaian output harus angka 0 atau lebih.")]

    if "physical_pct" not in errors and "month" not in errors:
        previous = last_submitted_before(kegiatan.id, year, month)
        if previous is not None and pct < previous.physical_pct and not clean["decrease_reason"]:
            errors["decrease_reason"] = [_l(
                "Realisasi fisik lebih rendah dari laporan bulan %(month)s (%(pct)s %%): jelaskan penyebabnya.",
                month=previous.month, pct=previous.physical_pct)]
    if errors:
        raise Invalid(_l("Laporan belum dapat disimpan. Periksa isian yang ditandai."), errors)
    return {**clean, "realisation_rp": rp, "physical_pct": float(pct),
            "output_value": float(output) if output is not None else None}


def save_report(user, kegiatan: Kegiatan, year: int, month: int, data: dict, submit: bool = False,
                today: date | None = None) -> OpdReport:
    """Save the OPD's report of a month as a draft, or submit it. A submitted month is never
    overwritten: a second submission is a conflict until Bappeda returns it."""
    if not scopes.can_file_report(user, kegiatan):
        raise Forbidden(_l("Hanya OPD pelaksana kegiatan ini yang dapat mengisi laporannya."))
    today = today or today_wib()
    report = db.session.scalar(select(OpdReport).where(
        OpdReport.kegiatan_id == kegiatan.id, OpdReport.year == year, OpdReport.month == month
    ).with_for_update())
    if report is not None and report.state == OpdReportState.SUBMITTED:
        raise Conflict(_l("Laporan %(kegiatan)s bulan %(month)s/%(year)s sudah dikirim. Bappeda harus "
                          "mengembalikannya sebelum dapat diubah.", kegiatan=kegiatan.code, month=month, year=year),
                       code="already_submitted")
    values = _validate(kegiatan, year, month, data, today)
    before = snapshot(report) if report is not None else None
    if report is None:
        report = OpdReport(kegiatan_id=kegiatan.id, opd_id=kegiatan.opd_id, year=year, month=month,
                           state=OpdReportState.DRAFT, created_by_id=user.id)
        db.session.add(report)
    for name, value in values.items():
        setattr(report, name, value)
    if submit:
        report.state = OpdReportState.SUBMITTED
        report.submitted_at = utcnow()
        report.submitted_by_id = user.id
    db.session.flush()
    action = "opd_report.submit" if submit else ("opd_report.create" if before is None else "opd_report.update")
    audit.record(user, action, "opd_report", report.id, before, snapshot(report))
    return report


def return_report(user, report: OpdReport, note: str | None) -> OpdReport:
    """Bappeda sends a submitted report back to its OPD with a note saying what to correct."""
    if not scopes.can_return_report(user):
        raise Forbidden(_l("Hanya Bappeda yang dapat mengembalikan laporan."))
    note = (note or "").strip()
    if not note:
        raise Invalid(_l("Tulis catatan apa yang harus diperbaiki."), {"note": [_l("Wajib diisi.")]})
    if len(note) > TEXT_MAX:
        raise Invalid(_l("Catatan terlalu panjang."), {"note": [_l("Paling banyak %(n)s karakter.", n=TEXT_MAX)]})
    if report.state != OpdReportState.SUBMITTED:
        raise Conflict(_l("Hanya laporan yang sudah dikirim yang dapat dikembalikan."), code="not_submitted")
    before = snapshot(report)
    report.state = OpdReportState.RETURNED
    report.return_note = note
    report.returned_at = utcnow()
    report.returned_by_id = user.id
    db.session.flush()
    audit.record(user, "opd_report.return", "opd_report", report.id, before, snapshot(report))
    from webapp.opd_reports import notices

    notices.returned(report)
    return report


def history(report: OpdReport) -> list[audit.AuditEvent]:
    return list(db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.object_type == "opd_report",
                                       audit.AuditEvent.object_id == str(report.id))
        .order_by(audit.AuditEvent.created_at, audit.AuditEvent.id)
    ))


# --- the month at a glance ---------------------------------------------------------------------

@dataclass
class MonthRow:
    kegiatan: Kegiatan
    report: OpdReport | None
    late: bool


def month_rows(user, opd_id: int, year: int, month: int, today: date | None = None) -> list[MonthRow]:
    """Each kegiatan of an OPD in the user's scope with its report of the month (two queries)."""
    kegiatan = list(db.session.scalars(scopes.kegiatan_query(user).where(
        Kegiatan.opd_id == opd_id, Kegiatan.fiscal_year == year).order_by(Kegiatan.code)))
    reports = {r.kegiatan_id: r for r in db.session.scalars(scopes.opd_reports_query(user).where(
        OpdReport.opd_id == opd_id, OpdReport.year == year, OpdReport.month == month))}
    return [MonthRow(k, reports.get(k.id), is_late(reports.get(k.id), year, month, today)) for k in kegiatan]


@dataclass
class OpdMonthStatus:
    opd: Opd
    kegiatan: int
    submitted: int
    drafts: int
    returned: int
    submitted_late: int
    deadline: date
    overdue: bool

    @property
    def missing(self) -> int:
        return self.kegiatan - self.submitted

    @property
    def late(self) -> bool:
        """"Terlambat": past the deadline with reports missing, or any report sent after it."""
        return (self.overdue and self.missing > 0) or self.submitted_late > 0


def opd_month_status(user, year: int, month: int, today: date | None = None) -> list[OpdMonthStatus]:
    """Per OPD in scope: how many of its kegiatan have the month's report submitted, and lateness.
    OPDs that filed nothing are listed too."""
    today = today or today_wib()
    due = deadline_for(year, month)
    kegiatan_counts = dict(db.session.execute(
        scopes.kegiatan_query(user).where(Kegiatan.fiscal_year == year)
        .with_only_columns(Kegiatan.opd_id, func.count()).group_by(Kegiatan.opd_id)
    ).all())
    # Counted in SQL per OPD and state: a report is late when it was submitted on a WIB day after
    # the deadline, i.e. at or after the start of the next day.
    after_due = datetime.combine(due + timedelta(days=1), time(0), tzinfo=WIB)
    late = case((and_(OpdReport.state == OpdReportState.SUBMITTED, OpdReport.submitted_at >= after_due), 1))
    states: dict = {}
    for opd_id, state, n, n_late in db.session.execute(
        scopes.opd_reports_query(user).where(OpdReport.year == year, OpdReport.month == month)
        .with_only_columns(OpdReport.opd_id, OpdReport.state, func.count(), func.count(late))
        .group_by(OpdReport.opd_id, OpdReport.state)
    ):
        counts = states.setdefault(opd_id, {"submitted": 0, "draft": 0, "returned": 0, "late": 0})
        counts[state] += n
        counts["late"] += n_late
    opd_stmt = select(Opd).order_by(Opd.name)
    if not scopes.is_regency_wide(user):
        opd_stmt = opd_stmt.where(Opd.id == user.opd_id)
    rows = []
    for opd in db.session.scalars(opd_stmt):
        counts = states.get(opd.id, {"submitted": 0, "draft": 0, "returned": 0, "late": 0})
        rows.append(OpdMonthStatus(opd=opd, kegiatan=kegiatan_counts.get(opd.id, 0), submitted=counts["submitted"],
                                   drafts=counts["draft"], returned=counts["returned"], submitted_late=counts["late"],
                                   deadline=due, overdue=today > due))
    return rows


def parse_month(value: str | None, default: tuple[int, int]) -> tuple[int, int]:
    """"2026-11" → (2026, 11); anything else (or a year outside 2000–2100) → the default."""
    try:
        year, month = (int(part) for part in (value or "").split("-", 1))
        datetime(year, month, 1)
        if not 2000 <= year <= 2100:
            return default
        return year, month
    except (TypeError, ValueError, OverflowError):
        return default
