"""/beranda fits each role: a monitor's day, a camat's kecamatan, an OPD's kegiatan and follow-ups, the regency."""
from datetime import date, timedelta

from tests import factories


def test_a_monitor_sees_today_and_work_to_correct_not_regency_counters(app, login_as, add_site, add_submission):
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    site = add_site(name="SD Negeri 9")
    add_submission(monitor.user, site, score=80.0, recorded_at=factories.NOW, review_state="returned")
    page = monitor.get("/beranda").text
    assert "Kiriman hari ini" in page and "Buka aplikasi lapangan" in page
    assert "Perlu diperbaiki" in page and "SD Negeri 9" in page
    assert 'id="home-outbox"' in page  # the phone's own outbox, filled in by the page's script
    assert "Kabupaten sekilas" not in page and "stat-label\">Kecamatan<" not in page


def test_a_camat_sees_the_kecamatan_at_a_glance(login_as):
    page = login_as("camat", kecamatan_code=factories.KOTA_MANNA).get("/beranda").text
    assert "Kecamatan Kota Manna sekilas" in page and "Menunggu tinjauan" in page and "Aksi bersih bulan ini" in page


def test_an_opd_sees_its_kegiatan_and_the_follow_ups_due_not_eleven_kecamatan(login_as, add_followup):
    add_followup("Perbaiki saluran TPS", due=date.today() - timedelta(days=2), opd_code="DLH")
    add_followup("Tugas dinas lain", due=date.today(), opd_code="PUPR")
    page = login_as("opd", opd_code="DLH").get("/beranda").text
    assert "Kegiatan Dinas Lingkungan Hidup" in page
    assert "Perbaiki saluran TPS" in page and "Terlambat" in page
    assert "Tugas dinas lain" not in page
    assert "11" not in page.split('class="stats"')[1].split("</div>\n  <div class=\"actions\"")[0]


def test_bappeda_sees_the_regency(login_as):
    page = login_as("bappeda").get("/beranda").text
    assert "Kabupaten sekilas" in page and "Meja Bappeda" in page
