"""Follow-up (tindak lanjut) rules: creation, owners, the state machine, lateness, evidence photos.

open → in_progress → done (resolution note + evidence photo) → verified (Bappeda);
done or verified → reopened (Bappeda, with a reason) → done again;
open, in progress or reopened → cancelled (reason). Verified and cancelled are final unless
reopened. The day the work was reported done is kept; a follow-up done after its due date stays
late. Every change is audited. Services flush; the caller commits.
"""
import io
import uuid as uuidlib
import warnings
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import and_, func, or_, select

from webapp import audit, scopes, storage
from webapp.accounts.models import Opd, User
from webapp.domain_errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from webapp.extensions import db
from webapp.followups import notices
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan
from webapp.notifications import services as notifications
from webapp.regions.models import Kecamatan
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.thresholds import WIB
from webapp.types import utcnow
from webapp.vocabulary import COMPLETED_FOLLOWUP_STATES, OPEN_FOLLOWUP_STATES, FollowUpState, FormCode, Role

#: action → (states it may start from, state it leads to)
ACTIONS = {
    "start": ((FollowUpState.OPEN,), FollowUpState.IN_PROGRESS),
    "complete": ((FollowUpState.IN_PROGRESS, FollowUpState.REOPENED), FollowUpState.DONE),
    "verify": ((FollowUpState.DONE,), FollowUpState.VERIFIED),
    "reopen": (COMPLETED_FOLLOWUP_STATES, FollowUpState.REOPENED),
    "cancel": (OPEN_FOLLOWUP_STATES, FollowUpState.CANCELLED),
}
#: Actions that need a note: the resolution, the reason for reopening or cancelling.
NOTE_REQUIRED = ("complete", "reopen", "cancel")
#: Actions only the regency (Bappeda, admin) takes: judging the work reported done.
REGENCY_ACTIONS = ("verify", "reopen")
#: A visit's recommendation without a due date gets this many days from its approval.
DEFAULT_DUE_DAYS = 30
TEXT_MAX = 2000
TITLE_MAX = 300
#: Evidence photos are re-encoded to at most this size on the longest side.
EVIDENCE_MAX_SIDE = 1600

def today_wib(now: datetime | None = None) -> date:
    """Today's date in Asia/Jakarta: a due date is a local calendar day."""
    now = now or datetime.now(WIB)
    return now.astimezone(WIB).date()


def is_overdue(followup: FollowUp, today: date | None = None) -> bool:
    """Still open or in progress after its due date."""
    today = today or today_wib()
    return followup.status in OPEN_FOLLOWUP_STATES and followup.due_date < today


def overdue_clause(today: date | None = None):
    """`is_overdue` as an SQL condition."""
    today = today or today_wib()
    return and_(FollowUp.status.in_(OPEN_FOLLOWUP_STATES), FollowUp.due_date < today)


def is_late(followup: FollowUp, today: date | None = None) -> bool:
    """"Lewat tenggat": reported done after its due date (and it stays so once verified), or
    still waiting for work after it."""
    if followup.status in COMPLETED_FOLLOWUP_STATES:
        return bool(followup.completed_late)
    return is_overdue(followup, today)


def late_clause(today: date | None = None):
    """`is_late` as an SQL condition."""
    return or_(and_(FollowUp.status.in_(COMPLETED_FOLLOWUP_STATES), FollowUp.completed_late.is_(True)),
               overdue_clause(today))


def completed_on(followup: FollowUp) -> date | None:
    """The WIB calendar day the work was reported done."""
    return followup.completed_at.astimezone(WIB).date() if followup.completed_at else None


def owner_candidates(assignee_opd_id: int | None = None, assignee_kecamatan_id: int | None = None):
    """The query of users who may own a follow-up of this unit: the active OPD accounts of an OPD,
    the active camat of a kecamatan."""
    return notifications.unit_members(assignee_opd_id, assignee_kecamatan_id)


def owner_candidates_of_opds():
    """The query of every user who may own an OPD's follow-up (`owner_candidates` of all OPDs at once)."""
    return select(User).where(User.active.is_(True), User.role == Role.OPD, User.opd_id.is_not(None)).order_by(
        User.full_name, User.id)


def check_owner(owner_id, assignee_opd_id: int | None, assignee_kecamatan_id: int | None) -> User | None:
    """The owner named by `owner_id` when it is a user of the assignee unit; Invalid otherwise."""
    if owner_id in (None, ""):
        return None
    owner = db.session.get(User, owner_id) if isinstance(owner_id, int) else None
    candidates = owner_candidates(assignee_opd_id, assignee_kecamatan_id)
    if owner is None or db.session.scalar(candidates.where(User.id == owner.id).with_only_columns(User.id)) is None:
        raise Invalid(errors={"owner_id": [str(_l(
            "Penanggung jawab harus pengguna aktif dari OPD atau kecamatan yang ditugasi."))]})
    return owner


def _check_link(errors: dict, kegiatan_id, site_id, opd_id) -> None:
    """A follow-up may point at a kegiatan (of the assignee OPD, when an OPD is assigned) and a site."""
    if kegiatan_id:
        kegiatan = db.session.get(Kegiatan, kegiatan_id) if isinstance(kegiatan_id, int) else None
        if kegiatan is None:
            errors["kegiatan_id"] = [str(_l("Kegiatan tidak dikenal."))]
        elif opd_id and kegiatan.opd_id != opd_id:
            errors["kegiatan_id"] = [str(_l("Kegiatan ini bukan milik OPD yang ditugasi."))]
    if site_id:
        from webapp.sites.models import Site

        if not isinstance(site_id, int) or db.session.get(Site, site_id) is None:
            errors["site_id"] = [str(_l("Lokasi tidak dikenal."))]


def counts_by_status(user, today: date | None = None, **filters) -> dict:
    """Counts of the user's follow-ups per status, and how many are overdue."""
    stmt = scopes.followups_query(user).filter_by(**filters)
    counts = dict(db.session.execute(
        stmt.with_only_columns(FollowUp.status, func.count()).group_by(FollowUp.status)
    ).all())
    return {
        "by_status": {state: counts.get(state, 0) for state in FollowUpState},
        "overdue": db.session.scalar(select(func.count()).select_from(
            stmt.where(overdue_clause(today or today_wib())).order_by(None).subquery())) or 0,
    }


def due_within(user, today: date, days: int) -> int:
    """How many of the user's follow-ups still waiting for work fall due in the next `days` days."""
    stmt = scopes.followups_query(user).where(FollowUp.status.in_(OPEN_FOLLOWUP_STATES),
                                              FollowUp.due_date >= today, FollowUp.due_date <= today + timedelta(days=days))
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _snapshot(followup: FollowUp) -> dict:
    return {
        "status": followup.status,
        "resolution": followup.resolution,
        "evidence_key": followup.evidence_key,
        "due_date": followup.due_date.isoformat() if followup.due_date else None,
        "assignee_opd_id": followup.assignee_opd_id,
        "assignee_kecamatan_id": followup.assignee_kecamatan_id,
        "owner_id": followup.owner_id,
        "completed_at": followup.completed_at.isoformat() if followup.completed_at else None,
        "completed_late": bool(followup.completed_late),
        "reopen_reason": followup.reopen_reason,
        "rakor_month": followup.rakor_month,
    }


def _clean_text(value, field: str, errors: dict, required: bool, limit: int = TEXT_MAX) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[field] = [str(_l("Harus berupa teks."))]
        return None
    if required and not text:
        errors[field] = [str(_l("Wajib diisi."))]
    elif len(text) > limit:
        errors[field] = [str(_l("Paling banyak %(n)s karakter.", n=limit))]
    return text or None


def create_followup(user, data: dict, source: Submission | None = None) -> FollowUp:
    """Create a follow-up assigned to exactly one OPD or one kecamatan, with a due date.

    `data`: title, description, assignee_opd_id | assignee_kecamatan_id, due_date (date), and
    optionally owner_id (a user of that unit), site_id/kegiatan_id (taken from `source` when it is
    given) and rakor_month ("YYYY-MM" of the Rakor that decided it).
    """
    errors: dict = {}
    title = _clean_text(data.get("title"), "title", errors, required=True, limit=TITLE_MAX)
    description = _clean_text(data.get("description"), "description", errors, required=False)
    opd_id, kecamatan_id = data.get("assignee_opd_id"), data.get("assignee_kecamatan_id")
    if bool(opd_id) == bool(kecamatan_id):
        errors["assignee"] = [str(_l("Pilih tepat satu penanggung jawab: satu OPD atau satu kecamatan."))]
    elif opd_id and db.session.get(Opd, opd_id) is None:
        errors["assignee"] = [str(_l("OPD tidak dikenal."))]
    elif kecamatan_id and db.session.get(Kecamatan, kecamatan_id) is None:
        errors["assignee"] = [str(_l("Kecamatan tidak dikenal."))]
    due = data.get("due_date")
    if not isinstance(due, date):
        errors["due_date"] = [str(_l("Tenggat wajib diisi."))]
    site_id = source.site_id if source else data.get("site_id")
    kegiatan_id = source.kegiatan_id if source else (data.get("kegiatan_id") or _kegiatan_by_code(
        data.get("kegiatan_code"), opd_id, errors))
    _check_link(errors, kegiatan_id, site_id, opd_id)
    if errors:
        raise Invalid(errors=errors)
    if not scopes.can_create_followup(user, source, kecamatan_id or None):
        raise Forbidden(str(_l("Anda tidak berhak membuat tindak lanjut ini.")))
    owner = check_owner(data.get("owner_id"), opd_id or None, kecamatan_id or None)
    followup = FollowUp(
        title=title,
        description=description,
        source_submission_id=source.id if source else None,
        site_id=site_id or None,
        kegiatan_id=kegiatan_id or None,
        assignee_opd_id=opd_id or None,
        assignee_kecamatan_id=kecamatan_id or None,
        owner_id=owner.id if owner else None,
        due_date=due,
        status=FollowUpState.OPEN,
        rakor_month=data.get("rakor_month") or None,
        created_by_id=user.id,
    )
    db.session.add(followup)
    db.session.flush()
    audit.record(user, "followup.create", "followup", followup.id, None, _snapshot(followup))
    _notify_owner(followup)
    return followup


def _kegiatan_by_code(code, opd_id, errors: dict) -> int | None:
    """The kegiatan a form names by its code: the newest fiscal year's, of the assignee OPD when one is."""
    code = (code or "").strip() if isinstance(code, str) else ""
    if not code:
        return None
    stmt = select(Kegiatan.id).where(Kegiatan.code == code)
    if opd_id:
        stmt = stmt.where(Kegiatan.opd_id == opd_id)
    found = db.session.scalar(stmt.order_by(Kegiatan.fiscal_year.desc()).limit(1))
    if found is None:
        errors["kegiatan_code"] = [str(_l("Tidak ada kegiatan dengan kode ini pada OPD yang ditugasi."))]
    return found


def owner_choices() -> list[tuple[str, str]]:
    """Every user who may own a follow-up, labelled with their unit, for a select."""
    rows = db.session.execute(
        select(User.id, User.full_name, Opd.short_name, Kecamatan.name)
        .outerjoin(Opd, Opd.id == User.opd_id).outerjoin(Kecamatan, Kecamatan.id == User.kecamatan_id)
        .where(User.active.is_(True), or_(and_(User.role == Role.OPD, User.opd_id.is_not(None)),
                                          and_(User.role == Role.CAMAT, User.kecamatan_id.is_not(None))))
        .order_by(Opd.short_name, Kecamatan.name, User.full_name)
    ).all()
    return [(str(uid), f"{name} — {opd or str(_l('Kecamatan')) + ' ' + (kec or '')}") for uid, name, opd, kec in rows]


def assign_owner(user, followup: FollowUp, owner_id) -> FollowUp:
    """Name (or change) the person who answers for a follow-up: Bappeda, its creator, or a user of
    the assignee unit may; the owner must be a user of that unit."""
    if not scopes.can_assign_followup_owner(user, followup):
        raise Forbidden(str(_l("Anda tidak berhak menunjuk penanggung jawab tindak lanjut ini.")))
    if followup.status not in OPEN_FOLLOWUP_STATES:
        raise Conflict(str(_l("Penanggung jawab hanya dapat diganti selama tindak lanjut belum selesai.")),
                       code="illegal_transition")
    owner = check_owner(owner_id, followup.assignee_opd_id, followup.assignee_kecamatan_id)
    if owner is None:
        raise Invalid(errors={"owner_id": [str(_l("Pilih penanggung jawab."))]})
    if owner.id == followup.owner_id:
        return followup
    before = _snapshot(followup)
    followup.owner_id = owner.id
    db.session.flush()
    audit.record(user, "followup.assign", "followup", followup.id, before, _snapshot(followup))
    _notify_owner(followup)
    return followup


def _notify_owner(followup: FollowUp) -> None:
    if followup.owner_id:
        notices.assigned(followup)


def _opd_from_answer(value) -> Opd | None:
    """The visit form's penanggung_jawab names an OPD by code (its options come from the OPD list)."""
    if not isinstance(value, str) or not value.strip():
        return None
    opd = db.session.scalar(select(Opd).where(Opd.code == value.strip()))
    if opd is None and value.strip().isdigit():
        opd = db.session.get(Opd, int(value.strip()))
    return opd


def recommendation_of(submission: Submission) -> dict | None:
    """What a monitoring visit recommends: text, owner (OPD) and due date, or None."""
    if submission.form_code != FormCode.MONEV_VISIT:
        return None
    answers = submission.answers or {}
    text = answers.get("rekomendasi")
    if not isinstance(text, str) or not text.strip():
        return None
    owner = _opd_from_answer(answers.get("penanggung_jawab"))
    if owner is None and submission.kegiatan_id:
        kegiatan = db.session.get(Kegiatan, submission.kegiatan_id)
        owner = db.session.get(Opd, kegiatan.opd_id) if kegiatan else None
    due = None
    try:
        due = date.fromisoformat(answers["tenggat"]) if answers.get("tenggat") else None
    except (TypeError, ValueError):
        due = None
    return {"text": text.strip(), "opd": owner, "due_date": due}


def create_from_visit(user, submission: Submission) -> FollowUp | None:
    """Turn an approved visit's recommendation into a follow-up, once per visit."""
    rec = recommendation_of(submission)
    if rec is None or rec["opd"] is None:
        return None
    existing = db.session.scalar(select(FollowUp.id).where(FollowUp.source_submission_id == submission.id).limit(1))
    if existing is not None:
        return None
    title = rec["text"] if len(rec["text"]) <= 120 else rec["text"][:117].rstrip() + "…"
    followup = FollowUp(
        title=title,
        description=rec["text"],
        source_submission_id=submission.id,
        site_id=submission.site_id,
        kegiatan_id=submission.kegiatan_id,
        assignee_opd_id=rec["opd"].id,
        owner_id=_kegiatan_owner(submission.kegiatan_id, rec["opd"].id),
        due_date=rec["due_date"] or today_wib() + timedelta(days=DEFAULT_DUE_DAYS),
        status=FollowUpState.OPEN,
        created_by_id=user.id,
    )
    db.session.add(followup)
    db.session.flush()
    audit.record(user, "followup.create", "followup", followup.id, None,
                 {**_snapshot(followup), "from_visit": str(submission.uuid)})
    _notify_owner(followup)
    return followup


def _kegiatan_owner(kegiatan_id: int | None, opd_id: int) -> int | None:
    """A visit's recommendation goes to the OPD's only account when it has exactly one; otherwise
    the OPD names the owner."""
    ids = list(db.session.scalars(owner_candidates(opd_id).with_only_columns(User.id).limit(2)))
    return ids[0] if len(ids) == 1 else None


def store_evidence(data: bytes) -> str:
    """Decode, re-encode and store an evidence photo; returns its storage key.

    The uploaded bytes are never kept: Pillow decodes them (with its decompression-bomb limit
    on) and a fresh JPEG is written under a server-generated name.
    """
    limit = current_app.config["MAX_PHOTO_BYTES"]
    if not data:
        raise Invalid(errors={"photo": [str(_l("Foto bukti wajib dilampirkan."))]})
    if len(data) > limit:
        message = _l("Foto terlalu besar (maksimal %(mb)s MB).", mb=limit // (1024 * 1024))
        raise TooLarge(errors={"photo": [str(message)]})
    try:
        with warnings.catch_warnings():
            # A picture past Pillow's pixel limit is refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "PNG", "WEBP"):
                    raise Invalid(errors={"photo": [str(_l("Foto harus JPEG, PNG, atau WebP."))]})
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
                image.thumbnail((EVIDENCE_MAX_SIDE, EVIDENCE_MAX_SIDE))
                out = io.BytesIO()
                image.save(out, "JPEG", quality=82)  # no optimize: a second pass for a few per cent
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(errors={"photo": [str(_l("Gambar terlalu besar (dimensinya melebihi batas)."))]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(errors={"photo": [str(_l("Berkas ini bukan gambar yang dapat dibaca."))]}) from None
    today = today_wib()
    key = f"followups/{today:%Y/%m}/{uuidlib.uuid4().hex}.jpg"
    storage.write_bytes(key, out.getvalue())
    return key


def transition(user, followup: FollowUp, action: str, note: str | None = None, photo: bytes | None = None) -> FollowUp:
    """Move a follow-up along its state machine; 403 outside the user's rights, 409 from a wrong state."""
    if action not in ACTIONS:
        raise Invalid(errors={"action": [str(_l("Tindakan tidak dikenal."))]})
    if not _may(user, followup, action):
        raise Forbidden(str(_l("Anda tidak berhak mengubah tindak lanjut ini.")))
    sources, target = ACTIONS[action]
    if followup.status not in sources:
        raise Conflict(
            str(_l("Tindak lanjut berstatus \u201c%(state)s\u201d tidak dapat diubah dengan cara ini.",
                   state=FollowUpState.label_of(followup.status))),
            code="illegal_transition",
        )
    errors: dict = {}
    text = _clean_text(note, "note", errors, required=action in NOTE_REQUIRED)
    if action == "complete" and not photo:
        errors["photo"] = [str(_l("Foto bukti wajib dilampirkan."))]
    if errors:
        raise Invalid(errors=errors)
    before = _snapshot(followup)
    _apply(user, followup, action, text, photo)
    followup.status = target
    db.session.flush()
    audit.record(user, "followup.transition", "followup", followup.id, before,
                 {**_snapshot(followup), "action": action, **({"note": text} if text else {})})
    notices.moved(followup, action, user)
    return followup


def _apply(user, followup: FollowUp, action: str, text: str | None, photo: bytes | None) -> None:
    """What each action changes besides the state."""
    if action == "complete":
        followup.evidence_key = store_evidence(photo)
        followup.resolution = text
        followup.completed_at = utcnow()
        followup.completed_late = completed_on(followup) > followup.due_date
        followup.verified_at, followup.verified_by_id = None, None
    elif action == "cancel":
        followup.resolution = text
    elif action == "verify":
        followup.verified_at, followup.verified_by_id = utcnow(), user.id
    elif action == "reopen":
        followup.reopen_reason = text
        followup.completed_at, followup.completed_late = None, False
        followup.verified_at, followup.verified_by_id = None, None


def _may(user, followup: FollowUp, action: str) -> bool:
    if action == "cancel":
        return scopes.can_cancel_followup(user, followup)
    if action in REGENCY_ACTIONS:
        return scopes.can_verify_followup(user, followup)
    return scopes.can_manage_followup(user, followup)


def allowed_actions(user, followup: FollowUp) -> list[str]:
    """The actions this user may take on the follow-up now (for buttons and forms)."""
    return [action for action, (sources, _target) in ACTIONS.items()
            if followup.status in sources and _may(user, followup, action)]


def get_visible(user, followup_id: int) -> FollowUp:
    """A follow-up in the user's scope; 404 when absent or outside it."""
    followup = db.session.scalar(scopes.followups_query(user).where(FollowUp.id == followup_id))
    if followup is None:
        raise NotFound()
    return followup


def source_for(user, text: str | None) -> Submission | None:
    """The submission a follow-up is made from, named by its UUID in a form (none when empty);
    NotFound when the text is no UUID or the submission lies outside the user's scope."""
    if not text:
        return None
    try:
        uuid = uuidlib.UUID(text)
    except ValueError:
        raise NotFound() from None
    return submissions.get_visible(user, uuid)


def listing(user, status: str, limit: int = 200) -> list[FollowUp]:
    """The user's follow-ups for the list page: "aktif" (open or in progress), "terlambat"
    (overdue) or one state; soonest due first."""
    stmt = scopes.followups_query(user)
    if status == "aktif":
        stmt = stmt.where(FollowUp.status.in_(OPEN_FOLLOWUP_STATES))
    elif status == "terlambat":
        stmt = stmt.where(overdue_clause())
    elif status == "lewat":
        stmt = stmt.where(late_clause())
    elif status == "saya":
        stmt = stmt.where(FollowUp.owner_id == user.id, FollowUp.status.in_(OPEN_FOLLOWUP_STATES))
    elif status in FollowUpState.values():
        stmt = stmt.where(FollowUp.status == status)
    return list(db.session.scalars(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(limit)))


def made_from(user, submission: Submission) -> list[FollowUp]:
    """The follow-ups in the user's scope that were made from this submission."""
    return list(db.session.scalars(scopes.followups_query(user).where(FollowUp.source_submission_id == submission.id)))


def history(followup: FollowUp) -> list[audit.AuditEvent]:
    return list(db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.object_type == "followup", audit.AuditEvent.object_id == str(followup.id))
        .order_by(audit.AuditEvent.created_at, audit.AuditEvent.id)
    ))



def for_kegiatan(user, kegiatan_ids) -> dict[int, list[FollowUp]]:
    """The follow-ups in the user's scope linked to these kegiatan (a list or a select of ids),
    by kegiatan id, soonest due first; one query whatever the number of kegiatan."""
    stmt = (scopes.followups_query(user).where(FollowUp.kegiatan_id.in_(kegiatan_ids))
            .order_by(FollowUp.kegiatan_id, FollowUp.due_date, FollowUp.id))
    found: dict[int, list[FollowUp]] = {}
    for followup in db.session.scalars(stmt):
        found.setdefault(followup.kegiatan_id, []).append(followup)
    return found


def fingerprint(user, kegiatan_ids) -> tuple:
    """(count, newest change, highest id) of the follow-ups `for_kegiatan` reads: it changes
    whenever one of them is created, changed or deleted."""
    stmt = scopes.followups_query(user).where(FollowUp.kegiatan_id.in_(kegiatan_ids)).order_by(None)
    row = db.session.execute(stmt.with_only_columns(func.count(), func.max(FollowUp.updated_at),
                                                    func.max(FollowUp.id))).one()
    return tuple(row)
