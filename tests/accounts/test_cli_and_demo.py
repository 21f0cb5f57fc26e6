import pytest
from sqlalchemy import func, select

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.monev.models import Kegiatan
from webapp.sites.models import Site


def test_create_user_with_scope(runner, app):
    result = runner.invoke(args=["create-user", "--username", "Camat.Pino", "--password", "sandi-kuat-1",
                                 "--role", "camat", "--kecamatan", "17.01.03"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "camat.pino"))
        assert user.role == "camat" and user.kecamatan.name == "Pino"
        assert user.check_password("sandi-kuat-1") and user.password_hash != "sandi-kuat-1"


def test_create_user_explains_every_problem(runner):
    result = runner.invoke(args=["create-user", "--username", "x", "--password", "short", "--role", "camat"])
    assert result.exit_code == 1
    assert "Kata sandi minimal 10 karakter" in result.output
    assert "Camat harus punya kecamatan" in result.output


def test_create_user_refuses_unknown_role_and_scope(runner):
    result = runner.invoke(args=["create-user", "--username", "y", "--password", "panjang-sekali", "--role", "raja",
                                 "--opd", "NOPE"])
    assert result.exit_code == 1
    assert "Peran tidak dikenal" in result.output and "NOPE" in result.output


@pytest.mark.slow
def test_demo_data_creates_one_account_per_role_and_prints_logins(runner, app):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "bappeda", "camat.kotamanna", "dlh", "petugas"):
        assert username in result.output
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {"admin", "bappeda", "camat", "opd", "monitor"}
        camat = db.session.scalar(select(User).where(User.username == "camat.kotamanna"))
        assert camat.kecamatan.name == "Kota Manna"
        assert db.session.scalar(select(User).where(User.username == "dlh")).opd.code == "DLH"
        assert db.session.scalar(select(func.count(Site.id))) > 50
        assert db.session.scalar(select(func.count(Kegiatan.id))) > 0
        from webapp.submissions.models import Submission

        submissions = db.session.scalar(select(func.count(Submission.id)))
        approved = db.session.scalar(select(func.count(Submission.id)).where(Submission.review_state == "approved"))
        assert submissions > 100 and 0 < approved < submissions
        assert db.session.scalar(select(func.count(Submission.id)).where(Submission.status != "complete")) == 0
        users = db.session.scalar(select(func.count(User.id)))
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == users
        assert db.session.scalar(select(func.count(Submission.id))) == submissions


def test_setup_is_safe_to_run_again_and_leaves_the_forms_and_regions(runner, app):
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.forms.models import FormVersion
    from webapp.regions.models import Desa

    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "11 kecamatan, 158 desa/kelurahan" in result.output
    assert "0 versi formulir baru" in result.output
    with app.app_context():
        from webapp.forms.services import DEFINITIONS_DIR

        assert db.session.scalar(select(func.count(FormVersion.id))) == len(list(DEFINITIONS_DIR.glob("*.json")))
        assert db.session.scalar(select(func.count(Desa.id))) == 158
