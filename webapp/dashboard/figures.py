"""The figures behind the desks, always computed inside the user's scope.

Published figures (rankings, averages, progress) count approved submissions only; what is
still waiting for review is reported on its own. Week and month boundaries are WIB.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Row

from webapp import scopes
from webapp.accounts.models import Opd, User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import counts_by_status, overdue_clause, today_wib
from webapp.forms.services import current_versions
from webapp.i18n import current_locale
from webapp.monev import planning
from webapp.monev.facts import kegiatan_facts
from webapp.rows import core_rows
from webapp.monev.models import Kegiatan
from webapp.monev.plan import MonthlyPlan, dpa_plans
from webapp.monev.progress import deviation_flags
from webapp.monev.rollup import OpdRollup, figures_of
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site, SiteStatus
from webapp.submissions import answer_values
from webapp.submissions.latest import latest_for_each, latest_per
from webapp.submissions.models import Submission
from webapp.submissions.site_status import not_in_the_future
from webapp.thresholds import WIB, deviation_points, score_band
from webapp.types import to_zone, utcnow
from webapp.vocabulary import OPEN_FOLLOWUP_STATES, FollowUpState, FormCode, ReviewState

STALE_DAYS = 30
WORST_SITES = 8
LIST_LIMIT = 50


# --- time -------------------------------------------------------------------------------

def month_start_utc(now: datetime | None = None) -> datetime:
    """00:00 WIB on the first day of the current WIB month, as a UTC instant."""
    local = (now or utcnow()).astimezone(WIB)
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=WIB).astimezone(timezone.utc)


def _avg(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 1) if values else None


# --- latest submission per group ------------------------------------------------------------

def _latest(user: User, partition, *conditions, columns=None):
    """Rows of the newest submission per `partition` among the user's submissions matching `conditions`."""
    query = scopes.submissions_query(user).where(*conditions, not_in_the_future())
    return db.session.execute(latest_per(partition, query, *(columns or (Submission.id,)))).all()


def _approved_scores(user: User, kecamatan_id: int, before: datetime) -> dict[int, tuple[float, datetime]]:
    """site id → (score, recorded_at) of its latest approved GEBER check recorded before `before`."""
    rows = _latest(
        user, Submission.site_id,
        Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.APPROVED, Submission.score.is_not(None),
        Submission.kecamatan_id == kecamatan_id, Submission.recorded_at <= before,
        columns=(Submission.score, Submission.recorded_at),
    )
    return {row.group_key: (row.score, row.recorded_at) for row in rows}


# --- camat ------------------------------------------------------------------------------------

@dataclass
class VillageRow:
    desa: Desa
    sites: int
    scored: int
    average: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.average is None or self.previous is None:
            return None
        return round(self.average - self.previous, 1)

    @property
    def band(self) -> str:
        return score_band(self.average)


@dataclass
class CamatDesk:
    kecamatan: Kecamatan
    average: float | None
    previous: float | None
    villages: list[VillageRow]
    worst: list[dict]
    stale: list[dict]
    stale_count: int
    sites_total: int
    followups: list[FollowUp]
    open_followups: int
    overdue_followups: int
    waiting: list[Submission]
    waiting_count: int
    today: date = field(default_factory=today_wib)

    @property
    def change(self) -> float | None:
        if self.average is None or self.previous is None:
            return None
        return round(self.average - self.previous, 1)


def camat_desk(user: User, kecamatan: Kecamatan, now: datetime | None = None) -> CamatDesk:
    """The camat's view of one kecamatan; `user` decides what may be counted."""
    now = now or utcnow()
    today = today_wib(now)
    # The current figures come from the per-site status table, as the map's do, so both agree;
    # a week ago has no such table and is computed from the approved checks themselves.
    sites = db.session.execute(
        scopes.sites_query(user).where(Site.kecamatan_id == kecamatan.id)
        .outerjoin(SiteStatus, SiteStatus.site_id == Site.id)
        .with_only_columns(Site.id, Site.name, Site.kind, Site.desa_id, Site.uuid,
                           SiteStatus.approved_score, SiteStatus.approved_at, SiteStatus.geber_at)
    ).all()
    current = {s.id: (s.approved_score, s.approved_at) for s in sites if s.approved_score is not None}
    previous = _approved_scores(user, kecamatan.id, now - timedelta(days=7))

    by_desa: dict[int, list] = defaultdict(list)
    for site in sites:
        by_desa[site.desa_id].append(site.id)
    desa = {d.id: d for d in db.session.scalars(select(Desa).where(Desa.id.in_(by_desa)))} if by_desa else {}
    villages = [
        VillageRow(
            desa=desa[desa_id], sites=len(ids), scored=sum(1 for i in ids if i in current),
            average=_avg(current[i][0] for i in ids if i in current),
            previous=_avg(previous[i][0] for i in ids if i in previous),
        )
        for desa_id, ids in by_desa.items()
    ]
    # Scored villages first, best to worst; unscored ones after, by name.
    villages.sort(key=lambda v: (v.average is None, -(v.average or 0), v.desa.name))

    names = {s.id: s for s in sites}
    worst = sorted(current.items(), key=lambda item: (item[1][0], item[0]))[:WORST_SITES]
    worst_rows = [
        {"site": names[site_id], "desa": desa[names[site_id].desa_id], "score": score, "at": at, "band": score_band(score)}
        for site_id, (score, at) in worst if site_id in names
    ]

    # SiteStatus.geber_at is the latest check that was not rejected: a returned one was still a visit.
    cutoff = now - timedelta(days=STALE_DAYS)
    stale = [
        {"site": s, "desa": desa[s.desa_id], "last": s.geber_at}
        for s in sites if s.geber_at is None or s.geber_at < cutoff
    ]
    stale.sort(key=lambda row: (row["last"] is not None, row["last"] or now, row["site"].name))

    followup_scope = scopes.followups_query(user).where(
        FollowUp.status.in_(OPEN_FOLLOWUP_STATES),
        or_(FollowUp.assignee_kecamatan_id == kecamatan.id,
            FollowUp.site_id.in_(select(Site.id).where(Site.kecamatan_id == kecamatan.id))),
    )
    followups = list(db.session.scalars(followup_scope.order_by(FollowUp.due_date, FollowUp.id).limit(LIST_LIMIT)))
    open_count = _count(followup_scope)
    overdue_count = _count(followup_scope.where(overdue_clause(today)))

    waiting_scope = scopes.reviewable_submissions_query(user).where(
        Submission.kecamatan_id == kecamatan.id, Submission.form_code == FormCode.GEBER_CHECK,
        Submission.review_state == ReviewState.RECEIVED,
    )
    waiting = list(db.session.scalars(
        waiting_scope.order_by(Submission.flagged.desc(), Submission.recorded_at).limit(LIST_LIMIT)
    ))
    return CamatDesk(
        kecamatan=kecamatan,
        average=_avg(score for score, _at in current.values()),
        previous=_avg(score for score, _at in previous.values()),
        villages=villages, worst=worst_rows, stale=stale[:LIST_LIMIT], stale_count=len(stale), sites_total=len(sites),
        followups=followups, open_followups=open_count, overdue_followups=overdue_count,
        waiting=waiting, waiting_count=_count(waiting_scope), today=today,
    )


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


# --- monev: progress against budget --------------------------------------------------------

@dataclass
class KegiatanRow:
    #: The kegiatan's facts (monev.facts: id, code, name, opd_id, fiscal_year, pagu, dates).
    kegiatan: Row
    opd: Opd
    #: The latest approved visit as a row of (id, recorded_at, progress, realisation, status, risks,
    #: group_key) read by submissions.answer_values, not the whole submission.
    visit: Row | None
    progress: float | None = None
    realisation: int | None = None
    realisation_pct: float | None = None
    planned_pct: float | None = None
    #: planning.PLAN or planning.LINEAR (the fallback, labelled wherever it is shown).
    planned_basis: str | None = None
    status: str | None = None
    flags: list[str] = field(default_factory=list)
    waiting: int = 0
    visits_this_month: int = 0

    @property
    def visited_on(self) -> date | None:
        return to_zone(self.visit.recorded_at, WIB).date() if self.visit else None

    @property
    def planned_basis_label(self) -> str:
        return str(planning.BASIS_LABELS[self.planned_basis]) if self.planned_basis else ""


def kegiatan_progress(user: User, opd_id: int | None = None, now: datetime | None = None,
                      kegiatan_ids: list[int] | None = None, plans: dict[int, MonthlyPlan] | None = None
                      ) -> list[KegiatanRow]:
    """Every kegiatan in scope (of one OPD, or among `kegiatan_ids`) with the figures of its latest
    approved visit and its deviation flags. `plans`: the DPA plans in force (monev.plan.dpa_plans)
    when the caller has read them already; a kegiatan without one is on the straight line."""
    now = now or utcnow()
    stmt = scopes.kegiatan_query(user)
    if opd_id is not None:
        stmt = stmt.where(Kegiatan.opd_id == opd_id)
    if kegiatan_ids is not None:
        stmt = stmt.where(Kegiatan.id.in_(kegiatan_ids))
    # Plain rows, not mapped objects: a regency has thousands of kegiatan (see monev/facts.py).
    kegiatan = kegiatan_facts(stmt.order_by(Kegiatan.opd_id, Kegiatan.code, Kegiatan.id))
    if not kegiatan:
        return []
    ids = stmt.with_only_columns(Kegiatan.id).order_by(None).scalar_subquery()
    opds = {o.id: o for o in db.session.scalars(select(Opd).where(Opd.id.in_({k.opd_id for k in kegiatan})))}
    # The latest visit of each kegiatan, looked up kegiatan by kegiatan, with its figures read in
    # SQL: not a ranking of every approved visit, nor whole answers documents decoded here.
    dialect = answer_values.dialect()
    approved = scopes.submissions_query(user).where(
        Submission.form_code == FormCode.MONEV_VISIT, Submission.review_state == ReviewState.APPROVED,
        not_in_the_future())
    latest = core_rows(latest_for_each(
        Submission.kegiatan_id, stmt.with_only_columns(Kegiatan.id).order_by(None), approved,
        Submission.id, Submission.recorded_at,
        answer_values.answer_number("progres_fisik", dialect).label("progress"),
        answer_values.answer_number("realisasi_anggaran", dialect).label("realisation"),
        answer_values.answer_text("status", dialect).label("status"),
        answer_values.answer_list("risiko", dialect).label("risks"),
    ))
    latest_by_kegiatan = {row.group_key: row for row in latest}
    if plans is None:
        plans = dpa_plans(ids)
    # Visits waiting for review (ever) and visits this month that were not rejected, counted in
    # one pass over the kegiatan's visits.
    received = Submission.review_state == ReviewState.RECEIVED
    this_month = (Submission.review_state != ReviewState.REJECTED) & (Submission.recorded_at >= month_start_utc(now))
    counts = {kegiatan_id: (waiting, recent) for kegiatan_id, waiting, recent in core_rows(
        scopes.submissions_query(user).where(Submission.form_code == FormCode.MONEV_VISIT,
                                             Submission.kegiatan_id.in_(ids), or_(received, this_month))
        .with_only_columns(Submission.kegiatan_id, func.count(case((received, 1))), func.count(case((this_month, 1))))
        .group_by(Submission.kegiatan_id)
    )}
    no_visits = (0, 0)
    points = deviation_points()
    rows = []
    for k in kegiatan:
        visit = latest_by_kegiatan.get(k.id)
        waiting, recent = counts.get(k.id, no_visits)
        row = KegiatanRow(kegiatan=k, opd=opds[k.opd_id], visit=visit, waiting=waiting, visits_this_month=recent)
        if visit is not None:
            seen = figures_of(visit.progress, visit.realisation, visit.status, k.pagu)
            row.progress, row.realisation, row.realisation_pct = seen.progress, seen.realisation, seen.realisation_pct
            plan = plans.get(k.id)
            planned = planning.planned_progress_from(k, plan.physical if plan else None, row.visited_on)
            if planned is not None:
                row.planned_pct, row.planned_basis = planned.pct, planned.basis
            row.status = seen.status
            row.flags = deviation_flags(row.progress, row.realisation_pct, row.planned_pct, points)
        rows.append(row)
    return rows


#: Kegiatan per page of the full list (the desk itself shows the deviating ones).
KEGIATAN_PAGE_SIZE = 50


@dataclass
class KegiatanList:
    rows: list[KegiatanRow]
    page: int
    pages: int
    total: int
    opd: Opd | None
    opds: list[Opd]


def kegiatan_list(user: User, page: int = 1, opd_code: str | None = None, now: datetime | None = None) -> KegiatanList:
    """One page of every kegiatan in scope (optionally of one OPD), with the desk's figures; only the
    page's kegiatan are read and evaluated."""
    stmt = scopes.kegiatan_query(user)
    opds = list(db.session.scalars(select(Opd).where(Opd.id.in_(stmt.with_only_columns(Kegiatan.opd_id).order_by(None)))
                                   .order_by(Opd.name)))
    opd = next((o for o in opds if o.code == opd_code), None)
    if opd is not None:
        stmt = stmt.where(Kegiatan.opd_id == opd.id)
    total = _count(stmt)
    pages = max(1, -(-total // KEGIATAN_PAGE_SIZE))
    page = min(max(page, 1), pages)
    ids = list(db.session.scalars(stmt.with_only_columns(Kegiatan.id).order_by(Kegiatan.opd_id, Kegiatan.code, Kegiatan.id)
                                  .offset((page - 1) * KEGIATAN_PAGE_SIZE).limit(KEGIATAN_PAGE_SIZE)))
    rows = kegiatan_progress(user, now=now, kegiatan_ids=ids) if ids else []
    return KegiatanList(rows=rows, page=page, pages=pages, total=total, opd=opd, opds=opds)


@dataclass
class OpdSummary(OpdRollup):
    """An OPD's kegiatan rolled up by the one rule of webapp/monev/rollup.py (the report's too)."""

    opd: Opd | None = None


def opd_summaries(rows: list[KegiatanRow]) -> list[OpdSummary]:
    """Per OPD: its kegiatan summed by `OpdRollup` (pagu, realisation, progress weighted by pagu)."""
    groups: dict[int, OpdSummary] = {}
    for row in rows:
        groups.setdefault(row.opd.id, OpdSummary(opd=row.opd)).add(
            row.kegiatan.pagu, visited=row.visit is not None, progress=row.progress,
            realisation=row.realisation, status=row.status, flagged=bool(row.flags))
    return sorted(groups.values(), key=lambda s: s.opd.name)


def risks_by_category(rows: list[KegiatanRow]) -> list[dict]:
    """Risks named in the latest approved visit of each kegiatan, counted by category (high ones apart)."""
    counts: Counter = Counter()
    high: Counter = Counter()
    for row in rows:
        for risk in (row.visit.risks or []) if row.visit else []:
            if isinstance(risk, dict) and isinstance(risk.get("kategori"), str):
                counts[risk["kategori"]] += 1
                high[risk["kategori"]] += risk.get("tingkat") == "tinggi"
    labels = option_labels(FormCode.MONEV_VISIT, "risiko", "kategori")
    return [
        {"category": cat, "label": labels.get(cat, cat), "count": n, "high": high[cat]}
        for cat, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def option_labels(form_code: str, *path: str) -> dict[str, str]:
    """value → label (in the request's language) of a select field of the current form version."""
    lang = current_locale()
    for version in current_versions():
        if version.definition.get("form") != form_code:
            continue
        fields = version.definition.get("fields", [])
        spec = None
        for name in path:
            spec = next((f for f in fields if f.get("name") == name), None)
            fields = (spec or {}).get("fields", [])
        options = (spec or {}).get("options", [])
        return {o["value"]: o["label"].get(lang) or o["label"].get("id") for o in options}
    return {}


# --- follow-ups and GEBER, regency-wide ----------------------------------------------------------

@dataclass
class KecamatanRow:
    kecamatan: Kecamatan
    sites: int = 0
    scored: int = 0
    average: float | None = None
    checks_this_month: int = 0
    waiting: int = 0
    visited_this_month: int = 0

    @property
    def band(self) -> str:
        return score_band(self.average)

    @property
    def coverage_pct(self) -> float | None:
        return round(self.visited_this_month / self.sites * 100, 1) if self.sites else None


def geber_by_kecamatan(user: User, now: datetime | None = None) -> list[KecamatanRow]:
    """Per kecamatan: sites, the average latest approved score, approved checks this month,
    checks waiting for review, and sites visited this month (coverage)."""
    now = now or utcnow()
    month = month_start_utc(now)
    rows = {k.id: KecamatanRow(kecamatan=k) for k in db.session.scalars(scopes.kecamatan_query(user))}
    site_scope = scopes.sites_query(user).where(Site.kecamatan_id.in_(rows))
    # A site was visited this month when its latest non-rejected check or visit falls in it.
    visited = case((or_(SiteStatus.geber_at >= month, SiteStatus.monev_at >= month), 1))
    for kec_id, sites, scored, average, visited_n in db.session.execute(
        site_scope.outerjoin(SiteStatus, SiteStatus.site_id == Site.id)
        .with_only_columns(Site.kecamatan_id, func.count(Site.id), func.count(SiteStatus.approved_score),
                           func.avg(SiteStatus.approved_score), func.count(visited))
        .group_by(Site.kecamatan_id)
    ):
        rows[kec_id].sites, rows[kec_id].scored, rows[kec_id].visited_this_month = sites, scored, visited_n
        rows[kec_id].average = round(float(average), 1) if average is not None else None
    geber = scopes.submissions_query(user).where(Submission.form_code == FormCode.GEBER_CHECK)
    for kec_id, n in db.session.execute(
        geber.where(Submission.review_state == ReviewState.APPROVED, Submission.recorded_at >= month)
        .with_only_columns(Submission.kecamatan_id, func.count()).group_by(Submission.kecamatan_id)
    ):
        if kec_id in rows:
            rows[kec_id].checks_this_month = n
    for kec_id, n in db.session.execute(
        geber.where(Submission.review_state == ReviewState.RECEIVED)
        .with_only_columns(Submission.kecamatan_id, func.count()).group_by(Submission.kecamatan_id)
    ):
        if kec_id in rows:
            rows[kec_id].waiting = n
    return list(rows.values())


@dataclass
class BappedaDesk:
    kegiatan: list[KegiatanRow]
    opds: list[OpdSummary]
    troubled: list[KegiatanRow]
    deviations: list[KegiatanRow]
    risks: list[dict]
    followups: dict
    kecamatan: list[KecamatanRow]
    not_visited: list[KegiatanRow]
    waiting_visits: int
    waiting_checks: int
    month_start: date
    #: The DPA plans in force of the kegiatan in scope, read once for the desk and its evaluation.
    plans: dict = field(default_factory=dict)


def bappeda_desk(user: User, now: datetime | None = None) -> BappedaDesk:
    """The regency-wide desk: monev progress against budget, risks, follow-ups, GEBER, coverage."""
    now = now or utcnow()
    plans = dpa_plans(scopes.kegiatan_query(user).with_only_columns(Kegiatan.id).order_by(None).scalar_subquery())
    rows = kegiatan_progress(user, now=now, plans=plans)
    kecamatan = geber_by_kecamatan(user, now)
    return BappedaDesk(
        kegiatan=rows,
        opds=opd_summaries(rows),
        troubled=[r for r in rows if r.status in ("at_risk", "late")],
        deviations=[r for r in rows if r.flags],
        risks=risks_by_category(rows),
        followups=counts_by_status(user, today_wib(now)),
        kecamatan=kecamatan,
        not_visited=[r for r in rows if r.visits_this_month == 0],
        waiting_visits=sum(r.waiting for r in rows),
        waiting_checks=sum(k.waiting for k in kecamatan),
        month_start=month_start_utc(now).astimezone(WIB).date(),
        plans=plans,
    )


# --- OPD and monitor ------------------------------------------------------------------------------

@dataclass
class OpdDesk:
    opd: Opd
    kegiatan: list[KegiatanRow]
    summary: OpdSummary | None
    visits: list[Submission]
    followups: list[FollowUp]
    followup_counts: dict


def opd_desk(user: User, opd: Opd, now: datetime | None = None) -> OpdDesk:
    """An OPD's kegiatan with their latest figures, recent visits, and the follow-ups assigned to it."""
    now = now or utcnow()
    rows = kegiatan_progress(user, opd_id=opd.id, now=now)
    summaries = opd_summaries(rows)
    visits = list(db.session.scalars(
        scopes.submissions_query(user)
        .where(Submission.form_code == FormCode.MONEV_VISIT,
               Submission.kegiatan_id.in_(scopes.kegiatan_query(user).where(Kegiatan.opd_id == opd.id)
                                          .with_only_columns(Kegiatan.id)))
        .order_by(Submission.recorded_at.desc()).limit(LIST_LIMIT)
    ))
    assigned = scopes.followups_query(user).where(FollowUp.assignee_opd_id == opd.id)
    followups = list(db.session.scalars(
        assigned.order_by(FollowUp.status.in_(OPEN_FOLLOWUP_STATES).desc(), FollowUp.due_date, FollowUp.id).limit(LIST_LIMIT)
    ))
    return OpdDesk(opd=opd, kegiatan=rows, summary=summaries[0] if summaries else None, visits=visits,
                   followups=followups, followup_counts=counts_by_status(user, today_wib(now), assignee_opd_id=opd.id))


def my_submissions(user: User, limit: int = 200) -> list[Submission]:
    """The user's own submissions, newest first."""
    return list(db.session.scalars(
        scopes.submissions_query(user).where(Submission.user_id == user.id)
        .order_by(Submission.recorded_at.desc(), Submission.id.desc()).limit(limit)
    ))


# --- chart data (static/js/charts.js) ----------------------------------------------------------------

def bappeda_charts(desk: BappedaDesk) -> dict:
    """The data blocks of the Bappeda desk's bar charts."""
    progress = {
        "max": 100, "unit": "%", "marker_label": None,
        "series": [{"key": "progress", "label": _("Progres fisik"), "class": "s-progress"},
                   {"key": "budget", "label": _("Realisasi anggaran"), "class": "s-budget"}],
        "rows": [{"label": s.opd.short_name or s.opd.name, "values": {"progress": s.progress, "budget": s.realisation_pct}}
                 for s in desk.opds if s.visited],
    }
    risks = {
        "unit": "", "series": [{"key": "n", "label": _("Risiko"), "class": "s-risk"}],
        "rows": [{"label": r["label"], "values": {"n": r["count"]}} for r in desk.risks],
    }
    counts = desk.followups["by_status"]
    followup_rows = [{"label": state.label, "values": {"n": counts[state]}, "class": f"s-{state}"}
                     for state in FollowUpState]
    followup_rows.insert(2, {"label": _("Terlambat"), "values": {"n": desk.followups["overdue"]}, "class": "s-overdue"})
    followups_chart = {"unit": "", "series": [{"key": "n", "label": _("Tindak lanjut")}], "rows": followup_rows}
    geber = {
        "max": 100, "unit": "", "series": [{"key": "score", "label": _("Rata-rata skor")}],
        "rows": [{"label": k.kecamatan.name, "values": {"score": k.average}, "class": f"band-{k.band}"}
                 for k in sorted(desk.kecamatan, key=lambda k: -(k.average or 0)) if k.average is not None],
        #: Named under the chart rather than drawn as empty bars.
        "unscored": [k.kecamatan.name for k in desk.kecamatan if k.average is None],
    }
    coverage = {
        "max": 100, "unit": "%", "series": [{"key": "pct", "label": _("Lokasi dikunjungi bulan ini")}],
        "rows": [{"label": k.kecamatan.name, "values": {"pct": k.coverage_pct}} for k in desk.kecamatan if k.sites],
    }
    return {"progress": progress, "risks": risks, "followups": followups_chart, "geber": geber, "coverage": coverage}
