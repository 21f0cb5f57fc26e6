"""The review state machine: every legal and illegal transition, reasons, audit, side effects."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import visit_answers
from webapp.audit import AuditEvent
from webapp.domain_errors import DomainError
from webapp.errors import status_of
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import DEFAULT_DUE_DAYS, today_wib
from webapp.review import services
from webapp.sites.models import SiteStatus
from webapp.submissions.models import Submission
from webapp.submissions.resubmission import resubmitted

STATES = ("received", "approved", "returned", "rejected")
LEGAL = {("received", "approve"): "approved", ("received", "return"): "returned", ("received", "reject"): "rejected"}
ILLEGAL = [(state, action) for state in STATES for action in services.ACTIONS if (state, action) not in LEGAL]


@pytest.fixture
def world(app, make_user, add_site):
    site = add_site(name="SD Negeri 1 Manna")
    return {
        "site": site,
        "monitor": make_user("monitor", kecamatan_code=factories.KOTA_MANNA),
        "bappeda": make_user("bappeda"),
        "camat": make_user("camat", kecamatan_code=factories.KOTA_MANNA),
    }


def _load(submission_id) -> Submission:
    return db.session.get(Submission, submission_id)


def _user(user):
    from webapp.accounts.models import User

    return db.session.get(User, user.id)


@pytest.mark.parametrize(("start", "action"), list(LEGAL))
def test_a_waiting_submission_can_be_approved_returned_or_rejected(app, world, start, action, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0, review_state=start)
    with app.app_context():
        submission = _load(sub.id)
        services.review(_user(world["bappeda"]), submission, action, "Foto kurang jelas")
        db.session.commit()
        assert submission.review_state == LEGAL[(start, action)]
        assert submission.reviewed_by_id == world["bappeda"].id
        assert submission.reviewed_at is not None


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_a_decided_submission_refuses_every_further_decision(app, world, start, action, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0, review_state=start, review_note="lama")
    with app.app_context():
        submission = _load(sub.id)
        with pytest.raises(DomainError) as error:
            services.review(_user(world["bappeda"]), submission, action, "alasan")
        assert status_of(error.value) == 409
        assert error.value.code == "illegal_transition"
        db.session.rollback()
        assert _load(sub.id).review_state == start
        assert db.session.scalar(select(AuditEvent.id)) is None


@pytest.mark.parametrize("action", ["return", "reject"])
@pytest.mark.parametrize("note", [None, "", "   "])
def test_returning_or_rejecting_needs_a_reason(app, world, action, note, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.review(_user(world["bappeda"]), _load(sub.id), action, note)
        assert status_of(error.value) == 422
        assert "note" in error.value.errors


def test_approving_needs_no_reason(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0)
    with app.app_context():
        submission = services.review(_user(world["bappeda"]), _load(sub.id), "approve", None)
        assert submission.review_state == "approved"
        assert submission.review_note is None


def test_an_unknown_action_is_refused(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.review(_user(world["bappeda"]), _load(sub.id), "publish", None)
        assert status_of(error.value) == 422


def test_every_decision_writes_an_audit_event_with_before_and_after(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(sub.id), "return", "Foto buram, ulangi")
        db.session.commit()
        event = db.session.scalar(select(AuditEvent))
        assert event.action == "submission.review"
        assert event.object_type == "submission" and event.object_id == str(sub.uuid)
        assert event.actor_id == world["bappeda"].id
        assert event.before == {"review_state": "received", "review_note": None, "reviewed_by_id": None}
        assert event.after["review_state"] == "returned"
        assert event.after["review_note"] == "Foto buram, ulangi"
        assert event.after["action"] == "return"


def test_a_returned_submission_sent_again_waits_for_review_once_more(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0, review_state="returned", review_note="ulangi")
    with app.app_context():
        submission = resubmitted(_load(sub.id))
        db.session.commit()
        assert submission.review_state == "received"
        assert submission.review_note is None
        event = db.session.scalar(select(AuditEvent))
        assert event.action == "submission.resubmit"
        assert event.actor_id == world["monitor"].id
        assert event.before["review_state"] == "returned" and event.before["review_note"] == "ulangi"
        assert event.after["review_state"] == "received"


@pytest.mark.parametrize("start", ["received", "approved", "rejected"])
def test_only_a_returned_submission_can_be_sent_again(app, world, start, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0, review_state=start)
    with app.app_context():
        with pytest.raises(DomainError) as error:
            resubmitted(_load(sub.id))
        assert status_of(error.value) == 409


def test_a_resent_submission_can_be_decided_again(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=80.0)
    with app.app_context():
        reviewer = _user(world["bappeda"])
        services.review(reviewer, _load(sub.id), "return", "ulangi")
        resubmitted(_load(sub.id))
        services.review(reviewer, _load(sub.id), "approve", None)
        db.session.commit()
        assert _load(sub.id).review_state == "approved"
        actions = [e.action for e in services.review_history(_load(sub.id))]
        assert actions == ["submission.review", "submission.resubmit", "submission.review"]


def test_approving_a_check_updates_the_published_score_of_its_site(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=72.5)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(sub.id), "approve", None)
        db.session.commit()
        status = db.session.get(SiteStatus, world["site"].id)
        assert status.approved_score == 72.5


def test_rejecting_a_check_keeps_it_out_of_the_site_status(app, world, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=15.0)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(sub.id), "reject", "Foto bukan lokasi ini")
        db.session.commit()
        status = db.session.get(SiteStatus, world["site"].id)
        assert status.approved_score is None
        assert status.geber_score is None


def test_a_camat_reviews_geber_checks_of_their_own_kecamatan_only(app, world, make_user, add_site, add_submission):
    pino_site = add_site(factories.PINO)
    pino_check = add_submission(world["monitor"], pino_site, score=60.0)
    own_check = add_submission(world["monitor"], world["site"], score=60.0)
    with app.app_context():
        camat = _user(world["camat"])
        with pytest.raises(DomainError) as error:
            services.review(camat, _load(pino_check.id), "approve", None)
        assert status_of(error.value) == 403
        services.review(camat, _load(own_check.id), "approve", None)
        assert _load(own_check.id).review_state == "approved"


def test_a_camat_cannot_review_a_monitoring_visit(app, world, make_kegiatan, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[world["site"]])
    visit = add_submission(world["monitor"], world["site"], form="monev_kunjungan", kegiatan=kegiatan,
                           answers=visit_answers(kegiatan.code, 40, 100_000_000))
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.review(_user(world["camat"]), _load(visit.id), "approve", None)
        assert status_of(error.value) == 403


@pytest.mark.parametrize("role", ["monitor", "opd"])
def test_monitors_and_opd_users_review_nothing(app, world, make_user, role, add_submission):
    sub = add_submission(world["monitor"], world["site"], score=60.0)
    user = world["monitor"] if role == "monitor" else make_user("opd", opd_code="DLH")
    with app.app_context():
        with pytest.raises(DomainError) as error:
            services.review(_user(user), _load(sub.id), "approve", None)
        assert status_of(error.value) == 403


def test_approving_a_visit_turns_its_recommendation_into_a_followup(app, world, make_kegiatan, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[world["site"]])
    answers = visit_answers(kegiatan.code, 40, 100_000_000, rekomendasi="Tambah tenaga kerja agar target tercapai",
                            penanggung_jawab="DLH", tenggat="2027-01-15")
    visit = add_submission(world["monitor"], world["site"], form="monev_kunjungan", kegiatan=kegiatan, answers=answers)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(visit.id), "approve", None)
        db.session.commit()
        followup = db.session.scalar(select(FollowUp))
        assert followup.source_submission_id == visit.id
        assert followup.assignee_opd_id == factories.opd("DLH").id
        assert followup.assignee_kecamatan_id is None
        assert followup.due_date == date(2027, 1, 15)
        assert followup.title == "Tambah tenaga kerja agar target tercapai"
        assert followup.kegiatan_id == kegiatan.id and followup.site_id == world["site"].id
        assert followup.status == "open"
        assert "followup.create" in {e.action for e in db.session.scalars(select(AuditEvent))}


def test_a_recommendation_without_owner_or_due_date_goes_to_the_kegiatan_opd_in_thirty_days(app, world,
        make_kegiatan, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[world["site"]])
    answers = visit_answers(kegiatan.code, 40, 100_000_000, rekomendasi="Percepat pengadaan")
    visit = add_submission(world["monitor"], world["site"], form="monev_kunjungan", kegiatan=kegiatan, answers=answers)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(visit.id), "approve", None)
        followup = db.session.scalar(select(FollowUp))
        assert followup.assignee_opd_id == factories.opd("PUPR").id
        assert followup.due_date == today_wib() + timedelta(days=DEFAULT_DUE_DAYS)


@pytest.mark.parametrize("action", ["return", "reject"])
def test_a_visit_that_is_not_approved_makes_no_followup(app, world, make_kegiatan, action, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[world["site"]])
    answers = visit_answers(kegiatan.code, 40, 100_000_000, rekomendasi="Percepat pengadaan")
    visit = add_submission(world["monitor"], world["site"], form="monev_kunjungan", kegiatan=kegiatan, answers=answers)
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(visit.id), action, "data salah")
        assert db.session.scalar(select(FollowUp.id)) is None


def test_a_visit_without_a_recommendation_makes_no_followup(app, world, make_kegiatan, add_submission):
    kegiatan = make_kegiatan("PUPR", sites=[world["site"]])
    visit = add_submission(world["monitor"], world["site"], form="monev_kunjungan", kegiatan=kegiatan,
                           answers=visit_answers(kegiatan.code, 40, 100_000_000))
    with app.app_context():
        services.review(_user(world["bappeda"]), _load(visit.id), "approve", None)
        assert db.session.scalar(select(FollowUp.id)) is None
