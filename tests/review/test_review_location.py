"""One location per submission: the reviewer sees the GPS fix the phone took, not an empty extra point."""
from sqlalchemy import update

from tests import factories
from tests.factories import GEBER_PASS
from webapp.extensions import db
from webapp.submissions.models import Submission


def _set_accuracy(app, sub, accuracy_m):
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == sub.id).values(accuracy_m=accuracy_m))
        db.session.commit()


def test_the_review_page_shows_the_location_taken_and_no_empty_second_point(app, login_as, make_user, add_site,
                                                                            add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(name="Pasar Manna")
    # A v1 check whose own geopoint was never taken (the field the second GPS section asked for).
    sub = add_submission(monitor, site, score=80.0, answers=dict(GEBER_PASS))
    page = login_as("bappeda").get(f"/tinjauan/{sub.uuid}").text
    assert "-4.455000, 102.905000 (± 8 m)" in page
    assert "Titik lokasi (GPS)" not in page
    assert "akurasi rendah" not in page


def test_a_fix_above_the_accuracy_limit_is_flagged_on_the_review_page(app, login_as, make_user, add_site, add_submission):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    sub = add_submission(monitor, add_site(), score=80.0, answers=dict(GEBER_PASS))
    _set_accuracy(app, sub, 75.0)
    page = login_as("bappeda").get(f"/tinjauan/{sub.uuid}").text
    assert "(± 75 m)" in page and "akurasi rendah" in page
