"""The words of the app: every state, role, code and kind, each with its Indonesian label, defined once.

Each vocabulary is a `StrEnum`, so a member compares equal to the string stored in the database and
sent over JSON; its label is a lazy Flask-Babel string (English in the catalog). `label(member)` is
the one lookup; `Vocabulary.label_of(value)` reads a raw string (an audit snapshot, a query argument).
Model columns that hold a state use `state_type(...)`, which loads members and refuses any other value.
"""
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum


class Vocabulary(StrEnum):
    """A StrEnum whose members carry their label: `NAME = "value", _l("Label")`."""

    def __new__(cls, value: str, text=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._text = text
        return member

    @property
    def label(self) -> str:
        return str(self._text) if self._text is not None else self.value

    @property
    def lazy_label(self):
        """The label still untranslated, for tables built at import time."""
        return self._text if self._text is not None else self.value

    @classmethod
    def label_of(cls, value) -> str:
        """The label of a raw value; an unknown value reads as itself."""
        try:
            return cls(value).label
        except ValueError:
            return "" if value is None else str(value)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


def label(state: Vocabulary) -> str:
    """The translated label of a member of any vocabulary."""
    return state.label


def state_type(vocabulary: type[Vocabulary], name: str, length: int = 16) -> Enum:
    """A VARCHAR column type holding one vocabulary, with a CHECK constraint named `ck_<table>_<name>`."""
    return Enum(vocabulary, name=name, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda enum: [member.value for member in enum])


class SyncState(Vocabulary):
    """A submission's sync state: complete once every declared photo has arrived."""

    INCOMPLETE = "incomplete", _l("Belum lengkap (foto belum semua terkirim)")
    COMPLETE = "complete", _l("Lengkap")


class ReviewState(Vocabulary):
    """A submission's review state, set by a camat (GEBER in their kecamatan) or Bappeda."""

    RECEIVED = "received", _l("Diterima")
    APPROVED = "approved", _l("Disetujui")
    RETURNED = "returned", _l("Perlu perbaikan")
    REJECTED = "rejected", _l("Ditolak")


class AttachmentState(Vocabulary):
    """A photo: pending (declared) → received (bytes stored) → processed (display + thumbnail made) | failed."""

    PENDING = "pending", _l("belum sampai di server")
    RECEIVED = "received", _l("sedang diproses")
    PROCESSED = "processed", _l("sudah diproses")
    FAILED = "failed", _l("gagal diproses")


class OpdReportState(Vocabulary):
    """An OPD's monthly realisation report: draft → submitted; Bappeda may return it (returned → submitted)."""

    DRAFT = "draft", _l("Draf")
    SUBMITTED = "submitted", _l("Terkirim")
    RETURNED = "returned", _l("Perlu perbaikan")


class ItemOutcome(Vocabulary):
    """The answer to one item of a sync batch."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class JobState(Vocabulary):
    """A report job: queued → running → ready | failed."""

    QUEUED = "queued", _l("Menunggu giliran")
    RUNNING = "running", _l("Sedang dibuat")
    READY = "ready", _l("Siap diunduh")
    FAILED = "failed", _l("Gagal")


class FollowUpState(Vocabulary):
    """A follow-up: open → in_progress → done (with evidence) → verified by Bappeda; done or verified
    → reopened (with a reason) → done again; open, in progress or reopened → cancelled."""

    OPEN = "open", _l("Terbuka")
    IN_PROGRESS = "in_progress", _l("Sedang dikerjakan")
    DONE = "done", _l("Selesai")
    VERIFIED = "verified", _l("Terverifikasi")
    REOPENED = "reopened", _l("Dibuka kembali")
    CANCELLED = "cancelled", _l("Dibatalkan")


#: Follow-ups that still wait for work.
OPEN_FOLLOWUP_STATES = (FollowUpState.OPEN, FollowUpState.IN_PROGRESS, FollowUpState.REOPENED)
#: Follow-ups whose work is reported done (awaiting verification, or verified).
COMPLETED_FOLLOWUP_STATES = (FollowUpState.DONE, FollowUpState.VERIFIED)


class NotificationKind(Vocabulary):
    """Why a user is notified."""

    ASSIGNED = "assigned", _l("Ditugaskan kepada Anda")
    DUE_SOON = "due_soon", _l("Tenggat dalam 3 hari")
    OVERDUE = "overdue", _l("Lewat tenggat")
    RETURNED = "returned", _l("Perlu perbaikan")
    DEADLINE_NEAR = "deadline_near", _l("Batas laporan sudah dekat")
    DIGEST = "digest", _l("Ringkasan mingguan")
    DONE = "done", _l("Tindak lanjut dilaporkan selesai")
    REOPENED = "reopened", _l("Tindak lanjut dibuka kembali")
    VERIFIED = "verified", _l("Tindak lanjut diverifikasi")


class EmailState(Vocabulary):
    """The email of a notification: pending → sending → sent | failed (retried); off when not emailed
    (mail not configured, no address, or the user turned email off)."""

    PENDING = "pending", _l("Menunggu dikirim")
    SENDING = "sending", _l("Sedang dikirim")
    SENT = "sent", _l("Terkirim")
    FAILED = "failed", _l("Gagal dikirim")
    OFF = "off", _l("Tidak dikirim lewat email")


class MonevStatus(Vocabulary):
    """The implementation status a monitoring visit records (the `status` answer of the visit form)."""

    ON_TRACK = "on_track", _l("Sesuai jadwal")
    AT_RISK = "at_risk", _l("Berisiko")
    LATE = "late", _l("Terlambat")


class ScoreBand(Vocabulary):
    """The GEBER band of a score (the bounds are in webapp/thresholds.py); "belum" is a site never checked."""

    BERSIH = "bersih", _l("Bersih")
    CUKUP = "cukup", _l("Cukup")
    KOTOR = "kotor", _l("Kotor")
    BELUM = "belum", _l("Belum dicek")


class FormCode(Vocabulary):
    """The built-in forms the server's rules know by name."""

    GEBER_CHECK = "geber_cek", _l("Cek kebersihan GEBER")
    GEBER_ACTION = "geber_aksi", _l("Aksi bersih GEBER")
    MONEV_VISIT = "monev_kunjungan", _l("Kunjungan monev")


class Programme(Vocabulary):
    GEBER = "geber"
    MONEV = "monev"


class Role(Vocabulary):
    ADMIN = "admin", _l("Admin")
    BAPPEDA = "bappeda", _l("Bappeda Litbang")
    CAMAT = "camat", _l("Camat")
    OPD = "opd", _l("OPD")
    MONITOR = "monitor", _l("Petugas lapangan")


class SiteKind(Vocabulary):
    SEKOLAH = "sekolah", _l("Sekolah")
    KANTOR = "kantor", _l("Kantor")
    PASAR = "pasar", _l("Pasar")
    FASILITAS_KESEHATAN = "fasilitas_kesehatan", _l("Fasilitas kesehatan")
    TEMPAT_IBADAH = "tempat_ibadah", _l("Tempat ibadah")
    RUANG_PUBLIK = "ruang_publik", _l("Ruang publik")
    PERMUKIMAN = "permukiman", _l("Permukiman")
    TPS = "tps", _l("TPS")
    SUNGAI_DRAINASE = "sungai_drainase", _l("Sungai/drainase")
    LOKASI_KEGIATAN = "lokasi_kegiatan", _l("Lokasi kegiatan")


def init_app(app) -> None:
    """Templates read labels through `label` and the `*_label(value)` globals."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.globals.update(
        review_state_label=ReviewState.label_of,
        followup_state_label=FollowUpState.label_of,
        notification_kind_label=NotificationKind.label_of,
        attachment_state_label=AttachmentState.label_of,
        monev_status_label=MonevStatus.label_of,
        band_label=ScoreBand.label_of,
        form_label=FormCode.label_of,
        role_label=Role.label_of,
        site_kind_label=SiteKind.label_of,
        ReviewState=ReviewState,
        FollowUpState=FollowUpState,
        JobState=JobState,
        SyncState=SyncState,
        AttachmentState=AttachmentState,
        FormCode=FormCode,
    )
