"""The Rakor deck's PDF is made by a report job, not inside the request: the deck page follows its
progress and offers the file, and an unchanged deck is served from the file already made."""
import io
import re
from datetime import date

import pytest
from flask import template_rendered
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.helpers import csrf
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.rakor import printing
from webapp.reports import services as report_services
from webapp.reports import tasks
from webapp.reports.models import ReportJob

MONTH = "2026-06"


@pytest.fixture
def queued(app, monkeypatch):
    """Jobs handed to the queue are kept here instead of running: as with Redis and a worker."""
    handed = []
    monkeypatch.setattr(report_services, "enqueue", lambda func, *args, **kwargs: handed.append((func, args)))
    return handed


@pytest.fixture
def builds(monkeypatch):
    """How many times the PDF itself was written."""
    made = []
    real = printing.build

    def counting(path, user, period, progress, **kwargs):
        made.append(period)
        return real(path, user, period, progress, **kwargs)

    monkeypatch.setattr(printing, "build", counting)
    return made


def _ask(bappeda):
    page = bappeda.get(f"/rakor?bulan={MONTH}")
    return bappeda.client.post(f"/rakor/pdf?bulan={MONTH}", data={"csrf_token": csrf(page.text)})


def _run_handed(app, handed):
    with app.app_context():
        for func, args in handed:
            func(*args)
    handed.clear()


def test_the_pdf_is_built_by_a_job_and_the_page_shows_its_progress_then_the_link(app, login_as, queued, builds):
    bappeda = login_as("bappeda")
    page = bappeda.get(f"/rakor?bulan={MONTH}").text
    assert 'id="make-pdf"' in page and 'id="pdf-job"' not in page
    response = _ask(bappeda)
    assert response.status_code == 302
    # Nothing was built inside the request: the job waits in the queue.
    assert builds == [] and [func for func, _args in queued] == [tasks.run_report]
    page = bappeda.get(f"/rakor?bulan={MONTH}").text
    item = re.search(r'<li class="job job-queued" id="pdf-job"[^>]*data-status-url="([^"]+)"', page)
    assert item and '<progress max="100" value="0"' in page and "js/jobs.js" in page
    assert re.search(r'id="download-pdf" href="#" hidden', page)
    # Asking again while it waits does not queue a second job.
    _ask(bappeda)
    assert len(queued) == 1
    _run_handed(app, queued)
    assert builds == [MONTH]
    status = bappeda.get(item.group(1)).json
    assert (status["state"], status["progress"], status["result_name"]) == ("ready", 100, f"rakor-{MONTH}.pdf")
    page = bappeda.get(f"/rakor?bulan={MONTH}").text
    link = re.search(r'id="download-pdf" href="([^"#]+)"', page).group(1)
    pdf = bappeda.get(link)
    content = pdf.data
    pdf.close()
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == bappeda.get(f"/rakor?bulan={MONTH}").text.count('<section class="slide')
    assert "Ringkasan kabupaten" in reader.pages[0].extract_text()


def test_a_deck_job_draws_the_deck_once(app, login_as, queued, monkeypatch):
    """The data version is a digest of the deck as it prints: the PDF is made from that same drawing."""
    drawn, rendered = [], []
    real_deck = printing.rakor.deck
    monkeypatch.setattr(printing.rakor, "deck", lambda *args: drawn.append(args) or real_deck(*args))

    def on_render(sender, template, context, **extra):
        rendered.append(template.name)

    bappeda = login_as("bappeda")
    _ask(bappeda)
    drawn.clear()
    with template_rendered.connected_to(on_render, app):
        _run_handed(app, queued)
    assert len(drawn) == 1 and rendered.count("rakor/pdf.html") == 1
    with app.app_context():
        job = db.session.scalars(select(ReportJob).where(ReportJob.kind == "rakor_deck")).one()
        assert job.state == "ready" and job.data_version


def test_an_unchanged_deck_is_not_built_again_and_a_change_rebuilds_it(app, login_as, make_user, queued, builds):
    owner = make_user("opd", opd_code="DLH")
    bappeda = login_as("bappeda")
    _ask(bappeda)
    _run_handed(app, queued)
    _ask(bappeda)
    _run_handed(app, queued)
    assert builds == [MONTH]
    with app.app_context():
        first, second = db.session.scalars(select(ReportJob).where(ReportJob.kind == "rakor_deck")
                                           .order_by(ReportJob.id)).all()
        assert second.state == "ready" and second.result_key == first.result_key
        assert second.data_version == first.data_version
    # A decision recorded at this Rakor changes the deck: the next PDF is made anew.
    page = bappeda.get(f"/rakor?bulan={MONTH}")
    with app.app_context():
        dlh = factories.opd("DLH").id
    bappeda.client.post(f"/rakor/keputusan?bulan={MONTH}", data={
        "csrf_token": csrf(page.text), "title": "Komposter dipasang di 5 pasar", "owner": str(owner.id),
        "due_date": "2026-07-31", "assignee": f"opd:{dlh}", "slide": "ringkasan"})
    with app.app_context():
        assert db.session.scalar(select(FollowUp.rakor_month)) == MONTH
    _ask(bappeda)
    _run_handed(app, queued)
    assert builds == [MONTH, MONTH]
    with app.app_context():
        jobs = db.session.scalars(select(ReportJob).where(ReportJob.kind == "rakor_deck").order_by(ReportJob.id)).all()
        assert jobs[-1].data_version != jobs[0].data_version and jobs[-1].result_key != jobs[0].result_key


def test_the_job_reports_progress_while_it_builds(app, make_user, tmp_path):
    bappeda = make_user("bappeda")
    seen = []
    with app.test_request_context():
        from webapp.accounts.models import User

        printing.build(str(tmp_path / "rakor-progress.pdf"), db.session.get(User, bappeda.id), MONTH,
                       seen.append)
    assert seen == sorted(seen) and len(seen) >= 2 and seen[-1] < 100


def test_only_the_regency_may_have_the_deck_made(app, make_user):
    opd = make_user("opd", opd_code="DLH")
    with app.app_context():
        from webapp.accounts.models import User
        from webapp.domain_errors import Forbidden

        with pytest.raises(Forbidden):
            printing.request_pdf(db.session.get(User, opd.id), 2026, 6)
