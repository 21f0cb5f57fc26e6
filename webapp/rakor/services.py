"""Rakor mode: the monthly coordination meeting's slides, built from the month's evaluation.

The deck of a month (`deck(user, year, month)`): the regency summary (realisation against plan,
flag counts, GEBER average, follow-ups), the OPD ranking, one slide per OPD (S-curves, kegiatan
behind plan, risks from the month's approved visits, open and overdue follow-ups with their
owners), the GEBER ranking per kecamatan with the change over the last week, the follow-ups the
previous Rakor decided and where they stand, and the decisions taken at this one. A decision
recorded from a slide is a follow-up marked with the month of the Rakor (`record_decision`), so
the next month's deck opens with it.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import scopes
from webapp.accounts.models import Opd, User
from webapp.charts import Series
from webapp.domain_errors import Forbidden, Invalid
from webapp.evaluation import desk as evaluation_desk
from webapp.evaluation import monthly as evaluation
from webapp.extensions import db
from webapp.followups import services as followups
from webapp.followups.models import FollowUp
from webapp.dashboard.figures import option_labels
from webapp.monev.facts import kegiatan_facts
from webapp.monev.models import Kegiatan
from webapp.regions.models import Kecamatan
from webapp.submissions import answer_values
from webapp.submissions.latest import latest_for_each, latest_per
from webapp.submissions.models import Submission
from webapp.thresholds import WIB
from webapp.vocabulary import COMPLETED_FOLLOWUP_STATES, OPEN_FOLLOWUP_STATES, FormCode, ReviewState

#: Rows of each list an OPD's slides hold and stay readable from the back of the room on a
#: 1024×768 projector: the worst kegiatan behind plan beside the S-curve on the OPD's slide; its
#: risks and open follow-ups on the next; each list says how many more there are.
SLIDE_ROWS = 4
#: OPDs per ranking slide (40 OPDs make three slides) and decisions per decisions slide.
RANKING_ROWS = 14
DECISION_ROWS = 6
RISK_LEVELS = {"tinggi": 0, "sedang": 1, "rendah": 2}


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def reference_time(year: int, month: int, now: datetime) -> datetime:
    """The moment the figures are read at: the end of the month, or now while it runs."""
    end_year, end_month = (year + 1, 1) if month == 12 else (year, month + 1)
    end = datetime.combine(date(end_year, end_month, 1), time(0), tzinfo=WIB).astimezone(timezone.utc)
    return min(end, now)


@dataclass
class FollowUpLine:
    followup: FollowUp
    overdue: bool
    late: bool


@dataclass
class RiskLine:
    kegiatan: Kegiatan
    category: str
    description: str
    level: str
    #: The level's label in the reader's language.
    level_label: str = ""


@dataclass
class OpdSlide:
    opd: Opd
    rank: evaluation.OpdRank
    points: list[evaluation.TrendPoint]
    behind: list[evaluation.KegiatanYear]
    behind_total: int
    risks: list[RiskLine]
    followups: list[FollowUpLine]
    followups_open: int
    followups_overdue: int
    owners: list[tuple[str, str]]
    #: (code, name) of the OPD's kegiatan, those behind plan first, for a decision's link.
    kegiatan_choices: list[tuple[str, str]] = field(default_factory=list)
    risks_total: int = 0

    def series(self) -> list[Series]:
        return evaluation_desk.trend_series(self.points)


@dataclass
class KecamatanLine:
    kecamatan: Kecamatan
    average: float | None
    week_ago: float | None
    sites: int
    rank: int | None = None

    @property
    def change(self) -> float | None:
        if self.average is None or self.week_ago is None:
            return None
        return round(self.average - self.week_ago, 1)


@dataclass
class Deck:
    year: int
    month: int
    at: datetime
    kegiatan: int
    point: evaluation.TrendPoint | None
    regency: list[evaluation.TrendPoint]
    flag_counts: dict
    geber_average: float | None
    geber_week_ago: float | None
    followup_counts: dict
    ranking: list[evaluation.OpdRank]
    opds: list[OpdSlide]
    kecamatan: list[KecamatanLine]
    previous_decisions: list[FollowUpLine]
    decisions: list[FollowUpLine]
    month_labels: list[str] = field(default_factory=list)

    @property
    def ranking_pages(self) -> list[tuple[int, list[evaluation.OpdRank]]]:
        """The ranked OPDs (those with kegiatan) in slides of RANKING_ROWS: (first place, ranks)."""
        ranked = [r for r in self.ranking if r.kegiatan]
        return [(start + 1, ranked[start:start + RANKING_ROWS]) for start in range(0, len(ranked), RANKING_ROWS)] \
            or [(1, [])]

    @property
    def previous_shown(self) -> list[FollowUpLine]:
        """The previous Rakor's decisions a slide shows: what still waits (overdue first), then what is done."""
        order = sorted(self.previous_decisions, key=lambda line: (
            line.followup.status not in OPEN_FOLLOWUP_STATES, not line.overdue, line.followup.due_date, line.followup.id))
        return order[:DECISION_ROWS]

    @property
    def decisions_shown(self) -> list[FollowUpLine]:
        """This Rakor's decisions a slide shows: the latest recorded."""
        return sorted(self.decisions, key=lambda line: line.followup.id)[-DECISION_ROWS:]

    @property
    def previous_summary(self) -> dict:
        """How the previous Rakor's decisions stand: done (or verified), waiting, overdue, done late."""
        lines = self.previous_decisions
        return {
            "total": len(lines),
            "done": sum(line.followup.status in COMPLETED_FOLLOWUP_STATES for line in lines),
            "waiting": sum(line.followup.status in OPEN_FOLLOWUP_STATES for line in lines),
            "overdue": sum(line.overdue for line in lines),
            "late": sum(line.late and line.followup.status in COMPLETED_FOLLOWUP_STATES for line in lines),
        }

    @property
    def key(self) -> str:
        return month_key(self.year, self.month)

    @property
    def previous_key(self) -> str:
        return month_key(*previous(self.year, self.month))

    def series(self) -> list[Series]:
        return evaluation_desk.trend_series(self.regency)

    @property
    def geber_change(self) -> float | None:
        if self.geber_average is None or self.geber_week_ago is None:
            return None
        return round(self.geber_average - self.geber_week_ago, 1)


#: What a follow-up row of a slide shows, loaded with it rather than one query per row.
FOLLOWUP_ROW = (selectinload(FollowUp.owner), selectinload(FollowUp.assignee_opd),
                selectinload(FollowUp.assignee_kecamatan))


def _lines(rows, today: date) -> list[FollowUpLine]:
    return [FollowUpLine(f, followups.is_overdue(f, today), followups.is_late(f, today)) for f in rows]


def _followups_by_opd(user, today: date) -> dict[int, list[FollowUp]]:
    """Open follow-ups of each OPD, overdue first then by due date (one query)."""
    rows = db.session.scalars(
        scopes.followups_query(user).where(FollowUp.status.in_(OPEN_FOLLOWUP_STATES), FollowUp.assignee_opd_id.is_not(None))
        .options(*FOLLOWUP_ROW).order_by(FollowUp.due_date, FollowUp.id)
    )
    grouped: dict[int, list[FollowUp]] = defaultdict(list)
    for f in rows:
        grouped[f.assignee_opd_id].append(f)
    return grouped


def _risks_by_opd(user, year: int, month: int, at: datetime, known: dict) -> dict[int, list[RiskLine]]:
    """Risks named in each kegiatan's latest approved visit up to the reference time, by OPD, the
    most serious first. `known`: kegiatan id → the kegiatan the evaluation has read already; only
    others (a visit of another fiscal year's kegiatan) are read here."""
    # Looked up kegiatan by kegiatan through the index the desk uses, with only each visit's risks
    # read (in SQL), rather than a ranking of every approved visit of the year.
    latest = db.session.execute(latest_for_each(
        Submission.kegiatan_id, scopes.kegiatan_query(user).with_only_columns(Kegiatan.id).order_by(None),
        scopes.submissions_query(user).where(
            Submission.form_code == FormCode.MONEV_VISIT, Submission.review_state == ReviewState.APPROVED,
            Submission.recorded_at < at,
            Submission.recorded_at >= datetime.combine(date(year, 1, 1), time(0), tzinfo=WIB).astimezone(timezone.utc)),
        answer_values.answer_list("risiko", answer_values.dialect()).label("risiko"),
    )).all()
    if not latest:
        return {}
    missing = {r.group_key for r in latest} - known.keys()
    kegiatan = {**known, **({k.id: k for k in kegiatan_facts(select(Kegiatan).where(Kegiatan.id.in_(missing)))}
                            if missing else {})}
    labels = option_labels(FormCode.MONEV_VISIT, "risiko", "kategori")
    levels = option_labels(FormCode.MONEV_VISIT, "risiko", "tingkat")
    grouped: dict[int, list[RiskLine]] = defaultdict(list)
    for row in latest:
        k = kegiatan.get(row.group_key)
        risks = row.risiko
        for risk in risks if k is not None and isinstance(risks, list) else []:
            if not isinstance(risk, dict):
                continue
            category = risk.get("kategori") if isinstance(risk.get("kategori"), str) else ""
            level = risk.get("tingkat") if isinstance(risk.get("tingkat"), str) else ""
            grouped[k.opd_id].append(RiskLine(
                kegiatan=k, category=labels.get(category, category),
                description=str(risk.get("uraian") or "")[:200], level=level, level_label=levels.get(level, level)))
    for risks in grouped.values():
        risks.sort(key=lambda r: (RISK_LEVELS.get(r.level, 3), r.kegiatan.code))
    return grouped


def _site_averages(user, before: datetime) -> dict[int, tuple[float, int]]:
    """kecamatan id → (average of each site's latest approved GEBER score before `before`, sites)."""
    latest = latest_per(
        Submission.site_id,
        scopes.submissions_query(user).where(
            Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.APPROVED,
            Submission.score.is_not(None), Submission.recorded_at < before),
        Submission.score, Submission.kecamatan_id,
    ).subquery()
    return {kec: (round(float(avg), 1), n) for kec, avg, n in db.session.execute(
        select(latest.c.kecamatan_id, func.avg(latest.c.score), func.count()).group_by(latest.c.kecamatan_id))
        if kec is not None}


def _regency_average(averages: dict[int, tuple[float, int]]) -> float | None:
    sites = sum(n for _avg, n in averages.values())
    return round(sum(avg * n for avg, n in averages.values()) / sites, 1) if sites else None


def geber_ranking(user, at: datetime) -> tuple[list[KecamatanLine], float | None, float | None]:
    """Kecamatan ranked by the average latest approved score of their sites at `at`, with the same
    figure a week earlier; and the regency's average then and now."""
    now, week_ago = _site_averages(user, at), _site_averages(user, at - timedelta(days=7))
    lines = [KecamatanLine(k, now.get(k.id, (None, 0))[0], week_ago.get(k.id, (None, 0))[0], now.get(k.id, (None, 0))[1])
             for k in db.session.scalars(scopes.kecamatan_query(user).order_by(Kecamatan.code))]
    scored = sorted((line for line in lines if line.average is not None), key=lambda line: -line.average)
    for position, line in enumerate(scored, start=1):
        line.rank = position
    lines.sort(key=lambda line: (line.rank is None, line.rank or 0, line.kecamatan.name))
    return lines, _regency_average(now), _regency_average(week_ago)


def _opd_slides(user, rows, ranking, per_opd, year, month, today, at) -> list[OpdSlide]:
    by_opd: dict[int, list] = defaultdict(list)
    for row in rows:
        by_opd[row.opd.id].append(row)
    open_by_opd = _followups_by_opd(user, today)
    owners: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for person in db.session.scalars(followups.owner_candidates_of_opds()):
        owners[person.opd_id].append((str(person.id), person.full_name))
    risks = _risks_by_opd(user, year, month, at, {row.kegiatan.id: row.kegiatan for row in rows})
    slides = []
    for rank in ranking:
        opd = rank.opd
        mine = by_opd.get(opd.id, [])
        if not mine and not open_by_opd.get(opd.id):
            continue
        behind = [r for r in mine if evaluation.MonthFlag.BEHIND_PLAN in r.cell(month).flags]
        behind.sort(key=lambda r: (r.cell(month).physical_deviation or 0, r.kegiatan.code))
        # By id: a row's own equality compares every figure of its year.
        behind_ids = {r.kegiatan.id for r in behind}
        waiting = open_by_opd.get(opd.id, [])
        lines = _lines(waiting, today)
        lines.sort(key=lambda line: (not line.overdue, line.followup.due_date, line.followup.id))
        slides.append(OpdSlide(
            opd=opd, rank=rank, points=per_opd.get(opd.id, []), behind=behind[:SLIDE_ROWS], behind_total=len(behind),
            risks=risks.get(opd.id, [])[:SLIDE_ROWS], risks_total=len(risks.get(opd.id, [])),
            followups=lines[:SLIDE_ROWS], followups_open=len(lines),
            followups_overdue=sum(line.overdue for line in lines),
            owners=owners.get(opd.id, []),
            kegiatan_choices=[(r.kegiatan.code, r.kegiatan.name) for r in behind]
            + [(r.kegiatan.code, r.kegiatan.name) for r in sorted(mine, key=lambda r: r.kegiatan.code)
               if r.kegiatan.id not in behind_ids],
        ))
    return slides


def deck(user, year: int, month: int, now: datetime | None = None) -> Deck:
    """Every slide of the Rakor of `month`."""
    if not scopes.can_run_rakor(user):
        raise Forbidden(_("Mode Rakor hanya untuk Bappeda."))
    now = now or datetime.now(timezone.utc)
    today = followups.today_wib(now)
    at = reference_time(year, month, now)
    # Plain rows, as the desk reads them (monev/facts.py): 2,000 mapped kegiatan cost more to
    # build than the whole evaluation's arithmetic.
    scoped = kegiatan_facts(scopes.kegiatan_query(user).where(Kegiatan.fiscal_year == year))
    rows = evaluation.evaluate(user, year, upto=month, today=today, months=[month], scoped_kegiatan=scoped)
    opds = list(db.session.scalars(select(Opd).order_by(Opd.name)))
    regency, per_opd = evaluation.trends(rows, month, group=lambda r: r.opd.id)
    ranking = evaluation.opd_ranking(rows, opds, month, per_opd)
    flag_counts = {evaluation.MonthFlag(flag): sum(1 for r in rows if flag in r.cell(month).flags)
                   for flag in evaluation_desk.FLAG_ORDER}
    kecamatan, geber_now, geber_before = geber_ranking(user, at)
    decided = scopes.followups_query(user).options(*FOLLOWUP_ROW).order_by(FollowUp.due_date, FollowUp.id)
    from webapp.evaluation import kegiatan_page

    return Deck(
        year=year, month=month, at=at, kegiatan=len(rows), point=regency[month - 1] if regency else None,
        regency=regency, flag_counts=flag_counts, geber_average=geber_now, geber_week_ago=geber_before,
        followup_counts=followups.counts_by_status(user, today), ranking=ranking,
        opds=_opd_slides(user, rows, ranking, per_opd, year, month, today, at), kecamatan=kecamatan,
        previous_decisions=_lines(db.session.scalars(decided.where(
            FollowUp.rakor_month == month_key(*previous(year, month)))), today),
        decisions=_lines(db.session.scalars(decided.where(FollowUp.rakor_month == month_key(year, month))), today),
        month_labels=[str(m) for m in kegiatan_page.MONTH_LABELS],
    )


#: The chart rules of static/css/charts.css, put inside each chart for the PDF: WeasyPrint styles an
#: inline SVG from its own <style> only.
PRINT_CHART_STYLE = (
    ".grid{stroke:#ddd;stroke-width:1}.axis{font-size:13px;fill:#333}"
    ".series polyline{stroke-width:2.5;fill:none}.series circle{stroke-width:1.5;fill:#fff}"
    ".s-plan polyline,.s-plan circle{stroke:#555}.s-plan polyline{stroke-dasharray:6 4}"
    ".s-reported polyline,.s-reported circle{stroke:#1565c0}"
    ".s-observed polyline,.s-observed circle{stroke:#2e7d32}.s-observed polyline{stroke-dasharray:2 3}"
)


def printable_chart(svg: Markup) -> Markup:
    """A chart of webapp/charts.py with its styles inside, for the PDF."""
    head, sep, rest = str(svg).partition(">")
    return Markup(f"{head}{sep}<style>{PRINT_CHART_STYLE}</style>{rest}") if sep else svg


def record_decision(user, year: int, month: int, data: dict) -> FollowUp:
    """A decision taken at the Rakor of `month`: a follow-up with an owner and a due date, marked
    as decided at that Rakor. `data` as for `followups.create_followup`; the owner is required."""
    if not scopes.can_run_rakor(user):
        raise Forbidden(_("Mode Rakor hanya untuk Bappeda."))
    if not data.get("owner_id"):
        raise Invalid(errors={"owner_id": [_("Keputusan Rakor perlu orang yang bertanggung jawab.")]})
    return followups.create_followup(user, {**data, "rakor_month": month_key(year, month)})


def owner_choices(kecamatan_only: bool = False) -> list[tuple[str, str]]:
    """Everyone who may own a decision, as "opd:<opd>:<user>" or "kec:<kecamatan>:<user>" with their
    unit: the camat alone for the GEBER slide, every OPD account and camat for the closing slide."""
    camat = db.session.execute(
        select(User.id, User.full_name, Kecamatan.id, Kecamatan.name)
        .join(Kecamatan, Kecamatan.id == User.kecamatan_id)
        .where(User.active.is_(True), User.role == "camat").order_by(Kecamatan.name, User.full_name)
    ).all()
    choices = [(f"kec:{kec_id}:{uid}", f"{_('Kec. %(name)s', name=kec_name)} — {name}")
               for uid, name, kec_id, kec_name in camat]
    if kecamatan_only:
        return choices
    opd = db.session.execute(
        select(User.id, User.full_name, Opd.id, Opd.short_name)
        .join(Opd, Opd.id == User.opd_id)
        .where(User.active.is_(True), User.role == "opd").order_by(Opd.short_name, User.full_name)
    ).all()
    return [(f"opd:{opd_id}:{uid}", f"{short} — {name}") for uid, name, opd_id, short in opd] + choices
