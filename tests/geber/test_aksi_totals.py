"""Clean-up actions count: per kecamatan and per OPD, this week / this month / since the start."""
from datetime import timedelta

from tests import factories
from tests.factories import NOW, add_site, add_submission
from webapp.geber import aksi


def aksi_answers(peserta, kg, bags=0, opds=(), kelompok=None):
    answers = {"tanggal": "2026-11-01", "jenis_kegiatan": "kerja_bakti", "peserta": peserta, "sampah_kg": kg,
               "kantong": bags, "opd_terlibat": list(opds)}
    if kelompok:
        answers["kelompok"] = kelompok
    return answers


def actions(app, make_user):
    monitor = make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
    pino_monitor = make_user("monitor", kecamatan_code=factories.PINO)
    manna = add_site(app, factories.KOTA_MANNA, name="Pasar Manna")
    pino = add_site(app, factories.PINO, name="Pasar Pino")
    add_submission(app, monitor, manna, form="geber_aksi", review_state="approved", recorded_at=NOW - timedelta(minutes=5),
                   answers=aksi_answers(40, 120.5, 12, ("DLH", "PUPR"), "SDN 3 Manna"))
    add_submission(app, monitor, manna, form="geber_aksi", recorded_at=NOW - timedelta(days=400),
                   answers=aksi_answers(25, 80, 5, ("DLH",)))
    # No site: it belongs to the kecamatan of the monitor who recorded it.
    add_submission(app, pino_monitor, None, form="geber_aksi", review_state="approved", recorded_at=NOW - timedelta(minutes=1),
                   answers=aksi_answers(10, 30, 2))
    add_submission(app, monitor, manna, form="geber_aksi", review_state="rejected", answers=aksi_answers(999, 999))
    add_submission(app, monitor, pino, score=80.0)  # a check, not an action


def test_totals_per_kecamatan_and_opd_for_each_period_leave_out_rejected_actions(app, make_user):
    actions(app, make_user)
    with app.app_context():
        from webapp.accounts.models import User
        from webapp.extensions import db
        bappeda = db.session.get(User, make_user("bappeda").id)
        summary = aksi.summary_for(bappeda)
        total = summary.total.periods
        assert (total["all"].actions, total["all"].participants, total["all"].kg, total["all"].bags) == (3, 75, 230.5, 19)
        assert (total["week"].actions, total["week"].participants) == (2, 50)
        by_kec = {row.name: row.periods["all"].participants for row in summary.by_kecamatan}
        assert by_kec == {"Kota Manna": 65, "Pino": 10}
        by_opd = {row.key: (row.periods["all"].actions, row.periods["week"].participants) for row in summary.by_opd}
        assert by_opd == {"DLH": (2, 40), "PUPR": (1, 40)}


def test_the_camat_and_bappeda_desks_show_the_totals(app, make_user, login_as):
    actions(app, make_user)
    bappeda = login_as("bappeda").get("/bappeda").text
    assert 'data-group="kecamatan"' in bappeda and 'data-group="opd"' in bappeda
    opd_table = bappeda[bappeda.index('data-group="opd"'):]
    assert "Dinas Lingkungan Hidup" in opd_table and "65 orang" in opd_table
    assert "75 <small>orang</small>" in bappeda and "230,5 kg" in bappeda
    camat = login_as("camat", kecamatan_code=factories.PINO).get("/camat").text
    assert "Aksi GEBER" in camat and "10 <small>orang</small>" in camat and "75 <small>orang</small>" not in camat


def test_the_public_map_shows_approved_totals_without_names(app, make_user, client):
    actions(app, make_user)
    page = client.get("/publik").text
    assert 'id="aksi-public"' in page
    assert "50 orang" in page and "150,5 kg" in page  # the two approved actions
    assert "SDN 3 Manna" not in page and "Pengguna monitor" not in page
