"""The narrative under the RKPD evaluation's table (Permendagri 86/2017): faktor pendorong, faktor
penghambat, the follow-up for the next triwulan and for the next RKPD, per OPD and per triwulan
or year.

The evaluation gathers these from the OPD's monthly reports; Bappeda (any OPD) or the OPD (its
own) reviews and edits them, and the edited text is kept as its own record which the report then
prints instead. Saving changes the report's data version, so a kept file is built again.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import audit, scopes
from webapp.accounts.models import Opd, User
from webapp.domain_errors import Conflict, Forbidden, Invalid, NotFound
from webapp.extensions import db
from webapp.reports.models import RkpdNarrative
from webapp.reports.periods import Quarter, parse_quarter, quarter_ended_before, wib_date
from webapp.types import utcnow

#: The sections, in the order the report prints them (the attributes of rkpd.Notes).
SECTIONS = ("driving", "inhibiting", "next_quarter", "next_rkpd")
#: Longest text of one section.
TEXT_MAX = 20_000


def lines(text: str | None) -> list[str]:
    """The items of a section: one a line, blank lines and edge spaces dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _quarter_number(quarter: Quarter) -> int:
    return quarter.number or 0


@dataclass
class Editor:
    """What the editor page shows for one OPD and period."""

    quarter: Quarter
    opd: Opd
    record: RkpdNarrative | None
    #: section → the text the OPDs' monthly reports give (what the report prints without a record).
    reported: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, str]:
        """The form's text: the saved record, else what the OPD reported."""
        if self.record is None:
            return dict(self.reported)
        return {name: getattr(self.record, name) for name in SECTIONS}


def resolve(user: User, quarter_key: str | None, opd_id: int | None) -> tuple[Quarter, int | None]:
    """The period and OPD the page is about: an OPD user always their own; a bad period names nothing."""
    if not (scopes.is_regency_wide(user) or (user.role == "opd" and user.opd_id is not None)):
        raise Forbidden()
    if quarter_key:
        try:
            quarter = parse_quarter(quarter_key)
        except ValueError:
            raise NotFound() from None
    else:
        today = wib_date(utcnow())
        quarter = quarter_ended_before(today.year, today.month)
    if user.role == "opd" and opd_id is None:
        opd_id = user.opd_id
    if opd_id is not None and not scopes.can_edit_rkpd_narrative(user, opd_id):
        raise Forbidden(_("Anda hanya dapat menyunting narasi evaluasi OPD Anda sendiri."))
    return quarter, opd_id


def find(quarter: Quarter, opd_id: int) -> RkpdNarrative | None:
    return db.session.scalar(select(RkpdNarrative).where(
        RkpdNarrative.year == quarter.year, RkpdNarrative.quarter == _quarter_number(quarter),
        RkpdNarrative.opd_id == opd_id))


def reported(quarter: Quarter, opd_id: int) -> dict[str, str]:
    """The narrative the evaluation gathers from the OPD's monthly reports, section by section."""
    # The evaluation's builder loads openpyxl: only this page, not every web request, pays for it.
    from webapp.reports import rkpd

    notes = rkpd.collect(quarter, opd_id, edited=False).notes
    if not notes:
        return {name: "" for name in SECTIONS}
    return {name: "\n".join(getattr(notes[0], name)) for name in SECTIONS}


def editor(user: User, quarter: Quarter, opd_id: int) -> Editor:
    """The editor of the OPD's narrative for `quarter`, after checking the user may edit it."""
    if not scopes.can_edit_rkpd_narrative(user, opd_id):
        raise Forbidden(_("Anda hanya dapat menyunting narasi evaluasi OPD Anda sendiri."))
    opd = db.session.get(Opd, opd_id)
    if opd is None:
        raise NotFound()
    return Editor(quarter, opd, find(quarter, opd_id), reported(quarter, opd_id))


def _snapshot(record: RkpdNarrative) -> dict:
    return {name: getattr(record, name) for name in SECTIONS}


def save(user: User, quarter: Quarter, opd_id: int, values: dict) -> RkpdNarrative:
    """Keep the edited narrative of the OPD for `quarter` (created or replaced), audited; flushes."""
    if not scopes.can_edit_rkpd_narrative(user, opd_id):
        raise Forbidden(_("Anda hanya dapat menyunting narasi evaluasi OPD Anda sendiri."))
    if db.session.get(Opd, opd_id) is None:
        raise NotFound()
    texts = {name: "\n".join(lines(values.get(name))) for name in SECTIONS}
    too_long = {name: [_("Paling panjang %(max)s karakter.", max="20.000")]
                for name, text in texts.items() if len(text) > TEXT_MAX}
    if too_long:
        raise Invalid.fields(too_long)
    record = find(quarter, opd_id)
    before = _snapshot(record) if record is not None else None
    if before == texts:
        return record
    if record is None:
        record = RkpdNarrative(year=quarter.year, quarter=_quarter_number(quarter), opd_id=opd_id)
        db.session.add(record)
    for name, text in texts.items():
        setattr(record, name, text)
    record.updated_by_id = user.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Someone saved the first version of this narrative at the same moment.
        raise Conflict(_("Narasi ini baru saja disimpan pengguna lain; muat ulang halaman lalu ulangi.")) from None
    audit.record(user, "rkpd_narrative.update" if before else "rkpd_narrative.create", "rkpd_narrative", record.id,
                 before and {"period": quarter.key, **before}, {"period": quarter.key, **texts})
    return record


def edited(quarter: Quarter, opd_ids) -> dict[int, RkpdNarrative]:
    """OPD id → its edited narrative of `quarter`, for the OPDs in `opd_ids` (a list or a select of ids)."""
    return {r.opd_id: r for r in db.session.scalars(select(RkpdNarrative).where(
        RkpdNarrative.year == quarter.year, RkpdNarrative.quarter == _quarter_number(quarter),
        RkpdNarrative.opd_id.in_(opd_ids)))}


def fingerprint_rows(quarter: Quarter, opd_ids):
    """The edited narratives of `quarter` for those OPDs as rows, for the report's data version."""
    return db.session.execute(select(
        RkpdNarrative.opd_id, RkpdNarrative.driving, RkpdNarrative.inhibiting, RkpdNarrative.next_quarter,
        RkpdNarrative.next_rkpd,
    ).where(RkpdNarrative.year == quarter.year, RkpdNarrative.quarter == _quarter_number(quarter),
            RkpdNarrative.opd_id.in_(opd_ids)).order_by(RkpdNarrative.opd_id))


def opd_choices(user: User) -> list[Opd]:
    """The OPDs whose narrative the user may open: all for the regency, their own for an OPD user."""
    stmt = select(Opd).order_by(Opd.name)
    if not scopes.is_regency_wide(user):
        stmt = stmt.where(Opd.id == user.opd_id)
    return list(db.session.scalars(stmt))
