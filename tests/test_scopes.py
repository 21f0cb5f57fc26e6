"""Each role sees its own scope and nothing else."""
import pytest
from sqlalchemy import select

from tests import factories
from webapp import scopes
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.submissions.models import Submission


@pytest.fixture
def world(app_ctx, make_user, make_site, make_kegiatan):
    """Two kecamatan, two OPDs, a site, activity, submission and follow-up in each."""
    from datetime import date, datetime, timezone

    from webapp.forms.services import find_version

    manna_site = make_site(factories.KOTA_MANNA, name="SD Manna")
    pino_site = make_site(factories.PINO, name="SD Pino")
    dlh_kegiatan = make_kegiatan("DLH", sites=[manna_site])
    pupr_kegiatan = make_kegiatan("PUPR", sites=[pino_site])
    monitor_a = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    monitor_b = make_user("monitor", kecamatan_code=factories.PINO)
    geber = find_version("geber_cek", 1)
    now = datetime.now(timezone.utc)
    subs = {}
    for key, user, site, kegiatan in (("a", monitor_a, manna_site, dlh_kegiatan), ("b", monitor_b, pino_site, pupr_kegiatan)):
        import uuid

        sub = Submission(uuid=uuid.uuid4(), form_version_id=geber.id, form_code="geber_cek", user_id=user.id,
                         site_id=site.id, kecamatan_id=site.kecamatan_id, kegiatan_id=kegiatan.id, recorded_at=now,
                         answers={}, content_hash="x", flags={})
        db.session.add(sub)
        subs[key] = sub
    fu_manna = FollowUp(title="Bersihkan drainase", assignee_kecamatan_id=manna_site.kecamatan_id, site_id=manna_site.id,
                        due_date=date(2026, 12, 1))
    fu_pupr = FollowUp(title="Percepat pekerjaan", assignee_opd_id=factories.opd("PUPR").id,
                       kegiatan_id=pupr_kegiatan.id, due_date=date(2026, 12, 1))
    db.session.add_all([fu_manna, fu_pupr])
    db.session.commit()
    return {
        "sites": (manna_site.id, pino_site.id), "kegiatan": (dlh_kegiatan.id, pupr_kegiatan.id),
        "subs": (subs["a"].id, subs["b"].id), "followups": (fu_manna.id, fu_pupr.id),
        "monitor_a": monitor_a, "monitor_b": monitor_b,
    }


def ids(stmt):
    return set(db.session.scalars(stmt.with_only_columns(stmt.selected_columns[0].table.c.id)))


def _visible(user):
    return {
        "sites": ids(scopes.sites_query(user)),
        "kegiatan": ids(scopes.kegiatan_query(user)),
        "subs": ids(scopes.submissions_query(user)),
        "followups": ids(scopes.followups_query(user)),
    }


def test_bappeda_and_admin_see_the_whole_regency(world, make_user):
    for role in ("bappeda", "admin"):
        seen = _visible(make_user(role))
        for key in ("sites", "kegiatan", "subs", "followups"):
            assert seen[key] == set(world[key])


def test_camat_sees_own_kecamatan_only(world, make_user):
    seen = _visible(make_user("camat", kecamatan_code=factories.KOTA_MANNA))
    assert seen["sites"] == {world["sites"][0]}
    assert seen["kegiatan"] == {world["kegiatan"][0]}
    assert seen["subs"] == {world["subs"][0]}
    assert seen["followups"] == {world["followups"][0]}


def test_opd_sees_own_activities_and_what_is_assigned_to_it(world, make_user):
    seen = _visible(make_user("opd", opd_code="PUPR"))
    assert seen["kegiatan"] == {world["kegiatan"][1]}
    assert seen["sites"] == {world["sites"][1]}
    assert seen["subs"] == {world["subs"][1]}
    assert seen["followups"] == {world["followups"][1]}


def test_monitor_sees_own_submissions_and_reference_data_of_their_kecamatan(world):
    seen = _visible(world["monitor_a"])
    assert seen["subs"] == {world["subs"][0]}
    assert seen["sites"] == {world["sites"][0]}
    assert seen["followups"] == set()


def test_camat_reviews_geber_in_own_kecamatan_only(world, make_user):
    camat = make_user("camat", kecamatan_code=factories.KOTA_MANNA)
    own, other = (db.session.get(Submission, i) for i in world["subs"])
    assert scopes.can_review(camat, own)
    assert not scopes.can_review(camat, other)
    assert not scopes.can_review(world["monitor_a"], own)


def test_monitor_creates_sites_only_in_own_kecamatan(app_ctx, make_user):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    assert scopes.can_create_site_in(monitor, factories.first_desa(factories.KOTA_MANNA))
    assert not scopes.can_create_site_in(monitor, factories.first_desa(factories.PINO))
    assert not scopes.can_create_site_in(make_user("opd"), factories.first_desa(factories.KOTA_MANNA))


@pytest.mark.parametrize("role", ["admin", "bappeda", "camat", "opd", "monitor"])
def test_home_page_fits_each_role(role, login_as):
    api = login_as(role)
    page = api.get("/beranda")
    assert page.status_code == 200
    from webapp.vocabulary import Role

    assert Role(role).label in page.text
