"""Clean-up actions (geber_aksi) that count: people, kilograms and bags, per kecamatan and per OPD,
for this week, this month and since the start. Totals only: no names of people ever leave here."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from webapp import scopes
from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.regions.models import Kecamatan
from webapp.reports.periods import month, week_of, wib_date
from webapp.submissions.models import Submission
from webapp.vocabulary import FormCode, ReviewState

FORM = FormCode.GEBER_ACTION
PERIODS = ("week", "month", "all")


@dataclass
class Totals:
    actions: int = 0
    participants: int = 0
    kg: float = 0.0
    bags: int = 0

    def add(self, answers: dict) -> None:
        self.actions += 1
        self.participants += positive_int(answers.get("peserta"))
        self.kg += positive_number(answers.get("sampah_kg"))
        self.bags += positive_int(answers.get("kantong"))


@dataclass
class Row:
    """One kecamatan or OPD: its totals for each period."""
    key: str
    name: str
    periods: dict[str, Totals] = field(default_factory=lambda: {p: Totals() for p in PERIODS})


@dataclass
class AksiSummary:
    total: Row
    by_kecamatan: list[Row]
    by_opd: list[Row]


def positive_int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def positive_number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 0.0


def counted_actions(base: Select) -> Select:
    """The clean-up actions of a submissions query that count: every one not rejected."""
    return base.where(Submission.form_code == FORM, Submission.review_state != ReviewState.REJECTED)


def _periods_of(recorded_at: datetime, now: datetime) -> tuple[str, ...]:
    today = wib_date(now)
    day = wib_date(recorded_at)
    this_week, this_month = week_of(today), month(today.year, today.month)
    found = ["all"]
    if this_month.first <= day <= this_month.last:
        found.append("month")
    if this_week.first <= day <= this_week.last:
        found.append("week")
    return tuple(found)


def summarise(base: Select, now: datetime | None = None) -> AksiSummary:
    """Totals of the actions in `base` (a submissions query already scoped), in one query."""
    now = now or datetime.now(timezone.utc)
    stmt = (counted_actions(base).with_only_columns(
        Submission.recorded_at, Submission.answers, func.coalesce(Submission.kecamatan_id, User.kecamatan_id))
        .join(User, User.id == Submission.user_id))
    kec_names = dict(db.session.execute(select(Kecamatan.id, Kecamatan.name)).all())
    opd_names = dict(db.session.execute(select(Opd.code, Opd.name)).all())
    total = Row("all", "")
    by_kec: dict[int, Row] = {}
    by_opd: dict[str, Row] = {}
    for recorded_at, answers, kecamatan_id in db.session.execute(stmt):
        answers = answers if isinstance(answers, dict) else {}
        periods = _periods_of(recorded_at, now)
        targets = [total]
        if kecamatan_id is not None:
            targets.append(by_kec.setdefault(kecamatan_id, Row(str(kecamatan_id), kec_names.get(kecamatan_id, "–"))))
        codes = answers.get("opd_terlibat")
        for code in sorted(set(codes)) if isinstance(codes, list) else ():
            if code in opd_names:
                targets.append(by_opd.setdefault(code, Row(code, opd_names[code])))
        for row in targets:
            for period in periods:
                row.periods[period].add(answers)
    order = lambda row: (-row.periods["all"].participants, row.name)  # noqa: E731
    return AksiSummary(total, sorted(by_kec.values(), key=order), sorted(by_opd.values(), key=order))


def summary_for(user, now: datetime | None = None, kecamatan_id: int | None = None) -> AksiSummary:
    """The clean-up totals a signed-in user may see (their scope), optionally of one kecamatan."""
    base = scopes.aksi_query(user)
    if kecamatan_id is not None:
        by = aliased(User)
        recorder = select(by.kecamatan_id).where(by.id == Submission.user_id).scalar_subquery()
        base = base.where(func.coalesce(Submission.kecamatan_id, recorder) == kecamatan_id)
    return summarise(base, now)


def public_summary(now: datetime | None = None) -> AksiSummary:
    """Regency-wide totals for the public map: approved actions only, counts only (no people,
    no groups' names; kecamatan and OPDs are places and institutions)."""
    return summarise(select(Submission).where(Submission.review_state == ReviewState.APPROVED), now)
