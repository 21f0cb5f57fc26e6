"""The monthly evaluation on the Bappeda desk, and queries per page that do not grow with rows."""
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event

from tests import factories
from tests.factories import add_submission
from tests.evaluation.test_monthly import dataset  # noqa: F401  (the known data set)
from webapp.extensions import db
from webapp.opd_reports.models import OpdReport


def _section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</table>", 1)[0]


def test_the_desk_shows_the_months_flags_ranking_lateness_and_kegiatan_to_visit(login_as, dataset):  # noqa: F811
    html = login_as("bappeda").get("/bappeda?bulan=2026-11").text
    flagged = _section(html, 'id="table-flagged"')
    k1 = flagged.split('data-kegiatan="K1"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/kegiatan/K1"' in k1 and "flag-verification" in k1 and "flag-behind_plan" in k1
    assert 'data-kegiatan="K2"' not in flagged
    assert re.search(r'data-flag-count="verification"><span class="stat-value">1<', html)
    ranking = _section(html, 'id="table-ranking"')
    assert ranking.index('data-opd="DLH"') < ranking.index('data-opd="PUPR"')
    assert 'data-opd="DINKES"' not in ranking and "Dinas Kesehatan" in html.split('id="opd-without-kegiatan"', 1)[1][:2000]
    assert "Belum ada laporan" not in ranking.split('data-opd="PUPR"', 1)[1].split("</tr>", 1)[0]
    status = _section(html, 'id="table-report-status"')
    assert "2/2" in status.split('data-opd="DLH"', 1)[1].split("</tr>", 1)[0]
    needs = html.split('id="list-needs-visit"', 1)[1].split("</ul>", 1)[0]
    assert 'data-kegiatan="K3"' in needs and 'data-kegiatan="K1"' not in needs
    assert 'id="trend-regency"' in html and 'id="table-trend-regency"' in html


def test_an_opd_with_kegiatan_but_no_report_is_ranked_last_as_such(login_as, dataset, make_kegiatan):  # noqa: F811
    make_kegiatan("DINKES", pagu=300_000_000, code="K4")
    ranking = _section(login_as("bappeda").get("/bappeda?bulan=2026-11").text, 'id="table-ranking"')
    dinkes = ranking.split('data-opd="DINKES"', 1)[1].split("</tr>", 1)[0]
    assert "Belum ada laporan" in dinkes and "0/1" in dinkes
    assert ranking.index('data-opd="PUPR"') < ranking.index('data-opd="DINKES"')


def test_the_desk_is_bappedas(login_as):
    assert login_as("opd", opd_code="DLH").get("/bappeda?bulan=2026-11").status_code == 403


# --- queries per page ---------------------------------------------------------------------------

def _world(app, n: int) -> str:
    """n kegiatan per OPD in three OPDs, each with reports for Jan–Nov and two visits with a photo row."""
    with app.app_context():
        monitor = factories.make_user("monitor")
        site = factories.make_site()
        first = None
        for opd_code in ("DLH", "PUPR", "DINKES"):
            for i in range(n):
                k = factories.make_kegiatan(opd_code, pagu=100_000_000)
                first = first or k.code
                for month in range(1, 12):
                    db.session.add(OpdReport(kegiatan_id=k.id, opd_id=k.opd_id, year=2026, month=month,
                                             state="submitted", physical_pct=month * 8.0,
                                             realisation_rp=month * 8_000_000))
                db.session.commit()
                for day in (3, 20):
                    add_submission(app, monitor, site, form="monev_kunjungan", kegiatan=k, photos=1,
                                   recorded_at=datetime(2026, 11, day, 3, tzinfo=timezone.utc),
                                   answers={"kegiatan": k.code, "progres_fisik": 80.0, "status": "on_track",
                                            "risiko": [{"kategori": "cuaca", "uraian": "x", "tingkat": "sedang"}]})
        return first


def _count_queries(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


@pytest.mark.parametrize("path", ["/bappeda?bulan=2026-11", "/kegiatan/{code}", "/bappeda/kegiatan"])
def test_queries_per_page_do_not_grow_with_rows(app, login_as, path):
    bappeda = login_as("bappeda")
    code = _world(app, 2)
    url = path.format(code=code)
    bappeda.get(url)  # warm the caches a first request fills (forms, translations)
    small = _count_queries(app, bappeda.client, url)
    _world(app, 6)
    large = _count_queries(app, bappeda.client, url)
    assert large == small, f"{url}: {small} queries with 6 kegiatan, {large} with 24"
