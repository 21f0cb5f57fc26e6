"""Rakor mode: the deck of a month (summary, OPD ranking, a slide per OPD, GEBER per kecamatan, last
Rakor's decisions) and decisions recorded from a slide becoming follow-ups the next Rakor opens with."""
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories
from tests.helpers import csrf
from webapp.accounts.models import User
from webapp.domain_errors import DomainError
from webapp.errors import status_of
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan
from webapp.opd_reports import services as opd_reports
from webapp.rakor import services as rakor

#: The Rakor of June 2026, held on 3 July.
NOW = datetime(2026, 7, 3, 2, 0, tzinfo=timezone.utc)


def _user(user) -> User:
    return db.session.get(User, user.id)


def _decide(bappeda, year, month, **data):
    base = {"title": "Percepat lelang drainase", "assignee_opd_id": factories.opd("DLH").id,
            "due_date": date(2026, 7, 31)}
    return rakor.record_decision(_user(bappeda), year, month, {**base, **data})


@pytest.mark.parametrize("role", ["opd", "camat", "monitor"])
def test_only_bappeda_and_admin_hold_a_rakor(app, make_user, role):
    user = make_user(role)
    owner = make_user("opd", opd_code="DLH")
    with app.app_context():
        for call in (lambda: rakor.deck(_user(user), 2026, 6, now=NOW),
                     lambda: _decide(user, 2026, 6, owner_id=owner.id)):
            with pytest.raises(DomainError) as error:
                call()
            assert status_of(error.value) == 403


def test_a_decision_needs_an_owner_of_its_unit(app, make_user):
    bappeda = make_user("bappeda")
    outsider = make_user("opd", opd_code="PUPR")
    with app.app_context():
        for owner_id in (None, outsider.id):
            with pytest.raises(DomainError) as error:
                _decide(bappeda, 2026, 6, owner_id=owner_id)
            assert status_of(error.value) == 422 and "owner_id" in error.value.errors
            db.session.rollback()
        assert db.session.scalar(select(FollowUp.id)) is None


def test_a_decision_is_marked_with_its_rakor_and_the_next_rakor_opens_with_it(app, make_user, add_followup):
    bappeda = make_user("bappeda")
    owner = make_user("opd", opd_code="DLH")
    other = add_followup(opd_code="DLH", title="Bukan keputusan Rakor")
    with app.app_context():
        decided = _decide(bappeda, 2026, 6, owner_id=owner.id)
        db.session.commit()
        assert decided.rakor_month == "2026-06" and decided.owner_id == owner.id
        june = rakor.deck(_user(bappeda), 2026, 6, now=NOW)
        july = rakor.deck(_user(bappeda), 2026, 7, now=NOW + timedelta(days=30))
        assert [line.followup.id for line in june.decisions] == [decided.id]
        assert [line.followup.id for line in july.previous_decisions] == [decided.id]
        assert july.decisions == [] and other not in [line.followup.id for line in july.previous_decisions]
        # At the next Rakor it is overdue (due 31 July, the deck is read on 2 August).
        assert july.previous_decisions[0].overdue is True


def _report(app, opd_user, kegiatan, month, physical, rupiah):
    with app.app_context():
        opd_reports.save_report(_user(opd_user), db.session.get(Kegiatan, kegiatan.id), 2026, month,
                                {"realisation_rp": rupiah, "physical_pct": physical}, submit=True,
                                today=date(2026, month, 28))
        db.session.commit()


def test_an_opd_slide_holds_kegiatan_behind_plan_and_open_followups_with_owners(app, make_user, make_kegiatan,
                                                                                add_followup):
    bappeda = make_user("bappeda")
    dlh_user = make_user("opd", opd_code="DLH")
    pupr_user = make_user("opd", opd_code="PUPR")
    behind = make_kegiatan("DLH", code="DLH.01", name="TPS3R Pasar Bawah", year=2026, pagu=600_000_000)
    on_plan = make_kegiatan("DLH", code="DLH.02", name="Bank Sampah", year=2026, pagu=400_000_000)
    road = make_kegiatan("PUPR", code="PUPR.01", name="Jalan Desa", year=2026, pagu=1_000_000_000)
    # A straight-line plan over the year: about 50 % at the end of June.
    _report(app, dlh_user, behind, 6, 12.0, 100_000_000)
    _report(app, dlh_user, on_plan, 6, 55.0, 200_000_000)
    _report(app, pupr_user, road, 6, 60.0, 500_000_000)
    overdue = add_followup(opd_code="DLH", title="Perbaiki atap TPS", due=date(2026, 6, 20))
    add_followup(opd_code="DLH", title="Sudah beres", due=date(2026, 6, 1), status="done")
    with app.app_context():
        db.session.get(FollowUp, overdue).owner_id = dlh_user.id
        db.session.commit()
        deck = rakor.deck(_user(bappeda), 2026, 6, now=NOW)
        slides = {s.opd.code: s for s in deck.opds}
        assert set(slides) == {"DLH", "PUPR"}
        dlh = slides["DLH"]
        assert [r.kegiatan.code for r in dlh.behind] == ["DLH.01"] and dlh.behind_total == 1
        assert [(line.followup.title, line.overdue) for line in dlh.followups] == [("Perbaiki atap TPS", True)]
        assert dlh.followups[0].followup.owner.id == dlh_user.id
        assert (dlh.followups_open, dlh.followups_overdue) == (1, 1)
        assert dlh.kegiatan_choices[0] == ("DLH.01", "TPS3R Pasar Bawah")
        assert dlh.owners == [(str(dlh_user.id), dlh_user.full_name)]
        assert slides["PUPR"].behind == []
        # The ranking puts PUPR (ahead of plan) before DLH (behind it).
        ranked = [r.opd.code for r in deck.ranking if r.kegiatan]
        assert ranked == ["PUPR", "DLH"]
        assert deck.flag_counts[rakor.evaluation.MonthFlag.BEHIND_PLAN] == 1
        assert len(dlh.points) == 12 and dlh.points[5].actual_physical is not None


def test_geber_ranking_per_kecamatan_with_the_change_over_the_week(app, make_user, add_site, add_submission):
    bappeda = make_user("bappeda")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    manna = add_site(factories.KOTA_MANNA, name="Pasar Manna")
    pino = add_site(factories.PINO, name="SD Pino")
    at = rakor.reference_time(2026, 6, NOW)
    add_submission(monitor, manna, score=60, review_state="approved", recorded_at=at - timedelta(days=10))
    add_submission(monitor, manna, score=80, review_state="approved", recorded_at=at - timedelta(days=2))
    add_submission(monitor, manna, score=10, review_state="returned", recorded_at=at - timedelta(days=1))
    add_submission(monitor, pino, score=90, review_state="approved", recorded_at=at - timedelta(days=9))
    with app.app_context():
        deck = rakor.deck(_user(bappeda), 2026, 6, now=NOW)
        lines = {k.kecamatan.code: k for k in deck.kecamatan}
        assert (lines[factories.PINO].rank, lines[factories.PINO].average, lines[factories.PINO].change) == (1, 90.0, 0.0)
        assert (lines[factories.KOTA_MANNA].rank, lines[factories.KOTA_MANNA].average,
                lines[factories.KOTA_MANNA].week_ago, lines[factories.KOTA_MANNA].change) == (2, 80.0, 60.0, 20.0)
        assert [k.kecamatan.code for k in deck.kecamatan[:2]] == [factories.PINO, factories.KOTA_MANNA]
        assert all(k.rank is None for k in deck.kecamatan[2:])
        assert (deck.geber_average, deck.geber_week_ago, deck.geber_change) == (85.0, 75.0, 10.0)


def test_the_deck_page_records_a_decision_and_prints_one_a4_landscape_page_per_slide(app, login_as, make_user,
                                                                                   make_kegiatan, run_jobs):
    owner = make_user("opd", opd_code="DLH")
    make_kegiatan("DLH", code="DLH.07", name="Komposter", year=2026)
    bappeda = login_as("bappeda")
    page = bappeda.get("/rakor?bulan=2026-06")
    assert page.status_code == 200
    with app.app_context():
        dlh = factories.opd("DLH").id
    assert f'id="opd-{dlh}"' in page.text and 'id="geber"' in page.text
    response = bappeda.client.post("/rakor/keputusan?bulan=2026-06", data={
        "csrf_token": csrf(page.text), "title": "Komposter dipasang di 5 pasar", "owner": str(owner.id),
        "due_date": "2026-07-31", "assignee": f"opd:{dlh}", "kegiatan_code": "DLH.07", "slide": f"opd-{dlh}"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rakor?bulan=2026-06#slide-opd-{dlh}")
    with app.app_context():
        (decided,) = db.session.scalars(select(FollowUp)).all()
        assert (decided.rakor_month, decided.owner_id, decided.kegiatan.code) == ("2026-06", owner.id, "DLH.07")
    asked = bappeda.client.post("/rakor/pdf?bulan=2026-06", data={"csrf_token": csrf(page.text)})
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/rakor?bulan=2026-06")
    run_jobs()
    link = re.search(r'id="download-pdf" href="([^"]+)"', bappeda.get("/rakor?bulan=2026-06").text).group(1)
    pdf = bappeda.get(link)
    content = pdf.data
    pdf.close()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(content))
    slides = bappeda.get("/rakor?bulan=2026-06").text.count('<section class="slide')
    # Summary, ranking, DLH and its risks-and-follow-ups slide, GEBER, the previous and this Rakor.
    assert len(reader.pages) == slides == 7
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (842, 595) for p in reader.pages)
    texts = [p.extract_text() for p in reader.pages]
    assert "Ringkasan kabupaten" in texts[0] and "Komposter dipasang di 5 pasar" in texts[-1]
    assert "Catat keputusan" not in "".join(texts)


def test_a_decision_on_the_geber_slide_goes_to_a_camat_and_their_kecamatan(app, login_as, make_user):
    camat = make_user("camat", kecamatan_code=factories.PINO)
    bappeda = login_as("bappeda")
    page = bappeda.get("/rakor?bulan=2026-06")
    with app.app_context():
        pino = factories.kecamatan(factories.PINO).id
    assert f'value="kec:{pino}:{camat.id}"' in page.text
    bappeda.client.post("/rakor/keputusan?bulan=2026-06", data={
        "csrf_token": csrf(page.text), "title": "Aksi bersih pasar Pino tiap Jumat", "owner": f"kec:{pino}:{camat.id}",
        "due_date": "2026-07-15", "slide": "geber"})
    with app.app_context():
        (decided,) = db.session.scalars(select(FollowUp)).all()
        assert (decided.assignee_kecamatan_id, decided.assignee_opd_id, decided.owner_id) == (pino, None, camat.id)


def test_a_refused_decision_says_why_and_records_nothing(app, login_as, make_user):
    outsider = make_user("opd", opd_code="PUPR")
    bappeda = login_as("bappeda")
    page = bappeda.get("/rakor?bulan=2026-06")
    with app.app_context():
        dlh = factories.opd("DLH").id
    response = bappeda.client.post("/rakor/keputusan?bulan=2026-06", data={
        "csrf_token": csrf(page.text), "title": "Salah orang", "owner": str(outsider.id), "due_date": "2026-07-31",
        "assignee": f"opd:{dlh}", "slide": f"opd-{dlh}"}, follow_redirects=True)
    assert "Keputusan belum dicatat" in response.text and "pengguna aktif dari OPD" in response.text
    with app.app_context():
        assert db.session.scalar(select(FollowUp.id)) is None


def test_an_opd_slide_lists_the_risks_of_its_latest_approved_visits_most_serious_first(
        app, make_user, make_kegiatan, add_site, add_submission):
    bappeda = make_user("bappeda")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(factories.KOTA_MANNA, name="Pasar Bawah")
    tps = make_kegiatan("DLH", sites=[site], code="DLH.11", year=2026)
    at = rakor.reference_time(2026, 6, NOW)
    # An older visit's risks are replaced by the latest one's; a rejected visit does not count.
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=tps, review_state="approved",
                   recorded_at=at - timedelta(days=20), answers=factories.visit_answers("DLH.11", 30, 0, risks=[("cuaca", "rendah")]))
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=tps, review_state="approved",
                   recorded_at=at - timedelta(days=5), answers=factories.visit_answers(
                       "DLH.11", 35, 0, status="at_risk", risks=[("cuaca", "rendah"), ("pengadaan", "tinggi")]))
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=tps, review_state="rejected",
                   recorded_at=at - timedelta(days=1), answers=factories.visit_answers("DLH.11", 0, 0, risks=[("lahan", "tinggi")]))
    with app.test_request_context():
        deck = rakor.deck(_user(bappeda), 2026, 6, now=NOW)
        (dlh,) = [s for s in deck.opds if s.opd.code == "DLH"]
        assert [(r.level, r.kegiatan.code) for r in dlh.risks] == [("tinggi", "DLH.11"), ("rendah", "DLH.11")]
        assert dlh.risks[0].category and dlh.risks[0].category != "pengadaan"  # the option's label
        assert dlh.risks[0].level_label == "Tinggi"


def test_the_closing_slide_records_a_decision_for_any_opd_or_camat(app, login_as, make_user):
    owner = make_user("opd", opd_code="PUPR")
    bappeda = login_as("bappeda")
    page = bappeda.get("/rakor?bulan=2026-06")
    with app.app_context():
        pupr = factories.opd("PUPR").id
    assert page.text.count(f'value="opd:{pupr}:{owner.id}"') == 1
    response = bappeda.client.post("/rakor/keputusan?bulan=2026-06", data={
        "csrf_token": csrf(page.text), "title": "Perbaikan jalan menuju TPA", "owner": f"opd:{pupr}:{owner.id}",
        "due_date": "2026-08-15", "slide": "keputusan"})
    assert response.headers["Location"].endswith("#slide-keputusan")
    with app.app_context():
        (decided,) = db.session.scalars(select(FollowUp)).all()
        assert (decided.assignee_opd_id, decided.owner_id, decided.rakor_month) == (pupr, owner.id, "2026-06")


def test_long_lists_are_split_or_summed_up_so_each_slide_fits_its_page(app, make_user, make_kegiatan, add_followup,
                                                                       monkeypatch, login_as):
    monkeypatch.setattr(rakor, "RANKING_ROWS", 1)
    monkeypatch.setattr(rakor, "DECISION_ROWS", 2)
    owner = make_user("opd", opd_code="DLH")
    make_kegiatan("DLH", code="DLH.21", year=2026)
    make_kegiatan("PUPR", code="PUPR.21", year=2026)
    ids = [add_followup(opd_code="DLH", title=f"Keputusan {n}", due=date(2026, 6, 10 + n),
                        status="done" if n == 0 else "open") for n in range(4)]
    with app.app_context():
        for fid in ids:
            db.session.get(FollowUp, fid).rakor_month = "2026-05"
            db.session.get(FollowUp, fid).owner_id = owner.id
        db.session.commit()
    bappeda = login_as("bappeda")
    page = bappeda.get("/rakor?bulan=2026-06").text
    assert 'id="peringkat-opd"' in page and 'id="peringkat-opd-2"' in page and 'id="peringkat-opd-3"' not in page
    previous = page[page.index('id="rakor-lalu"'):page.index('id="keputusan"')]
    # 4 decisions: 1 done, 3 waiting (all overdue by now); the two shown are the oldest overdue ones.
    assert "4 keputusan: 1 selesai (0 terlambat), 3 belum selesai, 3 di antaranya lewat tenggat." in previous
    assert "Keputusan 1" in previous and "Keputusan 2" in previous and "Keputusan 0" not in previous
    assert "dan 2 lainnya" in previous


def test_the_deck_reads_kegiatan_as_plain_rows_and_a_risk_of_another_years_kegiatan_still_shows(
        app, make_user, make_kegiatan, add_site, add_submission):
    """Thousands of mapped kegiatan cost more than the evaluation's arithmetic: the deck reads them as
    rows, once, and the risks slide takes them from the evaluation (reading only a kegiatan it lacks)."""
    from sqlalchemy import event

    bappeda = make_user("bappeda")
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(factories.KOTA_MANNA, name="Pasar Bawah")
    make_kegiatan("DLH", sites=[site], code="DLH.11", year=2026)
    carried = make_kegiatan("DLH", sites=[site], code="DLH.07", year=2025)
    at = rakor.reference_time(2026, 6, NOW)
    add_submission(monitor, site, form="monev_kunjungan", kegiatan=carried, review_state="approved",
                   recorded_at=at - timedelta(days=3), answers=factories.visit_answers("DLH.07", 90, 0,
                                                                                      risks=[("lahan", "tinggi")]))
    loaded = []
    listener = lambda target, context: loaded.append(target)  # noqa: E731
    event.listen(Kegiatan, "load", listener)
    try:
        with app.test_request_context():
            deck = rakor.deck(_user(bappeda), 2026, 6, now=NOW)
            (dlh,) = [s for s in deck.opds if s.opd.code == "DLH"]
            assert [(r.level, r.kegiatan.code) for r in dlh.risks] == [("tinggi", "DLH.07")]
            assert [code for code, _name in dlh.kegiatan_choices] == ["DLH.11"]
    finally:
        event.remove(Kegiatan, "load", listener)
    assert loaded == []
