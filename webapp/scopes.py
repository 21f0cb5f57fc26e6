"""What each role may read and change. The only place that decides it.

Every query of user data starts from one of the `*_query` functions below, and every
write checks one of the `can_*` predicates. A role missing here sees nothing.
"""
from dataclasses import dataclass

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from webapp.accounts.models import User
from webapp.followups.models import FollowUp
from webapp.monev.models import Kegiatan, kegiatan_site
from webapp.opd_reports.models import OpdReport
from webapp.regions.models import Desa, Kecamatan
from webapp.reports.models import ReportJob
from webapp.sites.models import Site, SiteStatus
from webapp.submissions.models import Submission
from webapp.vocabulary import FormCode

REGENCY_WIDE = ("admin", "bappeda")
REVIEWERS = ("admin", "bappeda", "camat")


class _RegencyReader:
    """Reads what Bappeda reads, for regency-wide work that no request's user runs (the monthly
    evaluation report, built by a job)."""

    role = "bappeda"
    id = opd_id = kecamatan_id = None
    is_authenticated = True


REGENCY_READER = _RegencyReader()


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


def map_scope_key(user: User) -> str:
    """The map data a user shares with others of the same scope: the name of its prebuilt files.

    Two users with the same key see exactly the same sites (`map_scope_sites` of the key)."""
    if user.role in REGENCY_WIDE:
        return "regency"
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        return f"kecamatan:{user.kecamatan_id}"
    if user.role == "monitor":
        return "regency"
    if user.role == "opd" and user.opd_id:
        return f"opd:{user.opd_id}"
    return "none"


#: The scope of the public map's prebuilt files.
PUBLIC_MAP_SCOPE = "public"


def map_scope_sites(key: str) -> Select:
    """The sites of a map scope key, as `sites_query` gives them to its users (the public: approved only)."""
    stmt = select(Site)
    kind, _, value = key.partition(":")
    if kind == "regency":
        return stmt
    if kind == "kecamatan" and value.isdigit():
        return stmt.where(Site.kecamatan_id == int(value))
    if kind == "opd" and value.isdigit():
        return stmt.where(Site.id.in_(_opd_site_ids(int(value))))
    if key == PUBLIC_MAP_SCOPE:
        return public_sites_query()
    return stmt.where(false())


def kegiatan_query(user: User) -> Select:
    stmt = select(Kegiatan)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "opd" and user.opd_id:
        return stmt.where(Kegiatan.opd_id == user.opd_id)
    if user.role in ("camat", "monitor") and user.kecamatan_id:
        # A kegiatan of the kecamatan: the DPA places it there, or one of its sites is there.
        return stmt.where(or_(Kegiatan.kecamatan_id == user.kecamatan_id, _kegiatan_has_site_in(user.kecamatan_id)))
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


def aksi_query(user: User) -> Select:
    """Clean-up actions (geber_aksi) a user may count. An action need not name a site: it then
    belongs to the kecamatan of the monitor who recorded it."""
    stmt = select(Submission).where(Submission.form_code == FormCode.GEBER_ACTION)
    if user.role == "camat" and user.kecamatan_id:
        by = aliased(User)
        recorder = select(by.kecamatan_id).where(by.id == Submission.user_id).scalar_subquery()
        return stmt.where(func.coalesce(Submission.kecamatan_id, recorder) == user.kecamatan_id)
    return stmt.where(Submission.id.in_(submissions_query(user).with_only_columns(Submission.id)))


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


def opd_reports_query(user: User) -> Select:
    """OPD monthly reports: an OPD reads its own only; Bappeda and admin read all."""
    stmt = select(OpdReport)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "opd" and user.opd_id:
        return stmt.where(OpdReport.opd_id == user.opd_id)
    return stmt.where(false())


def can_administer(user: User) -> bool:
    """Users, sites, the DPA and form versions: the admin console."""
    return user.is_authenticated and user.role == "admin"


def can_file_report(user: User, kegiatan: Kegiatan) -> bool:
    """Only the OPD that runs a kegiatan writes its monthly report; Bappeda returns it, never edits it."""
    return user.role == "opd" and user.opd_id is not None and kegiatan.opd_id == user.opd_id


def can_return_report(user: User) -> bool:
    """Bappeda (and admin) send a submitted report back to the OPD for correction."""
    return user.role in REGENCY_WIDE


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


def reviewable_submissions_query(user: User) -> Select:
    """The submissions a user may review: `can_review` as a query, for the review lists."""
    stmt = submissions_query(user)
    if user.role in REGENCY_WIDE:
        return stmt
    if user.role == "camat" and user.kecamatan_id:
        return stmt.where(Submission.form_code.startswith("geber"))
    return stmt.where(false())


def can_create_followup(user: User, source: Submission | None, assignee_kecamatan_id: int | None) -> bool:
    """Bappeda and admin create follow-ups anywhere; a camat from a check they review, for their
    own kecamatan or for an OPD."""
    if user.role in REGENCY_WIDE:
        return True
    if user.role == "camat" and source is not None and can_review(user, source):
        return assignee_kecamatan_id in (None, user.kecamatan_id)
    return False


def can_cancel_followup(user: User, followup: FollowUp) -> bool:
    """Cancelling drops the work, so the assignee alone never decides it: the creator or the regency does."""
    if user.role in REGENCY_WIDE:
        return True
    return followup.created_by_id is not None and followup.created_by_id == user.id


def can_manage_followup(user: User, followup: FollowUp) -> bool:
    """Creators and reviewers manage a follow-up; the assignee works on it."""
    if user.role in REGENCY_WIDE:
        return True
    if user.role == "camat":
        return followup.assignee_kecamatan_id == user.kecamatan_id
    if user.role == "opd":
        return followup.assignee_opd_id == user.opd_id
    return False


def can_verify_followup(user: User, followup: FollowUp) -> bool:
    """Bappeda (and admin) judge the work reported done: verify it, or reopen it with a reason."""
    return user.role in REGENCY_WIDE


def can_assign_followup_owner(user: User, followup: FollowUp) -> bool:
    """The regency, the creator, or a user of the assignee unit (the head delegating) names the owner."""
    if user.role in REGENCY_WIDE:
        return True
    if followup.created_by_id is not None and followup.created_by_id == user.id:
        return True
    return can_manage_followup(user, followup)


def can_run_rakor(user: User) -> bool:
    """Rakor mode (the monthly coordination meeting on the projector) is Bappeda's and the admin's."""
    return user.is_authenticated and user.role in REGENCY_WIDE


#: Which desk pages each role opens; the figures on them are scoped by the queries above regardless.
DESK_ROLES = {
    "camat": ("camat", *REGENCY_WIDE),
    "bappeda": REGENCY_WIDE,
    "opd": ("opd", *REGENCY_WIDE),
    "review": REVIEWERS,
    "followups": ("camat", "opd", *REGENCY_WIDE),
}


def can_open_desk(user: User, desk: str) -> bool:
    return user.role in DESK_ROLES.get(desk, ())


def is_regency_wide(user: User) -> bool:
    return user.role in REGENCY_WIDE


def public_sites_query() -> Select:
    """What anyone may see without logging in: sites with an approved GEBER score, nothing else."""
    return select(Site).join(SiteStatus, SiteStatus.site_id == Site.id).where(SiteStatus.approved_score.is_not(None))


#: Reports and exports: Bappeda and admin everything; a camat exports within their kecamatan only
#: (the exports read through submissions_query / sites_query) and gets the GEBER summary of it;
#: an OPD gets the RFK and the RKPD evaluation of its own kegiatan.
CAMAT_REPORT_KINDS = ("geber_weekly", "submissions", "sites", "photos")
OPD_REPORT_KINDS = ("rfk", "rkpd_evaluation")


def can_use_reports(user: User) -> bool:
    return (user.role in REGENCY_WIDE or (user.role == "camat" and user.kecamatan_id is not None)
            or (user.role == "opd" and user.opd_id is not None))


def can_request_report(user: User, kind: str) -> bool:
    if user.role in REGENCY_WIDE:
        return True
    if not can_use_reports(user):
        return False
    return kind in (OPD_REPORT_KINDS if user.role == "opd" else CAMAT_REPORT_KINDS)


def can_request_report_for_opd(user: User, opd_id: int | None) -> bool:
    """An OPD-limited report (RFK, RKPD evaluation): regency-wide roles for any OPD or the whole
    regency (None); an OPD user for its own OPD only."""
    if user.role in REGENCY_WIDE:
        return True
    return user.role == "opd" and user.opd_id is not None and opd_id == user.opd_id


def can_edit_rkpd_narrative(user: User, opd_id: int | None) -> bool:
    """The narrative under an OPD's RKPD evaluation (factors, follow-ups): Bappeda and admin for
    any OPD, an OPD user for its own only."""
    if opd_id is None or not user.is_authenticated:
        return False
    if user.role in REGENCY_WIDE:
        return True
    return user.role == "opd" and user.opd_id is not None and opd_id == user.opd_id


def report_jobs_query(user: User) -> Select:
    """A user's own report jobs; the regency-wide roles also see the scheduled ones (no owner),
    and an OPD the scheduled reports of its own OPD."""
    stmt = select(ReportJob)
    if user.role in REGENCY_WIDE:
        return stmt.where(or_(ReportJob.user_id == user.id, ReportJob.user_id.is_(None)))
    if user.role == "opd" and user.opd_id is not None:
        return stmt.where(or_(ReportJob.user_id == user.id,
                              (ReportJob.user_id.is_(None)) & (ReportJob.opd_id == user.opd_id)))
    if can_use_reports(user):
        return stmt.where(ReportJob.user_id == user.id)
    return stmt.where(false())


@dataclass(frozen=True)
class ReportReader:
    """The scope a report job reads in when it is built for an OPD or for the regency rather than
    for a person (a scheduled run, or a file shared by everyone who asks for the same report):
    exactly what an OPD user, or Bappeda, would read through the queries above."""

    role: str
    opd_id: int | None = None
    kecamatan_id: int | None = None
    id: int | None = None


def report_reader(opd_id: int | None) -> ReportReader:
    """The reader of a report limited to `opd_id`, or of the whole regency when None."""
    return ReportReader("opd", opd_id) if opd_id is not None else ReportReader("bappeda")
