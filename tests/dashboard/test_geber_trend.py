"""The camat's 12-week GEBER trend per desa, week by week, with desa without sites listed as such."""
from datetime import datetime, timedelta, timezone

from tests.factories import add_site, add_submission
from webapp.dashboard import trends
from webapp.followups.services import WIB

#: A Wednesday, 10:00 WIB.
NOW = datetime(2026, 11, 25, 3, tzinfo=timezone.utc)


def test_week_ends_are_wib_sundays_and_now(app_ctx):
    starts, ends = trends.week_ends(NOW)
    assert len(starts) == 12 and starts[-1].isoformat() == "2026-11-23" and starts[0].isoformat() == "2026-09-07"
    assert ends[-2] == datetime(2026, 11, 23, tzinfo=WIB) and ends[-1] == NOW


def test_each_desa_gets_the_average_of_its_sites_latest_approved_score_per_week(app, make_user):
    monitor, camat = make_user("monitor"), make_user("camat")
    a1, a2 = add_site(app, desa_index=0), add_site(app, desa_index=0)
    b = add_site(app, desa_index=1)
    add_submission(app, monitor, a1, score=60, review_state="approved", recorded_at=NOW - timedelta(weeks=20))
    add_submission(app, monitor, a1, score=80, review_state="approved", recorded_at=NOW - timedelta(days=9))
    add_submission(app, monitor, a2, score=90, review_state="approved", recorded_at=NOW - timedelta(days=1))
    add_submission(app, monitor, a2, score=10, review_state="received", recorded_at=NOW - timedelta(hours=2))
    add_submission(app, monitor, b, score=40, review_state="approved", recorded_at=NOW - timedelta(weeks=5))
    with app.app_context():
        from webapp.accounts.models import User
        from webapp.extensions import db

        user = db.session.get(User, camat.id)
        trend = trends.geber_trend(user, user.kecamatan, now=NOW)
        by_id = {r.desa.id: r for r in trend.desa}
        first, second = by_id[a1.desa_id], by_id[b.desa_id]
        # a1 carries 60 from before the window, 80 from 9 days ago (the week before this one); a2 joins this week.
        assert first.scores[:10] == [60.0] * 10 and first.scores[10:] == [80.0, 85.0]
        assert second.scores[:6] == [None] * 6 and second.scores[6:] == [40.0] * 6
        assert (first.sites, second.sites, first.change) == (2, 1, 25.0)
        without = [r for r in trend.desa if not r.has_sites]
        assert without and all(r.scores == [None] * 12 for r in without)
        assert len(trend.desa) == len({r.desa.id for r in trend.desa})
        assert trend.desa.index(first) < trend.desa.index(without[0])


def test_the_camat_desk_shows_the_trend_and_desa_without_sites(app, login_as):
    camat = login_as("camat")
    site = add_site(app, desa_index=0)
    add_submission(app, camat.user, site, score=75, review_state="approved",
                   recorded_at=datetime.now(timezone.utc) - timedelta(days=2))
    html = camat.get("/camat").text
    table = html.split('id="table-geber-trend"', 1)[1].split("</table>", 1)[0]
    assert "belum ada lokasi" in table and 'class="sparkline"' in table and ">75<" in table
