"""What each role may read and change. The only place that decides it.

Every query of user data starts from one of the `*_query` functions below, and every
write checks one of the `can_*` predicates. A role missing here sees nothing.
"""
from sqlalchemy import Select, exists, false, or_, select

from webapp.accounts.models import User
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan, kegiatan_site
from webapp.regions.models import Desa, Kecamatan
from webapp.sites.models import Site
from webapp.submissions.models import Submission

REGENCY_WIDE = ("admin", "bappeda")
REVIEWERS = ("admin", "bappeda", "camat")


def _kegiatan_has_site_in(kecamatan_id: int):
    return exists(
        select(kegiatan_site.c.kegiatan_id)
        .join(Site, Site.id == kegiatan_site.c.site_id)
        .where(kegiatan_site.c.kegiatan_id == Kegiatan.id, Site.kecamatan_id == kecamatan_id)
    )


def _opd_site_ids(opd_id: int):
    return (
        select(kegiatan_site.c.site_id)
        .join(Kegiatan, Kegiatan.id == kegiatan_site.c.kegiatan_id)
        .where(Kegiatan.opd_id == opd_id)
    )


def kecamatan_query(user: User) -> Select:
    stmt = select(Kecamatan).order_by(Kecamatan.code)
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        return stmt.where(Kecamatan.id == user.kecamatan_id)
    if user.role in (*REGENCY_WIDE, "monitor", "opd"):
        return stmt
    return stmt.where(false())


def desa_query(user: User) -> Select:
    stmt = select(Desa).order_by(Desa.code)
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        return stmt.where(Desa.kecamatan_id == user.kecamatan_id)
    if user.role in (*REGENCY_WIDE, "monitor", "opd"):
        return stmt
    return stmt.where(false())


def sites_query(user: User) -> Select:
    stmt = select(Site)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        return stmt.where(Site.kecamatan_id == user.kecamatan_id)
    if user.role == "monitor":
        return stmt
    if user.role == "opd" and user.opd_id:
        return stmt.where(Site.id.in_(_opd_site_ids(user.opd_id)))
    return stmt.where(false())


def kegiatan_query(user: User) -> Select:
    stmt = select(Kegiatan)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "opd" and user.opd_id:
        return stmt.where(Kegiatan.opd_id == user.opd_id)
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        return stmt.where(_kegiatan_has_site_in(user.kecamatan_id))
    if user.role == "monitor":
        return stmt
    return stmt.where(false())


def submissions_query(user: User) -> Select:
    stmt = select(Submission)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "camat" and user.kecamatan_id:
        return stmt.where(Submission.kecamatan_id == user.kecamatan_id)
    if user.role == "opd" and user.opd_id:
        return stmt.where(Submission.kegiatan_id.in_(select(Kegiatan.id).where(Kegiatan.opd_id == user.opd_id)))
    if user.role == "monitor":
        return stmt.where(Submission.user_id == user.id)
    return stmt.where(false())


def followups_query(user: User) -> Select:
    stmt = select(FollowUp)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "camat" and user.kecamatan_id:
        return stmt.where(
            or_(
                FollowUp.assignee_kecamatan_id == user.kecamatan_id,
                FollowUp.site_id.in_(select(Site.id).where(Site.kecamatan_id == user.kecamatan_id)),
            )
        )
    if user.role == "opd" and user.opd_id:
        return stmt.where(
            or_(
                FollowUp.assignee_opd_id == user.opd_id,
                FollowUp.kegiatan_id.in_(select(Kegiatan.id).where(Kegiatan.opd_id == user.opd_id)),
            )
        )
    return stmt.where(false())


def can_create_site_in(user: User, desa: Desa) -> bool:
    """A monitor posted to a kecamatan adds sites there only; regency-wide roles anywhere."""
    if user.role in REGENCY_WIDE:
        return True
    if user.role == "monitor" and user.kecamatan_id is None:
        return True
    if user.role in ("camat", "monitor"):
        return desa.kecamatan_id == user.kecamatan_id
    return False


def can_submit(user: User) -> bool:
    return user.role in ("monitor", "camat", "bappeda", "admin")


def can_review(user: User, submission: Submission) -> bool:
    """Camat review GEBER checks in their kecamatan; Bappeda and admin review everything."""
    if user.role in REGENCY_WIDE:
        return True
    if user.role == "camat":
        return submission.form_code.startswith("geber") and submission.kecamatan_id == user.kecamatan_id
    return False


def can_manage_followup(user: User, followup: FollowUp) -> bool:
    """Creators and reviewers manage a follow-up; the assignee works on it."""
    if user.role in REGENCY_WIDE:
        return True
    if user.role == "camat":
        return followup.assignee_kecamatan_id == user.kecamatan_id
    if user.role == "opd":
        return followup.assignee_opd_id == user.opd_id
    return False


def is_regency_wide(user: User) -> bool:
    return user.role in REGENCY_WIDE
