"""Who is told what about follow-ups: assigned, done (to verify), reopened, due soon, overdue, and the
weekly digest. Each event has a key, so it reaches a person once (webapp/notifications)."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.notifications.services import in_language, notify, stamp, unit_members
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, NotificationKind, Role

#: "Due soon" is this many days ahead, or fewer.
DUE_SOON_DAYS = 3


def people(followup: FollowUp) -> list[User]:
    """Who answers for a follow-up: its owner, or every user of its unit while it has none."""
    if followup.owner_id:
        owner = db.session.get(User, followup.owner_id)
        return [owner] if owner is not None else []
    return list(db.session.scalars(unit_members(followup.assignee_opd_id, followup.assignee_kecamatan_id)))


def url(followup: FollowUp) -> str:
    return f"/tindak-lanjut/{followup.id}"


def _due(followup: FollowUp) -> str:
    return followup.due_date.strftime("%d-%m-%Y")


def assigned(followup: FollowUp) -> None:
    owner = db.session.get(User, followup.owner_id) if followup.owner_id else None
    if owner is None:
        return
    title, body = in_language(owner, lambda: (
        _("Tindak lanjut untuk Anda: %(title)s", title=followup.title),
        _("Anda ditunjuk sebagai penanggung jawab tindak lanjut \u201c%(title)s\u201d. Tenggat: %(due)s.",
          title=followup.title, due=_due(followup)),
    ))
    notify(owner, NotificationKind.ASSIGNED, f"followup:{followup.id}:assigned:{owner.id}", title, body, url(followup))


def moved(followup: FollowUp, action: str, actor: User) -> None:
    """Done: its creator is asked to verify. Verified or reopened: the people who did the work (its
    owner, or its unit's users while it has none) are told, once per event and person."""
    when = stamp()
    if action == "complete" and followup.created_by_id and followup.created_by_id != actor.id:
        creator = db.session.get(User, followup.created_by_id)
        if creator is not None:
            title, body = in_language(creator, lambda: (
                _("Tindak lanjut dilaporkan selesai: %(title)s", title=followup.title),
                _("Periksa bukti penyelesaiannya, lalu verifikasi atau buka kembali."),
            ))
            notify(creator, NotificationKind.DONE, f"followup:{followup.id}:done:{when}", title, body, url(followup))
    if action == "reopen":
        for person in people(followup):
            title, body = in_language(person, lambda: (
                _("Tindak lanjut dibuka kembali: %(title)s", title=followup.title),
                _("Alasan: %(reason)s", reason=followup.reopen_reason or ""),
            ))
            notify(person, NotificationKind.REOPENED, f"followup:{followup.id}:reopened:{when}", title, body,
                   url(followup))


    if action == "verify":
        for person in people(followup):
            if person.id == actor.id:
                continue
            title, body = in_language(person, lambda: (
                _("Tindak lanjut diverifikasi: %(title)s", title=followup.title),
                _("Bappeda memeriksa bukti penyelesaiannya dan menyatakannya tuntas."),
            ))
            notify(person, NotificationKind.VERIFIED, f"followup:{followup.id}:verified:{when}", title, body,
                   url(followup))


def reminders(today: date) -> int:
    """Due in three days or fewer, and overdue: each told once per due date to the people who answer."""
    told = 0
    rows = db.session.scalars(select(FollowUp).where(
        FollowUp.status.in_(OPEN_FOLLOWUP_STATES), FollowUp.due_date <= today + timedelta(days=DUE_SOON_DAYS),
    ).order_by(FollowUp.due_date, FollowUp.id))
    for followup in rows:
        overdue = followup.due_date < today
        kind = NotificationKind.OVERDUE if overdue else NotificationKind.DUE_SOON
        for person in people(followup):
            if overdue:
                title, body = in_language(person, lambda: (
                    _("Lewat tenggat: %(title)s", title=followup.title),
                    _("Tenggatnya %(due)s sudah lewat. Kerjakan dan laporkan penyelesaiannya.", due=_due(followup)),
                ))
            else:
                title, body = in_language(person, lambda: (
                    _("Tenggat dalam %(n)s hari: %(title)s", n=(followup.due_date - today).days, title=followup.title),
                    _("Tenggat: %(due)s.", due=_due(followup)),
                ))
            key = f"followup:{followup.id}:{kind.value}:{followup.due_date.isoformat()}"
            told += notify(person, kind, key, title, body, url(followup)) is not None
    return told


def digest_readers() -> list[User]:
    """Who reads the weekly digest: every active camat, and the head of each OPD; an OPD whose head
    the admin has not marked has it sent to all its active accounts instead."""
    from webapp.accounts.opds import heads_query

    heads = list(db.session.scalars(heads_query()))
    headed = {head.opd_id for head in heads}
    others = db.session.scalars(select(User).where(
        User.active.is_(True), or_(User.role == Role.CAMAT,
                                   and_(User.role == Role.OPD, User.opd_id.is_not(None), User.opd_id.not_in(headed))))
        .order_by(User.id))
    return sorted([*heads, *others], key=lambda user: user.id)


def weekly_digest(today: date) -> int:
    """Monday: each OPD head and camat gets the week's follow-ups of their unit in one message."""
    from webapp.followups import services as followups

    year, week, _day = today.isocalendar()
    told = 0
    for person in digest_readers():
        counts = followups.counts_by_status(person, today)
        waiting = sum(counts["by_status"][s] for s in OPEN_FOLLOWUP_STATES)
        due_soon = followups.due_within(person, today, 7)
        title, body = in_language(person, lambda: (
            _("Ringkasan mingguan tindak lanjut (minggu %(week)s)", week=week),
            _("Belum selesai: %(open)s. Lewat tenggat: %(overdue)s. Tenggat dalam 7 hari: %(soon)s. "
              "Menunggu verifikasi Bappeda: %(done)s.", open=waiting, overdue=counts["overdue"], soon=due_soon,
              done=counts["by_status"]["done"]),
        ))
        told += notify(person, NotificationKind.DIGEST, f"digest:{year}-W{week:02d}", title, body,
                       "/tindak-lanjut") is not None
    return told
