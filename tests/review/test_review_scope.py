"""The review list's query and the review predicate say the same thing for every role."""
import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import visit_answers
from webapp import scopes
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.submissions.models import Submission


@pytest.mark.parametrize(("role", "kwargs"), [
    ("admin", {}), ("bappeda", {}), ("camat", {"kecamatan_code": factories.KOTA_MANNA}),
    ("camat", {"kecamatan_code": factories.PINO}), ("opd", {"opd_code": "PUPR"}), ("monitor", {}),
])
def test_the_reviewable_query_matches_can_review(app, make_user, make_kegiatan, role, kwargs, add_site, add_submission):
    monitor = make_user("monitor")
    manna, pino = add_site(factories.KOTA_MANNA), add_site(factories.PINO)
    kegiatan = make_kegiatan("PUPR", sites=[manna, pino])
    for site in (manna, pino):
        add_submission(monitor, site, score=50)
        add_submission(monitor, site, form="geber_aksi", answers={})
        add_submission(monitor, site, form="monev_kunjungan", kegiatan=kegiatan, answers=visit_answers(kegiatan.code, 1, 1))
    user = make_user(role, **kwargs)
    with app.app_context():
        user = db.session.get(User, user.id)
        listed = set(db.session.scalars(scopes.reviewable_submissions_query(user).with_only_columns(Submission.id)))
        allowed = {s.id for s in db.session.scalars(select(Submission)) if scopes.can_review(user, s)}
        assert listed == allowed
        assert (len(listed), role) in {(6, "admin"), (6, "bappeda"), (2, "camat"), (0, "opd"), (0, "monitor")}
