"""The desks render in English too (strings not yet translated fall back to Indonesian)."""
import pytest

from tests import factories


@pytest.mark.parametrize(("role", "page"), [("camat", "/camat"), ("bappeda", "/bappeda"), ("opd", "/opd"),
                                            ("monitor", "/kiriman-saya"), ("bappeda", "/tinjauan"), ("bappeda", "/tindak-lanjut")])
def test_every_desk_renders_in_english(app, login_as, make_user, role, page, add_site, add_submission, add_followup):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site()
    add_submission(monitor, site, score=75.5, review_state="approved")
    add_submission(monitor, site, score=40, flags={"accuracy_m": 90.0})
    add_followup(opd_code="DLH", site=site)
    kwargs = {"camat": {"kecamatan_code": factories.KOTA_MANNA}, "opd": {"opd_code": "DLH"},
              "monitor": {"kecamatan_code": factories.KOTA_MANNA}}.get(role, {})
    client = login_as(role, **kwargs)
    response = client.get(page + "?lang=en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
