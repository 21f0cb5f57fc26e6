"""GEBER figures of a period per kecamatan and desa, from approved submissions only.

A check counts in the desa of its site and in the kecamatan stored on the submission; a cleanup
action without a site counts in its kecamatan (or, without one, only in the regency total).
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.regions.models import Desa, Kecamatan
from webapp.reports.periods import Period
from webapp.sites.models import Site
from webapp.submissions.models import Submission
from webapp.vocabulary import FormCode, ReviewState


@dataclass
class Figures:
    """Approved checks and cleanup actions of one area in one period, and its previous period."""

    checks: int = 0
    score_sum: float = 0.0
    sites: int = 0
    prev_checks: int = 0
    prev_score_sum: float = 0.0
    actions: int = 0
    participants: int = 0
    waste_kg: float = 0.0

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.checks, 2) if self.checks else None

    @property
    def previous_average(self) -> float | None:
        return round(self.prev_score_sum / self.prev_checks, 2) if self.prev_checks else None

    @property
    def change(self) -> float | None:
        """Points gained since the previous period; None when either period has no check."""
        if self.average is None or self.previous_average is None:
            return None
        return round(self.average - self.previous_average, 2)

    def add(self, other: "Figures") -> None:
        for name in ("checks", "score_sum", "sites", "prev_checks", "prev_score_sum", "actions", "participants",
                     "waste_kg"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class DesaLine:
    desa: Desa
    figures: Figures
    rank: int | None = None


@dataclass
class KecamatanLine:
    kecamatan: Kecamatan
    figures: Figures
    desa: list[DesaLine] = field(default_factory=list)
    rank: int | None = None


@dataclass
class GeberFigures:
    period: Period
    kecamatan: list[KecamatanLine]
    #: Approved submissions with no kecamatan at all (a cleanup action recorded without a site).
    unplaced: Figures
    total: Figures


def _check_rows(period: Period, kecamatan_ids):
    stmt = (
        select(Submission.kecamatan_id, Site.desa_id, func.count(Submission.score), func.sum(Submission.score),
               func.count(func.distinct(Submission.site_id)))
        .select_from(Submission)
        .outerjoin(Site, Site.id == Submission.site_id)
        .where(Submission.form_code == FormCode.GEBER_CHECK, Submission.review_state == ReviewState.APPROVED,
               Submission.score.is_not(None),
               Submission.recorded_at >= period.start_utc, Submission.recorded_at < period.end_utc)
        .group_by(Submission.kecamatan_id, Site.desa_id)
    )
    if kecamatan_ids is not None:
        stmt = stmt.where(Submission.kecamatan_id.in_(kecamatan_ids))
    return db.session.execute(stmt).all()


def _action_rows(period: Period, kecamatan_ids):
    stmt = (
        select(Submission.kecamatan_id, Site.desa_id, Submission.answers)
        .select_from(Submission)
        .outerjoin(Site, Site.id == Submission.site_id)
        .where(Submission.form_code == FormCode.GEBER_ACTION, Submission.review_state == ReviewState.APPROVED,
               Submission.recorded_at >= period.start_utc, Submission.recorded_at < period.end_utc)
    )
    if kecamatan_ids is not None:
        stmt = stmt.where(Submission.kecamatan_id.in_(kecamatan_ids))
    return db.session.execute(stmt.execution_options(yield_per=1000))


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def area_figures(period: Period, kecamatan_ids=None) -> dict[tuple[int | None, int | None], Figures]:
    """(kecamatan id, desa id) → figures; desa id None for what has no site."""
    areas: dict[tuple, Figures] = defaultdict(Figures)
    for kec_id, desa_id, checks, score_sum, sites in _check_rows(period, kecamatan_ids):
        fig = areas[(kec_id, desa_id)]
        fig.checks, fig.score_sum, fig.sites = checks, float(score_sum or 0), sites
    for kec_id, desa_id, checks, score_sum, _sites in _check_rows(period.before(), kecamatan_ids):
        fig = areas[(kec_id, desa_id)]
        fig.prev_checks, fig.prev_score_sum = checks, float(score_sum or 0)
    for kec_id, desa_id, answers in _action_rows(period, kecamatan_ids):
        fig = areas[(kec_id, desa_id)]
        answers = answers or {}
        fig.actions += 1
        fig.participants += int(_number(answers.get("peserta")) or 0)
        fig.waste_kg += float(_number(answers.get("sampah_kg")) or 0)
    return areas


def _rank(lines) -> None:
    """1 for the best average score; areas without a check get no rank."""
    scored = sorted((line for line in lines if line.figures.average is not None),
                    key=lambda line: -line.figures.average)
    previous, rank = None, 0
    for position, line in enumerate(scored, start=1):
        if line.figures.average != previous:
            rank, previous = position, line.figures.average
        line.rank = rank


def geber_figures(period: Period, kecamatan_ids: list[int] | None = None) -> GeberFigures:
    """Every kecamatan (or the given ones) with all its desa, ranked by average approved score."""
    areas = area_figures(period, kecamatan_ids)
    stmt = select(Kecamatan).order_by(Kecamatan.code)
    if kecamatan_ids is not None:
        stmt = stmt.where(Kecamatan.id.in_(kecamatan_ids))
    kecamatan = list(db.session.scalars(stmt))
    desa_by_kec = defaultdict(list)
    for desa in db.session.scalars(select(Desa).where(Desa.kecamatan_id.in_([k.id for k in kecamatan]))
                                   .order_by(Desa.code)):
        desa_by_kec[desa.kecamatan_id].append(desa)
    lines, total = [], Figures()
    for kec in kecamatan:
        kec_total = Figures()
        desa_lines = []
        for desa in desa_by_kec[kec.id]:
            fig = areas.get((kec.id, desa.id), Figures())
            kec_total.add(fig)
            desa_lines.append(DesaLine(desa, fig))
        # Actions recorded without a site still belong to the kecamatan.
        kec_total.add(areas.get((kec.id, None), Figures()))
        _rank(desa_lines)
        lines.append(KecamatanLine(kec, kec_total, desa_lines))
        total.add(kec_total)
    _rank(lines)
    unplaced = Figures()
    if kecamatan_ids is None:
        for (kec_id, _desa_id), fig in areas.items():
            if kec_id is None:
                unplaced.add(fig)
        total.add(unplaced)
    return GeberFigures(period, lines, unplaced, total)
