"""Figures for the home page (/beranda): what each role needs first, always within its scope."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp import scopes
from webapp.dashboard import figures
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.geber import aksi
from webapp.reports.periods import WIB, wib_date
from webapp.submissions.models import Submission
from webapp.types import utcnow
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, ReviewState


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def home_summary(user) -> dict:
    """Counts of what the user can see: sites, activities, submissions, follow-ups."""
    return {
        "kecamatan": _count(scopes.kecamatan_query(user)),
        "sites": _count(scopes.sites_query(user)),
        "kegiatan": _count(scopes.kegiatan_query(user)),
        "submissions": _count(scopes.submissions_query(user)),
        "followups": _count(scopes.followups_query(user)),
    }


@dataclass
class Home:
    """The home page of one user: `kind` picks the template section."""
    kind: str
    numbers: dict = field(default_factory=dict)
    items: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    aksi: object = None
    kecamatan: object = None


def _today_start(now: datetime) -> datetime:
    day = wib_date(now)
    return datetime(day.year, day.month, day.day, tzinfo=WIB)


def _open_followups(user, limit: int = 5) -> tuple[list[FollowUp], int, int]:
    """The next follow-ups due (earliest first), how many are open and how many are overdue."""
    base = scopes.followups_query(user).where(FollowUp.status.in_(OPEN_FOLLOWUP_STATES))
    today = wib_date(utcnow())
    due = db.session.scalars(base.order_by(FollowUp.due_date, FollowUp.id).limit(limit)).all()
    return due, _count(base), _count(base.where(FollowUp.due_date < today))


def home_for(user, now: datetime | None = None) -> Home:
    """What /beranda shows this user: a monitor's day, a camat's kecamatan, an OPD's kegiatan
    and follow-ups, the regency for Bappeda."""
    now = now or utcnow()
    if user.role == "monitor":
        mine = scopes.submissions_query(user)
        today = mine.where(Submission.received_at >= _today_start(now))
        returned = mine.where(Submission.review_state == ReviewState.RETURNED)
        items = db.session.scalars(mine.order_by(Submission.received_at.desc()).limit(5)).all()
        return Home("monitor", {"today": _count(today), "returned": _count(returned),
                                "week": _count(mine.where(Submission.received_at >= now - timedelta(days=7)))},
                    items=items)
    if user.role == "camat" and user.kecamatan is not None:
        desk = figures.camat_desk(user, user.kecamatan, now)
        due, open_count, overdue = _open_followups(user)
        return Home("camat", {"average": desk.average, "previous": desk.previous, "sites": desk.sites_total,
                              "stale": desk.stale_count, "waiting": desk.waiting_count,
                              "open": open_count, "overdue": overdue},
                    items=desk.worst[:3], followups=due, aksi=aksi.summary_for(user, now), kecamatan=user.kecamatan)
    if user.role == "opd" and user.opd is not None:
        rows = figures.kegiatan_progress(user, user.opd_id, now)
        due, open_count, overdue = _open_followups(user)
        flagged = [row for row in rows if row.flags or row.status in ("at_risk", "late")]
        return Home("opd", {"kegiatan": len(rows), "visited": sum(1 for r in rows if r.visit is not None),
                            "flagged": len(flagged), "open": open_count, "overdue": overdue},
                    items=flagged[:5], followups=due)
    if user.role in ("bappeda", "admin"):
        kecamatan = figures.geber_by_kecamatan(user, now)
        scored = [k.average for k in kecamatan if k.average is not None]
        due, open_count, overdue = _open_followups(user)
        waiting = _count(scopes.reviewable_submissions_query(user).where(Submission.review_state == ReviewState.RECEIVED))
        return Home("regency", {"kecamatan": len(kecamatan), "sites": sum(k.sites for k in kecamatan),
                                "average": sum(scored) / len(scored) if scored else None,
                                "checks_month": sum(k.checks_this_month for k in kecamatan),
                                "waiting": waiting, "open": open_count, "overdue": overdue},
                    items=sorted((k for k in kecamatan if k.average is not None), key=lambda k: k.average)[:3],
                    followups=due, aksi=aksi.summary_for(user, now))
    return Home("other", home_summary(user))
