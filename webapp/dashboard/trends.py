"""The camat's 12-week GEBER trend per desa: the average of each site's latest approved score as
it stood at the end of each WIB week. Desa without any site are listed as such."""
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from webapp import scopes
from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site
from webapp.submissions.latest import latest_per
from webapp.submissions.models import Submission
from webapp.thresholds import WIB
from webapp.types import utcnow
from webapp.vocabulary import FormCode, ReviewState

WEEKS = 12


@dataclass
class DesaTrend:
    desa: Desa
    sites: int
    #: One average per week, oldest first; None where no site had an approved score yet.
    scores: list[float | None]

    @property
    def has_sites(self) -> bool:
        return self.sites > 0

    @property
    def change(self) -> float | None:
        known = [s for s in self.scores if s is not None]
        if len(known) < 2 or self.scores[-1] is None:
            return None
        return round(self.scores[-1] - known[0], 1)


@dataclass
class WeeklyTrend:
    week_starts: list[date]
    desa: list[DesaTrend]


def week_ends(now: datetime, weeks: int = WEEKS) -> tuple[list[date], list[datetime]]:
    """The Mondays starting each of the last `weeks` WIB weeks (the current one last) and the
    instant each week's figure is taken: the week's end, or now for the current week."""
    today = now.astimezone(WIB).date()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    ends = [datetime.combine(s + timedelta(days=7), time(0), tzinfo=WIB).astimezone(timezone.utc) for s in starts]
    ends[-1] = now
    return starts, ends


def geber_trend(user, kecamatan: Kecamatan, now: datetime | None = None) -> WeeklyTrend:
    """Every desa of the kecamatan with its weekly average score (three queries)."""
    now = now or utcnow()
    starts, ends = week_ends(now)
    window_start = datetime.combine(starts[0], time(0), tzinfo=WIB).astimezone(timezone.utc)
    desa_list = list(db.session.scalars(select(Desa).where(Desa.kecamatan_id == kecamatan.id).order_by(Desa.name)))
    site_desa = dict(db.session.execute(
        scopes.sites_query(user).where(Site.kecamatan_id == kecamatan.id).with_only_columns(Site.id, Site.desa_id)
    ).all())
    approved = scopes.submissions_query(user).where(
        Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.APPROVED, Submission.score.is_not(None),
        Submission.kecamatan_id == kecamatan.id, Submission.recorded_at <= now,
    )
    # Each site's latest score before the window carries into it; the window's own checks follow.
    before = latest_per(Submission.site_id, approved.where(Submission.recorded_at < window_start),
                        Submission.recorded_at, Submission.score)
    history: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for row in db.session.execute(before):
        history[row.group_key].append((row.recorded_at, row.score))
    for site_id, recorded_at, score in db.session.execute(
        approved.where(Submission.recorded_at >= window_start)
        .with_only_columns(Submission.site_id, Submission.recorded_at, Submission.score)
    ):
        history[site_id].append((recorded_at, score))

    per_desa: dict[int, list[list[float]]] = defaultdict(lambda: [[] for _ in ends])
    for site_id, checks in history.items():
        desa_id = site_desa.get(site_id)
        if desa_id is None:
            continue
        checks.sort()
        times = [at for at, _score in checks]
        for w, end in enumerate(ends):
            i = bisect_right(times, end)
            if i:
                per_desa[desa_id][w].append(checks[i - 1][1])
    sites_per_desa: dict[int, int] = defaultdict(int)
    for desa_id in site_desa.values():
        sites_per_desa[desa_id] += 1
    rows = []
    for desa in desa_list:
        weeks = per_desa.get(desa.id)
        scores = [round(sum(v) / len(v), 1) if v else None for v in weeks] if weeks else [None] * len(ends)
        rows.append(DesaTrend(desa=desa, sites=sites_per_desa.get(desa.id, 0), scores=scores))
    # Desa with scores first (latest best first), then those with sites but no score, then without sites.
    rows.sort(key=lambda r: (not r.has_sites, r.scores[-1] is None, -(r.scores[-1] or 0), r.desa.name))
    return WeeklyTrend(week_starts=starts, desa=rows)
