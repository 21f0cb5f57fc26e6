"""The narrative under the RKPD evaluation's table: reviewed and edited per (year, triwulan, OPD) by
Bappeda or the OPD itself, prefilled from the OPD's monthly reports, audited, and printed by the
report instead of the gathered text (a change makes the kept report be built again)."""
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests.helpers import csrf
from tests.reports import printed_dataset
from webapp.audit import AuditEvent
from webapp.extensions import db
from webapp.reports import rkpd
from webapp.reports.models import RkpdNarrative

Q3 = rkpd.Quarter(2026, 3)
PAGE = "/laporan/evaluasi-rkpd/narasi"
EDITED = {
    "driving": "Dukungan penuh kepala desa\nCuaca kemarau panjang",
    "inhibiting": "Pengiriman aspal terlambat dua minggu",
    "next_quarter": "Kontrak addendum waktu pelaksanaan",
    "next_rkpd": "",
}


@pytest.fixture
def data(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    ids = printed_dataset.build(app)
    yield ids
    printed_dataset.clear_heads(app)


def _save(client, opd_id, values=EDITED, quarter="2026-T3"):
    url = f"{PAGE}?triwulan={quarter}&opd={opd_id}"
    page = client.get(url)
    token = csrf(page.text) if page.status_code == 200 else client.token()
    return client.client.post(url, data={"csrf_token": token, **values})


def _notes_below_table(app, tmp_path, opd_id=None):
    path = tmp_path / "rkpd.xlsx"
    with app.test_request_context():
        rkpd.build(path, Q3, opd_id, "xlsx")
    ws = load_workbook(path).active
    start = next(r for r in range(1, ws.max_row + 1)
                 if ws.cell(row=r, column=1).value == "Faktor pendorong keberhasilan pencapaian")
    return [ws.cell(row=r, column=c).value for r in range(start, ws.max_row + 1) for c in (1, 2)
            if ws.cell(row=r, column=c).value is not None]


def test_the_editor_is_prefilled_from_what_the_opd_reported(app, data, login_as):
    pupr = login_as("opd", opd_code="PUPR")
    page = pupr.get(f"{PAGE}?triwulan=2026-T3")
    assert page.status_code == 200 and 'data-narrative-state="reported"' in page.text
    driving = re.search(r'<textarea[^>]*name="driving"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    assert driving.strip() == "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: Cuaca baik"
    assert "Material terlambat" in page.text and "Lahan belum siap" not in page.text


def test_an_opd_edits_its_own_narrative_and_not_another_ones(app, data, login_as):
    dlh = login_as("opd", opd_code="DLH")
    assert dlh.get(f"{PAGE}?triwulan=2026-T3&opd={data.pupr}").status_code == 403
    assert _save(dlh, data.pupr).status_code == 403
    assert login_as("camat").get(PAGE).status_code == 403
    assert _save(dlh, data.dlh).status_code == 302
    with app.app_context():
        rows = [(r.opd_id, r.year, r.quarter) for r in db.session.scalars(select(RkpdNarrative))]
    assert rows == [(data.dlh, 2026, 3)]


def test_the_report_prints_the_edited_text_and_the_other_opds_as_reported(app, data, login_as, tmp_path):
    bappeda = login_as("bappeda")
    assert _save(bappeda, data.pupr).status_code == 302
    notes = _notes_below_table(app, tmp_path)
    pupr, dlh = "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Lingkungan Hidup"
    assert notes[:7] == ["Faktor pendorong keberhasilan pencapaian", dlh, "–", pupr, "Dukungan penuh kepala desa",
                         "Cuaca kemarau panjang", "Faktor penghambat pencapaian"]
    assert "Pengiriman aspal terlambat dua minggu" in notes and "1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: " \
        "Material terlambat" not in notes
    # DLH was not edited: its gathered text stays.
    assert "2.11.03.2.01.0002 Pembangunan TPS3R: Lahan belum siap" in notes
    # A section emptied by the editor prints "–".
    rkpd_section = notes.index("Tindak lanjut yang diperlukan dalam RKPD berikutnya (sub kegiatan dengan capaian "
                               "kinerja di bawah predikat Tinggi)")
    assert notes[rkpd_section + 3:rkpd_section + 5] == [pupr, "–"]
    path = tmp_path / "rkpd.pdf"
    with app.test_request_context():
        rkpd.build(path, Q3, data.pupr, "pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Pengiriman aspal terlambat dua minggu" in text and "Material terlambat" not in text


def test_a_change_is_audited_and_changes_the_data_version(app, data, login_as):
    bappeda = login_as("bappeda")
    with app.app_context():
        before = (rkpd.data_version(Q3, data.pupr), rkpd.data_version(Q3, None), rkpd.data_version(Q3, data.dlh))
    _save(bappeda, data.pupr)
    with app.app_context():
        after = (rkpd.data_version(Q3, data.pupr), rkpd.data_version(Q3, None), rkpd.data_version(Q3, data.dlh))
        # Another period's version is untouched.
        assert rkpd.data_version(rkpd.Quarter(2026), data.pupr) == rkpd.data_version(rkpd.Quarter(2026), data.pupr)
    assert after[0] != before[0] and after[1] != before[1] and after[2] == before[2]
    _save(bappeda, data.pupr, {**EDITED, "next_rkpd": "Anggarkan ulang jembatan B"})
    _save(bappeda, data.pupr, {**EDITED, "next_rkpd": "Anggarkan ulang jembatan B"})
    with app.app_context():
        events = [(e.action, e.actor_id, (e.before or {}).get("next_rkpd"), e.after["next_rkpd"], e.after["period"])
                  for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "rkpd_narrative")
                                              .order_by(AuditEvent.id))]
        assert rkpd.data_version(Q3, data.pupr) not in (before[0], after[0])
    # Saving the same text again changes nothing and records nothing.
    assert events == [("rkpd_narrative.create", bappeda.user.id, None, "", "2026-T3"),
                      ("rkpd_narrative.update", bappeda.user.id, "", "Anggarkan ulang jembatan B", "2026-T3")]


def test_an_edit_rebuilds_the_kept_report(app, data, login_as, monkeypatch):
    builds = []
    original = rkpd.build
    monkeypatch.setattr(rkpd, "build", lambda *args, **kwargs: builds.append(args[1:4]) or original(*args, **kwargs))
    bappeda = login_as("bappeda")
    ask = {"kind": "rkpd_evaluation", "quarter": "2026-T3", "opd_id": data.pupr}
    bappeda.post("/api/v1/reports/jobs", json=ask)
    bappeda.post("/api/v1/reports/jobs", json=ask)
    assert len(builds) == 1
    _save(bappeda, data.pupr)
    assert bappeda.post("/api/v1/reports/jobs", json=ask).json["state"] == "ready" and len(builds) == 2


def test_the_report_page_links_to_the_editor(app, login_as):
    page = login_as("opd", opd_code="DLH").get("/laporan").text
    assert f'href="{PAGE}" id="rkpd-narrative-link"' in page
    assert 'id="rkpd-narrative-link"' not in login_as("camat").get("/laporan").text


def test_a_bad_period_names_nothing_and_too_long_a_text_is_refused(app, data, login_as):
    bappeda = login_as("bappeda")
    assert bappeda.get(f"{PAGE}?triwulan=2026-T9&opd={data.pupr}").status_code == 404
    response = _save(bappeda, data.pupr, {**EDITED, "driving": "x" * 20_001})
    assert response.status_code == 422 and "20000" in response.text.replace(".", "")
    with app.app_context():
        assert db.session.scalar(select(RkpdNarrative)) is None
