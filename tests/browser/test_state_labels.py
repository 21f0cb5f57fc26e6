"""One word for one state (360×740): a check not yet reviewed reads the same in the field app and on the web
(the label of ReviewState.RECEIVED)."""
import pytest

from tests import factories
from webapp.vocabulary import ReviewState

pytestmark = pytest.mark.browser


def test_an_unreviewed_check_reads_the_same_in_kiriman_saya_and_on_the_web(
        app, field_app, make_user, add_site, add_submission):
    user = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    add_submission(user, add_site(name="SD Negeri 4 Manna"), score=90.0)
    page = field_app.page
    field_app.login(user.username)
    page.click(".tabbar a[data-tab=mine]")
    page.wait_for_selector(".mine-item")
    with app.app_context():
        label = str(ReviewState.RECEIVED.label)
    assert label in page.inner_text(".mine-item")
    field_app.shoot("kiriman-saya-label")
    page.goto("/kiriman-saya")
    assert label in page.inner_text("main")
