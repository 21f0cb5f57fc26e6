"""A known data set for the printed reports (RFK, RKPD evaluation), fiscal year 2026.

PUPR (head Ir. Budi Santoso, NIP 197001011995031001)
  Program 1.03.10 Penyelenggaraan Jalan
    Kegiatan 1.03.10.2.01 Penyelenggaraan Jalan Kabupaten
      S1 1.03.10.2.01.0015 Rehabilitasi Jalan Desa A: pagu 1,000,000,000; target 2 km; DPA plan
         (Oct: 80 %, Rp 700,000,000). Reports (submitted): Mar 5 % Rp 40 jt output 0.1 · Jun 30 % Rp 300 jt 0.5 ·
         Sep 55 % Rp 450 jt 1.0 (pendorong "Cuaca baik", penghambat "Material terlambat", tindakan "Percepat
         pengiriman") · Oct 60 % Rp 500 jt 1.2 ("Hujan deras", "Tambah jam kerja"). Visit 20 Oct: 45 %.
      S2 1.03.10.2.01.0016 Pemeliharaan Jembatan B: pagu 500,000,000; target 4 unit; no plan (straight line
         1 Jan – 31 Dec: Oct 83.2 %, Rp 416,000,000). Reports: Jun 40 % Rp 150 jt 1 · Sep 75 % Rp 350 jt 3 ·
         Oct 85 % Rp 400 jt 3. Visit 21 Oct: 80 %.
DLH
  Program 2.11.03 Pengelolaan Persampahan
    Kegiatan 2.11.03.2.01 Pengelolaan Sampah
      S4 2.11.03.2.01.0002 Pembangunan TPS3R: pagu 200,000,000; target 1 unit; DPA plan (Oct: 50 %,
         Rp 90,000,000). Reports: Sep 40 % Rp 80 jt output 0 (penghambat "Lahan belum siap") · Oct draft only
         (70 %, not counted). Never visited. Follow-up "Percepat lelang" open, due 15 Nov 2026.
Bappeda head: Dr. Siti Aminah, M.Si, NIP 197505052000032002.
"""
from datetime import date, datetime, timezone
from types import SimpleNamespace

from tests import factories
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.forms.services import find_version
from webapp.monev.models import Kegiatan, KegiatanGroup, KegiatanPlan, Program
from webapp.opd_reports.models import OpdReport
from webapp.submissions.models import Submission

import uuid as uuidlib

M = 1_000_000
S1_PLAN = ([0, 0, 5, 10, 20, 30, 40, 50, 65, 80, 90, 100],
           [0, 0, 50 * M, 100 * M, 200 * M, 300 * M, 400 * M, 500 * M, 600 * M, 700 * M, 850 * M, 1000 * M])
S4_PLAN = ([0, 0, 0, 5, 10, 15, 20, 30, 40, 50, 80, 100],
           [0, 0, 0, 10 * M, 20 * M, 30 * M, 40 * M, 60 * M, 75 * M, 90 * M, 150 * M, 200 * M])
HEADS = {"PUPR": ("Ir. Budi Santoso", "197001011995031001"),
         "BAPPEDA": ("Dr. Siti Aminah, M.Si", "197505052000032002")}


def _tree(opd_code, program, group):
    owner = factories.opd(opd_code)
    p = Program(code=program[0], name=program[1], opd_id=owner.id, fiscal_year=2026)
    g = KegiatanGroup(code=group[0], name=group[1], program=p, opd_id=owner.id, fiscal_year=2026)
    db.session.add_all([p, g])
    db.session.flush()
    return owner, p, g


def _sub(owner, p, g, code, name, pagu, target, unit, plan=None) -> Kegiatan:
    k = Kegiatan(code=code, name=name, program_id=p.id, group_id=g.id, opd_id=owner.id, fiscal_year=2026, pagu=pagu,
                 target_indicator=f"Capaian {name}", target_unit=unit, target_value=target,
                 start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    db.session.add(k)
    db.session.flush()
    if plan:
        db.session.add(KegiatanPlan(kegiatan_id=k.id, revision=1, physical_pct=[float(v) for v in plan[0]],
                                    cash=plan[1], pagu=pagu))
    return k


def report(k, month, pct, rp, output, driving=None, problems=None, action=None, state="submitted"):
    db.session.add(OpdReport(kegiatan_id=k.id, opd_id=k.opd_id, year=2026, month=month, state=state,
                             physical_pct=pct, realisation_rp=rp, output_value=output, driving_factors=driving,
                             problems=problems, planned_action=action))


def visit(user, k, day, progress):
    version = find_version("monev_kunjungan", 1)
    at = datetime(2026, 10, day, 3, tzinfo=timezone.utc)
    db.session.add(Submission(
        uuid=uuidlib.uuid4(), form_version_id=version.id, form_code="monev_kunjungan", user_id=user.id,
        kegiatan_id=k.id, recorded_at=at, received_at=at, lat=factories.LAT, lon=factories.LON, accuracy_m=8.0,
        answers={"kegiatan": k.code, "progres_fisik": progress, "status": "on_track", "risiko": []},
        content_hash=uuidlib.uuid4().hex, status="complete", flags={}, review_state="approved"))


def build(app) -> SimpleNamespace:
    with app.app_context():
        monitor = factories.make_user("monitor")
        pupr, p1, g1 = _tree("PUPR", ("1.03.10", "Program Penyelenggaraan Jalan"),
                             ("1.03.10.2.01", "Penyelenggaraan Jalan Kabupaten"))
        s1 = _sub(pupr, p1, g1, "1.03.10.2.01.0015", "Rehabilitasi Jalan Desa A", 1000 * M, 2, "km", S1_PLAN)
        s2 = _sub(pupr, p1, g1, "1.03.10.2.01.0016", "Pemeliharaan Jembatan B", 500 * M, 4, "unit")
        dlh, p2, g2 = _tree("DLH", ("2.11.03", "Program Pengelolaan Persampahan"), ("2.11.03.2.01", "Pengelolaan Sampah"))
        s4 = _sub(dlh, p2, g2, "2.11.03.2.01.0002", "Pembangunan TPS3R", 200 * M, 1, "unit", S4_PLAN)
        report(s1, 3, 5.0, 40 * M, 0.1)
        report(s1, 6, 30.0, 300 * M, 0.5)
        report(s1, 9, 55.0, 450 * M, 1.0, "Cuaca baik", "Material terlambat", "Percepat pengiriman")
        report(s1, 10, 60.0, 500 * M, 1.2, None, "Hujan deras", "Tambah jam kerja")
        report(s2, 6, 40.0, 150 * M, 1)
        report(s2, 9, 75.0, 350 * M, 3)
        report(s2, 10, 85.0, 400 * M, 3)
        report(s4, 9, 40.0, 80 * M, 0, None, "Lahan belum siap")
        report(s4, 10, 70.0, 150 * M, 0, state="draft")
        visit(monitor, s1, 20, 45.0)
        visit(monitor, s2, 21, 80.0)
        db.session.add(FollowUp(title="Percepat lelang", due_date=date(2026, 11, 15), status="open",
                                kegiatan_id=s4.id, assignee_opd_id=dlh.id))
        for code, (name, nip) in HEADS.items():
            owner = factories.opd(code)
            owner.head_name, owner.head_nip = name, nip
        db.session.commit()
        return SimpleNamespace(pupr=pupr.id, dlh=dlh.id, s1=s1.id, s2=s2.id, s4=s4.id)


def many_kegiatan(app, count: int) -> list[str]:
    """`count` more sub kegiatan of DLH under a second programme (pagu Rp 10 jt each, reports for
    September and October at 50 %, Rp 5 jt); a regency report of a few hundred rows. Their codes."""
    with app.app_context():
        owner, p, g = _tree("DLH", ("2.11.04", "Program Pengurangan Sampah"), ("2.11.04.2.01", "Bank Sampah Desa"))
        codes = [f"2.11.04.2.01.{n:04d}" for n in range(1, count + 1)]
        for n, code in enumerate(codes, start=1):
            k = _sub(owner, p, g, code, f"Pendampingan bank sampah desa {n}", 10 * M, 1, "unit")
            for month in (9, 10):
                report(k, month, 50.0, 5 * M, 0.5, problems="Partisipasi warga rendah" if n % 3 == 0 else None)
        db.session.commit()
        return codes


def clear_heads(app) -> None:
    """The OPD table outlives a test: put the heads back as they were (none)."""
    with app.app_context():
        for code in HEADS:
            owner = factories.opd(code)
            owner.head_name = owner.head_nip = None
        db.session.commit()
