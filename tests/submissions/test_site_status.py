"""A site's latest status: what the map, the desks and the public page read instead of submissions."""
from sqlalchemy import func, select

from tests import factories
from tests.factories import days_ago, visit_answers
from webapp.extensions import db
from webapp.sites.models import SiteStatus
from webapp.submissions.site_status import refresh_site_status

FIELDS = ("geber_score", "approved_score", "monev_status", "flagged")


def refreshed(app, site_id) -> dict:
    with app.app_context():
        refresh_site_status(site_id)
        db.session.commit()
        status = db.session.get(SiteStatus, site_id)
        return {name: getattr(status, name) for name in FIELDS}


def test_the_newest_check_sets_the_score_and_only_an_approved_one_is_published(app, make_user, add_site,
                                                                                add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    add_submission(monitor, site, score=90.0, review_state="approved", recorded_at=days_ago(5))
    add_submission(monitor, site, score=40.0, review_state="received", recorded_at=days_ago(1))
    add_submission(monitor, site, score=10.0, review_state="rejected", recorded_at=days_ago(0.5))
    status = refreshed(app, site.id)
    assert (status["geber_score"], status["approved_score"]) == (40.0, 90.0)


def test_the_latest_visit_sets_the_monev_status_and_its_flag_marks_the_site(app, make_user, make_kegiatan, add_site,
                                                                             add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    kegiatan = make_kegiatan("PUPR", sites=[site])
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=kegiatan, recorded_at=days_ago(3),
                   answers=visit_answers(kegiatan.code, 30, 100_000_000, status="on_track"))
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=kegiatan, recorded_at=days_ago(1),
                   answers=visit_answers(kegiatan.code, 35, 400_000_000, status="at_risk"), flags={"distance_m": 612})
    status = refreshed(app, site.id)
    assert (status["monev_status"], status["flagged"], status["geber_score"]) == ("at_risk", True, None)


def test_refreshing_again_changes_nothing_and_keeps_one_row_per_site(app, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    add_submission(monitor, site, score=75.0, review_state="approved")
    first, second = refreshed(app, site.id), refreshed(app, site.id)
    assert first == second == {"geber_score": 75.0, "approved_score": 75.0, "monev_status": None, "flagged": False}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SiteStatus)) == 1


def test_a_site_never_checked_has_an_empty_status(app, add_site):
    site = add_site()
    assert refreshed(app, site.id) == {"geber_score": None, "approved_score": None, "monev_status": None,
                                       "flagged": False}
