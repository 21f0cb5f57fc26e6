"""Who is told what about OPD monthly reports: returned for correction, and the deadline near."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.monev.models import Kegiatan
from webapp.notifications.services import in_language, notify, stamp, unit_members
from webapp.opd_reports.models import OpdReport
from webapp.vocabulary import NotificationKind, OpdReportState

#: "Report deadline near": this many days before the OPD report deadline, or fewer.
DEADLINE_NEAR_DAYS = 3


def returned(report: OpdReport) -> None:
    """Bappeda returned a monthly report: who sent it (or the OPD's users) is told what to fix."""
    readers = [db.session.get(User, report.submitted_by_id)] if report.submitted_by_id else []
    readers = [p for p in readers if p is not None] or list(db.session.scalars(unit_members(report.opd_id)))
    kegiatan = db.session.get(Kegiatan, report.kegiatan_id)
    link = f"/opd/laporan/{kegiatan.code}/{report.year}/{report.month}" if kegiatan else "/opd"
    for person in readers:
        title, body = in_language(person, lambda: (
            _("Laporan bulanan %(month)02d/%(year)s dikembalikan untuk perbaikan", month=report.month, year=report.year),
            _("Catatan Bappeda: %(note)s", note=report.return_note or ""),
        ))
        notify(person, NotificationKind.RETURNED, f"opd_report:{report.id}:returned:{stamp(report.returned_at)}",
               title, body, link)


def deadline_reminders(today: date) -> int:
    """The report deadline is three days away or fewer and an OPD still has reports to send."""
    from webapp.opd_reports import services as opd_reports

    year, month = opd_reports.reporting_month(today)
    deadline = opd_reports.deadline_for(year, month)
    if not today <= deadline <= today + timedelta(days=DEADLINE_NEAR_DAYS):
        return 0
    kegiatan = dict(db.session.execute(select(Kegiatan.opd_id, func.count()).where(
        Kegiatan.fiscal_year == year).group_by(Kegiatan.opd_id)).all())
    submitted = dict(db.session.execute(select(OpdReport.opd_id, func.count()).where(
        OpdReport.year == year, OpdReport.month == month, OpdReport.state == OpdReportState.SUBMITTED,
    ).group_by(OpdReport.opd_id)).all())
    told = 0
    for opd_id, total in sorted(kegiatan.items()):
        missing = total - submitted.get(opd_id, 0)
        if missing <= 0:
            continue
        for person in db.session.scalars(unit_members(opd_id)):
            title, body = in_language(person, lambda: (
                _("Batas laporan bulanan %(month)02d/%(year)s: %(day)s", month=month, year=year,
                  day=deadline.strftime("%d-%m-%Y")),
                _("%(n)s kegiatan belum dilaporkan.", n=missing),
            ))
            told += notify(person, NotificationKind.DEADLINE_NEAR, f"opd_report_deadline:{opd_id}:{year}-{month:02d}",
                           title, body, "/opd") is not None
    return told
