"""A known data set for May 2026, small enough to check every report cell by hand.

Kota Manna: desa A (sites s1, s4), desa B (site s2); Pino: desa C (site s3).

Monev (fiscal year 2026; planned progress is linear over the calendar year):
  K1 PUPR, pagu 1,000,000,000, target 100 m, site s1
     approved 20 Apr (30 %, Rp 250 jt) · approved 10 May (40 %, Rp 600 jt, output 35, at risk, two risks)
     received 25 May (90 %) and approved 2 Jun: neither counts for May
  K2 PUPR, pagu 500,000,000, target 10 unit, site s2: approved 15 Apr (20 %, Rp 50 jt, on track, one risk)
  K3 DLH, pagu 200,000,000: never visited
  K4 DLH, fiscal year 2025: not in the 2026 report
Follow-ups: F1 K1→PUPR due 20 May open (overdue) · F2 K1→Kec. Kota Manna due 30 Jun in progress ·
  F3 K2 done in April (left out) · F4 GEBER s3→Kec. Pino due 5 May open (overdue)
GEBER checks (approved unless said): desa A May 80, 60, 100 (+ received 10, rejected 0), April 50 ·
  desa B May 70, 50 (31 May 23:30 WIB), 100 on 1 Jun 00:10 WIB (June), April 90 (30 Apr 23:59 WIB) ·
  desa C May 40
GEBER actions (approved unless said): s1 25 people 120.5 kg · Kota Manna without a site 10 people ·
  no place at all 5 people 2 kg · received 999 people (left out)
"""
import uuid as uuidlib
from datetime import date, datetime
from types import SimpleNamespace


from tests import factories
from tests.factories import GEBER_PASS, wib
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.forms.services import find_version
from webapp.monev.models import Kegiatan, Program
from webapp.regions.models import Desa
from webapp.sites.models import Site
from webapp.submissions.models import Attachment, Submission


def site(kecamatan_code: str, desa_index: int, name: str) -> Site:
    desa = factories.desa(kecamatan_code, desa_index)
    obj = Site(uuid=uuidlib.uuid4(), name=name, kind="sekolah", desa_id=desa.id, kecamatan_id=desa.kecamatan_id,
               lat=factories.LAT, lon=factories.LON)
    db.session.add(obj)
    db.session.flush()
    return obj


def submission(user, form: str, recorded_at: datetime, answers: dict, review_state: str = "approved",
               site_obj=None, kecamatan_id=None, score=None, kegiatan=None, photos: int = 0,
               review_note=None, flagged=False) -> Submission:
    version = find_version(form, 1)
    obj = Submission(
        uuid=uuidlib.uuid4(), form_version_id=version.id, form_code=form, user_id=user.id,
        site_id=site_obj.id if site_obj else None,
        kecamatan_id=site_obj.kecamatan_id if site_obj else kecamatan_id,
        kegiatan_id=kegiatan.id if kegiatan else None, recorded_at=recorded_at,
        received_at=recorded_at, lat=factories.LAT, lon=factories.LON, accuracy_m=8.0, answers=answers,
        content_hash=uuidlib.uuid4().hex, score=score, status="complete", flags={}, flagged=flagged,
        review_state=review_state, review_note=review_note,
    )
    db.session.add(obj)
    db.session.flush()
    for _n in range(photos):
        db.session.add(Attachment(uuid=uuidlib.uuid4(), submission_id=obj.id, field="foto", sha256="0" * 64,
                                  bytes=100, content_type="image/jpeg", state="pending"))
    db.session.flush()
    return obj


def check(user, site_obj, score: float, at: datetime, review_state: str = "approved", **kwargs) -> Submission:
    return submission(user, "geber_cek", at, dict(GEBER_PASS), review_state, site_obj=site_obj, score=score,
                      **kwargs)


def action(user, at: datetime, peserta: int, kg=None, site_obj=None, kecamatan_id=None,
           review_state: str = "approved") -> Submission:
    answers = {"tanggal": at.date().isoformat(), "jenis_kegiatan": "kerja_bakti", "peserta": peserta, "foto": []}
    if kg is not None:
        answers["sampah_kg"] = kg
    return submission(user, "geber_aksi", at, answers, review_state, site_obj=site_obj, kecamatan_id=kecamatan_id)


def kegiatan(code: str, opd_code: str, pagu: int, target: float, unit: str, sites=(), year: int = 2026) -> Kegiatan:
    owner = factories.opd(opd_code)
    program = Program(code=f"P-{code}", name=f"Program {code}", opd_id=owner.id, fiscal_year=year)
    obj = Kegiatan(code=code, name=f"Kegiatan {code}", program=program, opd_id=owner.id, fiscal_year=year, pagu=pagu,
                   target_indicator="Capaian", target_unit=unit, target_value=target,
                   start_date=date(year, 1, 1), end_date=date(year, 12, 31))
    obj.sites.extend(sites)
    db.session.add(obj)
    db.session.flush()
    return obj


def visit(user, k: Kegiatan, site_obj, at: datetime, progress: float, realisation: int, status: str = "on_track",
          risks=(), output=None, review_state: str = "approved") -> Submission:
    answers = {
        "kegiatan": k.code, "progres_fisik": progress, "realisasi_anggaran": realisation, "status": status,
        "risiko": [{"kategori": c, "uraian": text, "tingkat": level} for c, level, text in risks],
    }
    if output is not None:
        answers["output_capaian"] = output
    return submission(user, "monev_kunjungan", at, answers, review_state, site_obj=site_obj, kegiatan=k)


def followup(title, due, status, created, updated=None, kegiatan_obj=None, site_obj=None, opd_code=None,
             kecamatan_code=None) -> FollowUp:
    obj = FollowUp(
        title=title, due_date=due, status=status, created_at=created, updated_at=updated or created,
        kegiatan_id=kegiatan_obj.id if kegiatan_obj else None, site_id=site_obj.id if site_obj else None,
        assignee_opd_id=factories.opd(opd_code).id if opd_code else None,
        assignee_kecamatan_id=factories.kecamatan(kecamatan_code).id if kecamatan_code else None,
    )
    db.session.add(obj)
    db.session.flush()
    return obj


def build(app) -> SimpleNamespace:
    """Insert the data set; ids and names come back as plain values."""
    with app.app_context():
        monitor = factories.make_user("monitor", kecamatan_code=factories.KOTA_MANNA, username="petugas.mei")
        s1 = site(factories.KOTA_MANNA, 0, "SD Negeri 1 Manna")
        s4 = site(factories.KOTA_MANNA, 0, "Pasar Manna")
        s2 = site(factories.KOTA_MANNA, 1, "Kantor Lurah B")
        s3 = site(factories.PINO, 0, "Masjid Pino")

        k1 = kegiatan("K1", "PUPR", 1_000_000_000, 100, "m", [s1])
        k2 = kegiatan("K2", "PUPR", 500_000_000, 10, "unit", [s2])
        k3 = kegiatan("K3", "DLH", 200_000_000, 5, "unit")
        kegiatan("K4", "DLH", 900_000_000, 1, "unit", year=2025)

        visit(monitor, k1, s1, wib(2026, 4, 20), 30, 250_000_000)
        visit(monitor, k1, s1, wib(2026, 5, 10), 40, 600_000_000, "at_risk", output=35,
              risks=[("pengadaan", "tinggi", "Lelang ulang"), ("cuaca", "sedang", "Hujan deras")])
        visit(monitor, k1, s1, wib(2026, 5, 25), 90, 900_000_000, review_state="received")
        visit(monitor, k1, s1, wib(2026, 6, 2), 95, 950_000_000)
        visit(monitor, k2, s2, wib(2026, 4, 15), 20, 50_000_000, risks=[("anggaran", "rendah", "Revisi DPA")])

        followup("Percepat lelang", date(2026, 5, 20), "open", wib(2026, 5, 11), kegiatan_obj=k1, site_obj=s1,
                 opd_code="PUPR")
        followup("Koordinasi warga", date(2026, 6, 30), "in_progress", wib(2026, 5, 12), kegiatan_obj=k1,
                 kecamatan_code=factories.KOTA_MANNA)
        followup("Revisi DPA", date(2026, 4, 25), "done", wib(2026, 4, 16), updated=wib(2026, 4, 30),
                 kegiatan_obj=k2, opd_code="PUPR")
        followup("Angkut sampah masjid", date(2026, 5, 5), "open", wib(2026, 5, 1), site_obj=s3,
                 kecamatan_code=factories.PINO)

        check(monitor, s1, 80, wib(2026, 5, 3))
        check(monitor, s1, 60, wib(2026, 5, 17))
        check(monitor, s4, 100, wib(2026, 5, 20))
        check(monitor, s4, 10, wib(2026, 5, 21), review_state="received")
        check(monitor, s4, 0, wib(2026, 5, 22), review_state="rejected")
        check(monitor, s1, 50, wib(2026, 4, 10))
        check(monitor, s2, 70, wib(2026, 5, 8))
        check(monitor, s2, 50, wib(2026, 5, 31, 23, 30))
        check(monitor, s2, 100, wib(2026, 6, 1, 0, 10))
        check(monitor, s2, 90, wib(2026, 4, 30, 23, 59))
        check(monitor, s3, 40, wib(2026, 5, 12))

        action(monitor, wib(2026, 5, 5), 25, 120.5, site_obj=s1)
        action(monitor, wib(2026, 5, 6), 10, kecamatan_id=s1.kecamatan_id)
        action(monitor, wib(2026, 5, 7), 5, 2)
        action(monitor, wib(2026, 5, 8), 999, 999, site_obj=s1, review_state="received")
        db.session.commit()
        desa_a, desa_b, desa_c = (db.session.get(Desa, s.desa_id) for s in (s1, s2, s3))
        return SimpleNamespace(
            monitor_id=monitor.id, k1=k1.id, k2=k2.id, k3=k3.id, sites={"s1": s1.id, "s2": s2.id, "s3": s3.id,
                                                                     "s4": s4.id},
            kota_manna=s1.kecamatan_id, pino=s3.kecamatan_id,
            desa_a=desa_a.name, desa_b=desa_b.name, desa_c=desa_c.name,
            desa_a_kind=desa_a.kind, desa_b_kind=desa_b.kind,
        )
