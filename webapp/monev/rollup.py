"""A kegiatan's figures from its latest approved visit, and their roll-up per OPD.

The Bappeda desk, the OPD desk and the monthly report all sum their kegiatan through `OpdRollup`,
so an OPD's figures are the same wherever they are shown. The rule:

* every kegiatan counts in `kegiatan` and `pagu`;
* a kegiatan is *visited* when it has a latest approved visit; the status counts (on track, at
  risk, late) and the deviation count are over the visited kegiatan;
* a visited kegiatan is *measured* when that visit gives a physical progress figure. Only the
  measured kegiatan make the percentages: `pagu_measured`, `realisation`, the realisation as a
  share of `pagu_measured`, and the physical progress weighted by pagu (a plain average when the
  measured pagu is zero). A visit without a progress figure is neither 0 % nor left unseen: it is
  visited, not measured;
* percentages are rounded to one decimal, as everywhere on the desks (`percent`).
"""
from dataclasses import dataclass, fields

#: Digits of every percentage shown for a kegiatan or an OPD.
PCT_DIGITS = 1


def percent(part, whole) -> float | None:
    """`part` as a percentage of `whole`, rounded to PCT_DIGITS; None without both."""
    if part is None or not whole:
        return None
    return round(part / whole * 100, PCT_DIGITS)


def number(value) -> float | None:
    """A numeric answer as a float; None for anything else (text, booleans, a missing answer)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class VisitFigures:
    """What a monev visit's answers say about a kegiatan of `pagu`."""

    progress: float | None
    realisation: int | None
    realisation_pct: float | None
    status: str | None


def visit_figures(answers: dict | None, pagu: int) -> VisitFigures:
    answers = answers or {}
    status = answers.get("status")
    return figures_of(number(answers.get("progres_fisik")), number(answers.get("realisasi_anggaran")),
                      status if isinstance(status, str) else None, pagu)


def figures_of(progress: float | None, realisation: float | None, status: str | None, pagu: int) -> VisitFigures:
    """The same from the three answers already read (numbers as floats, None when not a number;
    the status None when not a string), e.g. in SQL by submissions.answer_values."""
    realisation = int(realisation) if realisation is not None else None
    return VisitFigures(progress=progress, realisation=realisation, realisation_pct=percent(realisation, pagu),
                        status=status)


@dataclass
class OpdRollup:
    """The sums of a set of kegiatan (an OPD's, or all of them); add one kegiatan at a time."""

    kegiatan: int = 0
    pagu: int = 0
    visited: int = 0
    measured: int = 0
    pagu_measured: int = 0
    realisation: int = 0
    weighted_progress: float = 0.0
    plain_progress: float = 0.0
    on_track: int = 0
    at_risk: int = 0
    late: int = 0
    flagged: int = 0

    def add(self, pagu: int, visited: bool, progress: float | None = None, realisation: int | None = None,
            status: str | None = None, flagged: bool = False) -> None:
        pagu = pagu or 0
        self.kegiatan += 1
        self.pagu += pagu
        if not visited:
            return
        self.visited += 1
        self.on_track += status == "on_track"
        self.at_risk += status == "at_risk"
        self.late += status == "late"
        self.flagged += bool(flagged)
        if progress is None:
            return
        self.measured += 1
        self.pagu_measured += pagu
        self.realisation += realisation or 0
        self.weighted_progress += progress * pagu
        self.plain_progress += progress

    def merge(self, other: "OpdRollup") -> None:
        for f in fields(OpdRollup):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def not_visited(self) -> int:
        return self.kegiatan - self.visited

    @property
    def realisation_pct(self) -> float | None:
        return percent(self.realisation, self.pagu_measured)

    @property
    def progress(self) -> float | None:
        """Physical progress of the measured kegiatan, weighted by their pagu."""
        if self.pagu_measured:
            return round(self.weighted_progress / self.pagu_measured, PCT_DIGITS)
        if self.measured:
            return round(self.plain_progress / self.measured, PCT_DIGITS)
        return None
