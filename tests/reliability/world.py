"""A small regency seen from one role: objects inside that role's scope and outside it.

Built through the app's own services (fast, no HTTP), for the access matrix and the CSRF tests.
Objects outside a kecamatan/OPD scope carry marker names, so a leak shows up in any response body.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from sqlalchemy import select

from tests import factories
from tests.factories import geber_item, jpeg_bytes, monev_item
from webapp import storage
from webapp.extensions import db
from webapp.reports.models import ReportJob
from webapp.submissions.models import Attachment, Submission
from webapp.types import utcnow

ROLES = ("anon", "admin", "bappeda", "camat", "opd", "monitor")
#: Names of what a camat of Kota Manna, the DLH and a monitor of Kota Manna must never see.
SITE_OUT_NAME = "Lokasi Rahasia Pino"
KEGIATAN_OUT_NAME = "Kegiatan Rahasia PUPR"
FOLLOWUP_OUT_TITLE = "Tindak Lanjut Rahasia Pino"


@dataclass
class World:
    role: str
    username: str | None
    site_in: uuid.UUID = None
    site_out: uuid.UUID = None
    kegiatan_in_code: str = ""
    kegiatan_out_code: str = ""
    sub_in: uuid.UUID = None
    att_in: uuid.UUID = None
    att_in_bytes: bytes = b""
    sub_public: uuid.UUID = None
    monev_in: uuid.UUID = None
    sub_out: uuid.UUID = None
    att_out: uuid.UUID = None
    sub_out_final: uuid.UUID = None
    fu_kec_in: int = 0
    fu_opd_in: int = 0
    fu_out: int = 0
    job_own: uuid.UUID = None
    job_other: uuid.UUID = None
    job_scheduled: uuid.UUID = None
    dlh_id: int = 0
    pupr_id: int = 0
    kota_manna_id: int = 0
    other_user_id: int = 0
    site_in_id: int = 0
    kegiatan_in_id: int = 0
    form_version_id: int = 0
    zero: uuid.UUID = uuid.UUID(int=0)
    markers: list[str] = field(default_factory=list)


def _sync(user, site_uuid, photo: bytes | None = None, item: dict | None = None) -> tuple[Submission, Attachment | None]:
    """Ingest one submission as the phone would, store its photo and run the photo job inline."""
    from webapp.submissions.photos import process_photo, store_attachment
    from webapp.submissions.services import ingest_batch

    item = item or geber_item(site_uuid, photos=[photo])
    outcome = ingest_batch(user, [item])
    assert outcome.results[0].status == "created", outcome.results[0]
    db.session.commit()
    sub = db.session.scalar(select(Submission).where(Submission.uuid == uuid.UUID(item["uuid"])))
    att = None
    if photo is not None:
        att = store_attachment(user, uuid.UUID(item["attachments"][0]["uuid"]), photo)
        db.session.commit()
        process_photo.run_inline(att.id)
        sub.status = "complete"
        db.session.commit()
    return sub, att


def _report(user_id: int | None) -> uuid.UUID:
    job = ReportJob(kind="sites", params={}, user_id=user_id, state="ready", progress=100,
                    result_name="lokasi.csv", finished_at=utcnow())
    db.session.add(job)
    db.session.flush()
    job.result_key = f"reports/{job.uuid.hex}.csv"
    storage.write_bytes(job.result_key, b"nama,desa\n")
    db.session.commit()
    return job.uuid


def _opd_reports(keg_in, keg_out) -> None:
    """DLH's and PUPR's reports: September returned for correction, October submitted."""
    from datetime import date as day

    from webapp.opd_reports import services as opd_reports

    today = day(2026, 11, 15)
    reviewer = factories.make_user("bappeda")
    for kegiatan, opd_code in ((keg_in, "DLH"), (keg_out, "PUPR")):
        author = factories.make_user("opd", opd_code=opd_code)
        values = {"realisation_rp": 1_000_000, "physical_pct": 20.0}
        september = opd_reports.save_report(author, kegiatan, 2026, 9, values, submit=True, today=today)
        opd_reports.return_report(reviewer, september, "Periksa lagi")
        opd_reports.save_report(author, kegiatan, 2026, 10, values, submit=True, today=today)
    db.session.commit()


def build(app: Flask, role: str) -> World:
    """Every object of the matrix; the actor (None for anon) is a fresh user of `role`."""
    from webapp.followups import services as followups
    from webapp.review import services as review
    from webapp.submissions.site_status import refresh_site_status

    with app.app_context():
        scope = {"camat": {"kecamatan_code": factories.KOTA_MANNA}, "monitor": {"kecamatan_code": factories.KOTA_MANNA},
                 "opd": {"opd_code": "DLH"}}.get(role, {})
        actor = factories.make_user(role, **scope) if role != "anon" else None
        monitor_in = actor if role == "monitor" else factories.make_user("monitor", kecamatan_code=factories.KOTA_MANNA)
        monitor_out = factories.make_user("monitor", kecamatan_code=factories.PINO)
        helper = factories.make_user("bappeda")
        other = factories.make_user("bappeda")

        world = World(role=role, username=actor.username if actor else None)
        site_in = factories.make_site(factories.KOTA_MANNA, name="SD Negeri Contoh Manna")
        site_out = factories.make_site(factories.PINO, name=SITE_OUT_NAME)
        keg_in = factories.make_kegiatan("DLH", sites=[site_in], name="Normalisasi saluran Manna")
        keg_out = factories.make_kegiatan("PUPR", sites=[site_out], name=KEGIATAN_OUT_NAME)
        world.site_in, world.site_out, world.kegiatan_in_code = site_in.uuid, site_out.uuid, keg_in.code
        world.kegiatan_out_code = keg_out.code
        world.dlh_id, world.pupr_id = factories.opd("DLH").id, factories.opd("PUPR").id
        world.other_user_id, world.site_in_id, world.kegiatan_in_id = other.id, site_in.id, keg_in.id
        from webapp.forms.models import FormVersion

        world.form_version_id = db.session.scalar(select(FormVersion.id).order_by(FormVersion.id).limit(1))
        world.kota_manna_id = factories.kecamatan(factories.KOTA_MANNA).id

        world.att_in_bytes = jpeg_bytes(120, 90, (10, 120, 200))
        sub_in, att_in = _sync(monitor_in, site_in.uuid, world.att_in_bytes)
        world.sub_in, world.att_in = sub_in.uuid, att_in.uuid
        sub_public, _att = _sync(monitor_in, site_in.uuid, jpeg_bytes(80, 60, (1, 2, 3)))
        review.review(helper, sub_public, "approve")
        world.sub_public = sub_public.uuid
        monev, _none = _sync(monitor_in, site_in.uuid, item=monev_item(site_in.uuid, keg_in.code))
        world.monev_in = monev.uuid
        sub_out, att_out = _sync(monitor_out, site_out.uuid, jpeg_bytes(70, 50, (200, 9, 9)))
        world.sub_out, world.att_out = sub_out.uuid, att_out.uuid
        sub_out_final, _att = _sync(monitor_out, site_out.uuid, jpeg_bytes(72, 50, (9, 200, 9)))
        # Rejected, not approved: a final state that keeps the site off the public map.
        review.review(helper, sub_out_final, "reject", "Foto tidak jelas")
        world.sub_out_final = sub_out_final.uuid
        refresh_site_status(site_in.id, site_out.id)
        db.session.commit()

        due = date(2030, 6, 30)
        evidence = jpeg_bytes(60, 40, (90, 90, 90))
        kec_in = followups.create_followup(helper, {"title": "Bersihkan halaman sekolah", "due_date": due,
                                                    "assignee_kecamatan_id": world.kota_manna_id, "site_id": site_in.id})
        followups.transition(helper, kec_in, "start")
        followups.transition(helper, kec_in, "complete", "Sudah bersih", evidence)
        opd_in = followups.create_followup(helper, {"title": "Angkat sedimen saluran", "due_date": due,
                                                    "assignee_opd_id": world.dlh_id, "site_id": site_in.id})
        followups.transition(helper, opd_in, "start")
        out = followups.create_followup(helper, {"title": FOLLOWUP_OUT_TITLE, "due_date": due, "site_id": site_out.id,
                                                 "assignee_kecamatan_id": factories.kecamatan(factories.PINO).id})
        followups.transition(helper, out, "start")
        followups.transition(helper, out, "complete", "Selesai", evidence)
        db.session.commit()
        world.fu_kec_in, world.fu_opd_in, world.fu_out = kec_in.id, opd_in.id, out.id

        _opd_reports(keg_in, keg_out)
        world.job_own = _report(actor.id if actor else other.id)
        world.job_other = _report(other.id)
        world.job_scheduled = _report(None)
        world.markers = [SITE_OUT_NAME, KEGIATAN_OUT_NAME, FOLLOWUP_OUT_TITLE, str(world.sub_out),
                         str(world.sub_out_final), str(world.att_out), str(world.site_out), str(world.job_other)]
        db.session.remove()
    return world
