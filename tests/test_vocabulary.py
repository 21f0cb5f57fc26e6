"""One vocabulary: each state, role and code defined once with its label, and the database refusing any other."""
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.factories import add_followup, add_site, add_submission
from webapp import vocabulary
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.opd_reports.models import OpdReport
from webapp.reports.models import ReportJob
from webapp.submissions.models import Attachment, Submission
from webapp.notifications.models import Notification
from webapp.vocabulary import EmailState, FollowUpState, JobState, NotificationKind, OpdReportState, ReviewState, label

ROOT = Path(__file__).resolve().parent.parent
#: The migration that put CHECK constraints on the state columns.
STATE_CHECKS = "5c1e7d2a9b40"
#: Names that read the same in both languages.
NAMES = {"OPD", "TPS", "Admin", "Bappeda Litbang", "Camat"}
LABELLED = [v for v in vars(vocabulary).values()
            if isinstance(v, type) and issubclass(v, vocabulary.Vocabulary) and v is not vocabulary.Vocabulary]


@pytest.mark.parametrize("member", [m for v in LABELLED for m in v if m._text is not None], ids=str)
def test_every_label_reads_indonesian_by_default_and_english_on_request(app, member):
    with app.test_request_context():
        indonesian = label(member)
        with force_locale("en"):
            english = label(member)
    assert indonesian and english
    assert indonesian != english or indonesian in NAMES


def test_a_member_is_its_database_string_and_an_unknown_value_reads_as_itself(app):
    assert ReviewState("returned") is ReviewState.RETURNED
    assert ReviewState.RETURNED == "returned" and f"{ReviewState.RETURNED}" == "returned"
    with app.test_request_context():
        assert ReviewState.label_of("returned") == "Perlu perbaikan"
        assert ReviewState.label_of("bogus") == "bogus"
        assert ReviewState.label_of(None) == ""


def test_returned_reads_perlu_perbaikan_everywhere(app):
    """The state sent back for correction has one name on every page, export and in the field app."""
    sources = [*ROOT.glob("webapp/**/*.py"), *ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js")]
    other_names = re.compile(r"""['"]Dikembalikan( untuk perbaikan)?['"]""")
    assert not [str(p) for p in sources if other_names.search(p.read_text(encoding="utf-8"))]
    returned = [v.RETURNED for v in LABELLED if "RETURNED" in v.__members__]
    with app.test_request_context():
        assert len(returned) >= 2 and {label(m) for m in returned} == {"Perlu perbaikan"}


def test_no_module_keeps_its_own_table_of_state_labels():
    pattern = re.compile(r"^(STATE_LABELS|REVIEW_LABELS|SYNC_LABELS|STATUS_LABELS|ROLE_LABELS|SITE_KIND_LABELS)\s*=", re.M)
    offenders = [str(p) for p in ROOT.glob("webapp/**/*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_state_columns_load_as_members(app, make_user):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(app, monitor, add_site(app), review_state="returned", photos=1)
    with app.app_context():
        submission = db.session.get(Submission, sub.id)
        assert submission.review_state is ReviewState.RETURNED
        assert db.session.scalar(select(Attachment.state).where(Attachment.submission_id == sub.id)).label


def _invalid_updates(app, make_user, make_kegiatan):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(app, monitor, add_site(app), photos=1)
    followup = add_followup(app)
    kegiatan = make_kegiatan()
    with app.app_context():
        job = ReportJob(kind="monthly", params={}, state=JobState.QUEUED)
        report = OpdReport(kegiatan_id=kegiatan.id, opd_id=kegiatan.opd_id, year=2026, month=1,
                           state=OpdReportState.DRAFT, realisation_rp=0, physical_pct=0.0)
        note = Notification(user_id=monitor.id, kind=NotificationKind.ASSIGNED, key="x", title="x",
                            email_state=EmailState.OFF)
        db.session.add_all([job, report, note])
        db.session.commit()
        job_id, report_id, note_id = job.id, report.id, note.id
    return {
        "submission.review_state": update(Submission).where(Submission.id == sub.id).values(review_state="dikembalikan"),
        "submission.status": update(Submission).where(Submission.id == sub.id).values(status="done"),
        "attachment.state": update(Attachment).where(Attachment.submission_id == sub.id).values(state="lost"),
        "report_job.state": update(ReportJob).where(ReportJob.id == job_id).values(state="stuck"),
        "follow_up.status": update(FollowUp).where(FollowUp.id == followup).values(status="closed"),
        "user.role": update(User).where(User.id == monitor.id).values(role="superuser"),
        "opd_report.state": update(OpdReport).where(OpdReport.id == report_id).values(state="approved"),
        "notification.kind": update(Notification).where(Notification.id == note_id).values(kind="gossip"),
        "notification.email_state": update(Notification).where(Notification.id == note_id).values(email_state="lost"),
    }


@pytest.mark.parametrize("column", ["submission.review_state", "submission.status", "attachment.state",
                                    "report_job.state", "follow_up.status", "user.role", "opd_report.state",
                                    "notification.kind", "notification.email_state"])
def test_the_database_refuses_a_state_it_does_not_know(app, make_user, make_kegiatan, column):
    statement = _invalid_updates(app, make_user, make_kegiatan)[column]
    with app.app_context():
        with pytest.raises(IntegrityError, match=r"(?i)check"):
            db.session.execute(statement)
        db.session.rollback()


def test_a_legal_state_still_passes_the_check(app, make_user):
    followup = add_followup(app)
    with app.app_context():
        db.session.execute(update(FollowUp).where(FollowUp.id == followup).values(status=FollowUpState.DONE))
        db.session.commit()
        assert db.session.get(FollowUp, followup).status is FollowUpState.DONE


def test_the_state_migration_goes_down_and_up_again_keeping_every_row(app, make_user):
    """On SQLite the migration rebuilds the tables: photos must not follow their submission into the drop."""
    from flask_migrate import downgrade, upgrade

    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(app, monitor, add_site(app), photos=2, review_state="returned")
    add_followup(app, status="in_progress")
    with app.app_context():
        db.session.remove()
        downgrade(revision=STATE_CHECKS)
        downgrade(revision="-1")
        db.session.execute(update(Submission).where(Submission.id == sub.id).values(review_state="anything"))
        db.session.execute(update(Submission).where(Submission.id == sub.id).values(review_state="returned"))
        db.session.commit()
        db.session.remove()
        upgrade()
        assert db.session.scalar(select(Submission.review_state).where(Submission.uuid == sub.uuid)) == "returned"
        assert len(db.session.scalars(select(Attachment).where(Attachment.submission_id == sub.id)).all()) == 2
        assert db.session.scalar(select(FollowUp.status)) == "in_progress"
        with pytest.raises(IntegrityError):
            db.session.execute(update(Submission).where(Submission.id == sub.id).values(review_state="anything"))
        db.session.rollback()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
