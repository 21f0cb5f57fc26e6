"""The Rakor deck as a PDF: built by a report job (webapp/reports/tasks.py) with its progress, and
kept per (month, data version): the version is a digest of the deck as it prints, so an unchanged
deck is served from the file already made and a changed one is built again."""
import hashlib

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from webapp import charts, scopes
from webapp.accounts.models import User
from webapp.domain_errors import Forbidden
from webapp.extensions import db
from webapp.rakor import services as rakor
from webapp.reports import kinds
from webapp.reports.models import ReportJob
from webapp.vocabulary import JobState

KIND = "rakor_deck"
#: Bumped when the printed layout changes, so older files are not reused.
FORMAT_VERSION = 1


def _month(period: str) -> tuple[int, int]:
    year, month = period.split("-")
    return int(year), int(month)


def _html(user: User, period: str) -> str:
    # The deck prints in Indonesian, whatever the language of a request that ran the job inline.
    with force_locale("id"):
        return render_template("rakor/pdf.html", deck=rakor.deck(user, *_month(period)), charts=charts)


def _digest(period: str, html: str) -> str:
    return hashlib.sha256(f"{KIND}:{FORMAT_VERSION}:{period}:".encode() + html.encode()).hexdigest()


def prepare(user: User, params: dict) -> tuple[str, tuple]:
    """(data version, what `build` prints) of a deck job: the version is a digest of the deck as
    it prints, and the job prints that same drawing rather than drawing the deck again."""
    html = _html(user, params["period"])
    return _digest(params["period"], html), (user, params["period"], html)


def build(path: str, user: User, period: str, progress, html: str | None = None) -> None:
    """Write the deck of `period` as seen by `user` (a regency-wide role) to `path` as PDF; `html`
    is the deck already drawn by `prepare`, drawn here when not given."""
    from webapp.pdf import html_to_pdf

    progress(5)
    if html is None:
        html = _html(user, period)
    progress(30)
    html_to_pdf(html, path)


def filename(period: str) -> str:
    return f"rakor-{period}.pdf"


kinds.register_kind(KIND, kinds.AddedKind(
    may=scopes.can_run_rakor,
    prepare=lambda user, params: prepare(user, params),
    filename=lambda params: filename(params["period"]),
    # Looked up when called, so a replaced `build` (a test counting builds) is the one used.
    build=lambda path, prepared, progress: build(path, *prepared[:2], progress, html=prepared[2]),
))


def request_pdf(user: User, year: int, month: int) -> tuple[ReportJob, bool]:
    """The job making the deck of the month: the user's one still queued or running, or a new one
    (True when new: the caller commits and dispatches it)."""
    if not scopes.can_run_rakor(user):
        raise Forbidden()
    pending = latest_job(user, year, month)
    if pending is not None and pending.state in (JobState.QUEUED, JobState.RUNNING):
        return pending, False
    report = ReportJob(kind=KIND, params={"period": rakor.month_key(year, month), "format": "pdf"},
                       user_id=user.id, state=JobState.QUEUED, progress=0)
    db.session.add(report)
    db.session.flush()
    return report, True


def latest_job(user: User, year: int, month: int) -> ReportJob | None:
    """The user's newest deck job of the month."""
    key = rakor.month_key(year, month)
    jobs = db.session.scalars(scopes.report_jobs_query(user).where(ReportJob.kind == KIND)
                              .order_by(ReportJob.id.desc()).limit(20))
    return next((job for job in jobs if (job.params or {}).get("period") == key), None)
