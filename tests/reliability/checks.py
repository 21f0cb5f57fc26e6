"""What the database and the storage root must look like after a fault: the Jepsen set checks."""
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.sites.models import Site
from webapp.submissions.models import Attachment, Submission
from webapp.submissions.photos import display_key, thumb_key


@dataclass
class SetCounts:
    """Acknowledged-but-missing, stored twice, stored-but-never-sent."""

    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    unexpected: int

    def line(self, label: str) -> str:
        return (f"[{label}] acknowledged={self.acknowledged} stored={self.stored} "
                f"lost={self.lost} duplicated={self.duplicated} unexpected={self.unexpected}")


def set_counts(sent: set[str], acknowledged: set[str]) -> SetCounts:
    stored = Counter(str(u) for u in db.session.scalars(select(Submission.uuid)))
    return SetCounts(
        acknowledged=len(acknowledged),
        stored=sum(stored.values()),
        lost=len(acknowledged - set(stored)),
        duplicated=sum(1 for n in stored.values() if n > 1),
        unexpected=len(set(stored) - sent),
    )


def half_written(declared: dict[str, set[str]], preexisting_sites: set[int]) -> list[str]:
    """Every problem found: a submission missing declared attachments, an attachment without its
    submission, a site made by a sync that stored no submission for it."""
    problems = []
    rows = db.session.execute(select(Submission.uuid, Attachment.uuid).outerjoin(Attachment)).all()
    stored: dict[str, set[str]] = {}
    for sub_uuid, att_uuid in rows:
        stored.setdefault(str(sub_uuid), set())
        if att_uuid is not None:
            stored[str(sub_uuid)].add(str(att_uuid))
    for sub_uuid, attachments in stored.items():
        if sub_uuid in declared and attachments != declared[sub_uuid]:
            problems.append(f"submission {sub_uuid}: attachments {sorted(attachments)} != declared {sorted(declared[sub_uuid])}")
    orphans = db.session.scalar(
        select(func.count(Attachment.id)).outerjoin(Submission, Submission.id == Attachment.submission_id)
        .where(Submission.id.is_(None)))
    if orphans:
        problems.append(f"{orphans} attachment rows without a submission")
    lonely = db.session.scalars(
        select(Site.uuid).outerjoin(Submission, Submission.site_id == Site.id)
        .where(Submission.id.is_(None), Site.id.not_in(preexisting_sites or {-1}))).all()
    if lonely:
        problems.append(f"sites created without a submission: {sorted(map(str, lonely))}")
    return problems


def storage_problems(storage_root: Path) -> tuple[list[str], list[str]]:
    """(orphans, missing): files no attachment row accounts for, and files a row promises but lacks."""
    expected: set[str] = set()
    promised: set[str] = set()
    for att in db.session.scalars(select(Attachment)):
        if att.storage_key:
            expected.add(att.storage_key)
            promised.add(att.storage_key)
        expected |= {display_key(att), thumb_key(att)}
        if att.state == "processed":
            promised |= {display_key(att), thumb_key(att)}
    on_disk = {str(p.relative_to(storage_root)) for p in storage_root.rglob("*") if p.is_file()}
    return sorted(on_disk - expected), sorted(promised - on_disk)
