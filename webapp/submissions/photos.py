"""Photo uploads and their processing.

An upload is checked (declared size and sha256; a JPEG, PNG or WebP by its header, opened with
that one decoder only, within a pixel limit set by memory, and decodable) and kept privately; the
job makes the only copies ever served: a display version and a thumbnail, JPEGs encoded by the
server from the decoded pixels, so without metadata and without any byte the client chose.
"""
import hashlib
import io
import logging
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from webapp import scopes, storage
from webapp.domain_errors import Invalid, NotFound, TooLarge
from webapp.extensions import db
from webapp.jobs import enqueue, job, redis_connection
from webapp.submissions.models import Attachment, Submission
from webapp.types import utcnow
from webapp.vocabulary import AttachmentState

log = logging.getLogger(__name__)

#: Pillow's own decompression-bomb limit, a backstop: our limits below are tighter per format.
Image.MAX_IMAGE_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: The limits are set by memory, so that one worker stays under 250 MB (tests/submissions/
#: test_photo_memory.py measures it): a JPEG decodes at a reduced scale (`draft`), so 40 MP cost
#: a few MB; a PNG decodes whole and its reduction copies it (~8 bytes a pixel with alpha); libwebp
#: and Pillow each hold a WebP's pixels (~16 bytes a pixel). Phones send 1600 px JPEGs; these
#: limits only bound what a hostile client can cost.
MAX_PIXELS = {"JPEG": 40_000_000, "PNG": 16_000_000, "WEBP": 8_000_000}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DISPLAY_SIDE = 1600
THUMB_SIDE = 320
#: The marker that one job is queued for the photos received meanwhile (site statuses are merged
#: the same way, webapp/submissions/site_status_queue.py). A marker older than this belongs to a
#: job that was lost: the next upload queues another.
PHOTOS_QUEUED_KEY = "pantau:photos:queued"
PHOTOS_QUEUED_TTL_S = 600
#: A backlog (after an outage) takes longer than rq's 180-second default; each photo commits alone.
PHOTOS_JOB_TIMEOUT_S = 3600

MSG_UNKNOWN = "Lampiran ini belum dikenal; kirim kirimannya dulu."
MSG_SIZE = "Ukuran berkas ({got} byte) tidak sama dengan yang dideklarasikan ({want} byte)."
MSG_SHA = "Checksum sha256 berkas tidak sama dengan yang dideklarasikan."
MSG_NOT_IMAGE = "Berkas bukan gambar JPEG, PNG atau WebP yang bisa dibaca."
MSG_TYPE = "Jenis gambar ({got}) tidak sama dengan yang dideklarasikan ({want})."
MSG_BOMB = "Gambar terlalu besar (dimensinya melebihi batas)."
MSG_TOO_LARGE = "Foto terlalu besar (maksimal {limit} MB)."


def original_key(att: Attachment) -> str:
    return f"originals/{att.uuid.hex[:2]}/{att.uuid.hex}.{EXTENSIONS.get(att.content_type, 'bin')}"


def display_key(att: Attachment) -> str:
    """The display copy's key: every photo is served as a JPEG the server encoded."""
    return f"photos/{att.uuid.hex[:2]}/{att.uuid.hex}.jpg"


def stored_display_key(attachment_uuid, content_type: str) -> str | None:
    """The key of the display copy on disk, or None: a WebP processed while display copies kept a
    WebP's format has its copy as WebP."""
    extensions = ("jpg", "webp") if content_type == "image/webp" else ("jpg",)
    for extension in extensions:
        key = f"photos/{attachment_uuid.hex[:2]}/{attachment_uuid.hex}.{extension}"
        if storage.exists(key):
            return key
    return None


def display_file(user, submission_uuid, attachment_uuid) -> str:
    """The file of the display copy (1600 px, without metadata) of a processed photo of a submission
    in the user's scope; NotFound otherwise. The original upload is never served."""
    att = db.session.scalar(
        select(Attachment).join(Submission)
        .where(Attachment.uuid == attachment_uuid, Submission.uuid == submission_uuid,
               Submission.id.in_(scopes.submissions_query(user).with_only_columns(Submission.id)))
    )
    key = stored_display_key(att.uuid, att.content_type) if att is not None else None
    if att is None or att.state != AttachmentState.PROCESSED or key is None:
        raise NotFound()
    return storage.path_for(key)


def thumb_key(att: Attachment) -> str:
    return f"photos/{att.uuid.hex[:2]}/{att.uuid.hex}-thumb.jpg"


def sniff_format(header: bytes) -> str | None:
    """The image format its first bytes announce (JPEG, PNG or WebP), or None: read before any decoder runs."""
    if header.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(header) >= 12 and header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WEBP"
    return None


def open_image(source, kind: str) -> Image.Image:
    """Open with the one decoder of the format the header announced, refusing too many pixels before decoding."""
    image = Image.open(source, formats=[kind])
    if image.width * image.height > MAX_PIXELS[kind]:
        image.close()
        raise Image.DecompressionBombError(f"{image.width}x{image.height} pixels")
    return image


def check_image(data: bytes) -> str:
    """The content type of a decodable image, or an Invalid saying what is wrong."""
    kind = sniff_format(data[:16])
    if kind is None:
        # Not JPEG, PNG or WebP by its header: no decoder ever sees it (TIFF, EPS, PSD, …).
        raise Invalid(MSG_NOT_IMAGE, {"body": [MSG_NOT_IMAGE]}, code="not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_image(io.BytesIO(data), kind) as image:
                image.verify()
            # verify() misses truncation in pixel data; a decode catches it (a JPEG at 1/8 scale).
            with open_image(io.BytesIO(data), kind) as image:
                image.draft(image.mode, (image.width // 8 or 1, image.height // 8 or 1))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Invalid(MSG_BOMB, {"body": [MSG_BOMB]}, code="image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Invalid(MSG_NOT_IMAGE, {"body": [MSG_NOT_IMAGE]}, code="not_an_image") from exc
    return FORMATS[kind]


def store_attachment(user, attachment_uuid, data: bytes) -> Attachment:
    """Check and keep the bytes of a declared photo; idempotent for the same bytes."""
    att = db.session.scalar(
        select(Attachment).join(Submission).where(Attachment.uuid == attachment_uuid, Submission.user_id == user.id)
    )
    if att is None:
        raise NotFound(MSG_UNKNOWN, code="unknown_attachment")
    limit = current_app.config["MAX_PHOTO_BYTES"]
    if len(data) > limit:
        raise TooLarge(MSG_TOO_LARGE.format(limit=limit // (1024 * 1024)), code="too_large")
    if len(data) != att.bytes:
        msg = MSG_SIZE.format(got=len(data), want=att.bytes)
        raise Invalid(msg, {"body": [msg]}, code="size_mismatch")
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise Invalid(MSG_SHA, {"body": [MSG_SHA]}, code="sha256_mismatch")
    if att.state != AttachmentState.PENDING and storage.exists(att.storage_key):
        return att
    kind = check_image(data)
    if kind != att.content_type:
        msg = MSG_TYPE.format(got=kind, want=att.content_type)
        raise Invalid(msg, {"body": [msg]}, code="content_type_mismatch")
    key = original_key(att)
    storage.write_bytes(key, data)
    att.storage_key = key
    att.state = AttachmentState.RECEIVED
    att.received_at = utcnow()
    db.session.flush()
    return att


def upload_state(attachment_uuid) -> dict:
    """What the phone is told after an upload: the photo's state and its submission's, in one query."""
    state, submission_status = db.session.execute(
        select(Attachment.state, Submission.status).join(Submission).where(Attachment.uuid == attachment_uuid)
    ).one()
    return {"uuid": str(attachment_uuid), "state": state, "submission_status": submission_status}


def _encode(image: Image.Image) -> bytes:
    """A fresh JPEG of the pixels alone: no EXIF, GPS, XMP, ICC or comment, and tables and scans
    written by the encoder, none of them taken from the upload.

    No `optimize` or `progressive`: each costs a second pass over the image (~40 % more CPU) to
    save a few per cent of bytes on photos that are downloaded a handful of times.
    """
    out = io.BytesIO()
    # Pillow would otherwise write the source's JPEG comment (COM), which it keeps in `info`.
    image.save(out, format="JPEG", quality=82, comment=b"")
    return out.getvalue()


def render_copies(path) -> tuple[bytes, bytes, int, int]:
    """The display copy (at most 1600 px) and the thumbnail (320 px) of a stored photo, both JPEG,
    and its upright size.

    Both are encoded afresh from decoded pixels, a photo the phone already sent at display size
    too: no byte of the upload (metadata, Huffman or quantisation tables, compressed image data)
    reaches a viewer's image decoder, which thus never parses what a client chose. A JPEG decodes
    at a reduced scale when it is larger; the reduction comes before the EXIF turn and the
    conversion to RGB, which then work on the small copy. The thumbnail is reduced from the
    display copy by whole-pixel averaging first (`reducing_gap=1.0`), a fifth of the CPU of a
    Lanczos filter over twice its size, which a 320 px preview does not show.
    """
    with open(path, "rb") as handle:
        kind = sniff_format(handle.read(16))
    if kind is None:
        raise ValueError("not a JPEG, PNG or WebP file")
    with open_image(path, kind) as source:
        width, height = source.size
        orientation = source.getexif().get(0x0112, 1)
        source.draft("RGB", (DISPLAY_SIDE, DISPLAY_SIDE))
        source.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE), Image.Resampling.LANCZOS)
        # Each step only where it changes something: a copy of a 1600 px image costs as much as its decode.
        display_image = ImageOps.exif_transpose(source) if orientation != 1 else source
        if display_image.mode != "RGB":
            display_image = display_image.convert("RGB")
        thumb = display_image.resize(_fit(display_image.size, THUMB_SIDE), Image.Resampling.LANCZOS, reducing_gap=1.0)
        display, thumbnail = _encode(display_image), _encode(thumb)
    if orientation in (5, 6, 7, 8):
        width, height = height, width  # turned upright by its EXIF orientation
    return display, thumbnail, width, height


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size of an image of this size scaled to fit a side × side box (never enlarged)."""
    scale = min(1.0, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


@job
def process_photo(attachment_id: int) -> None:
    """Orientation applied, display (1600 px) and thumbnail (320 px) encoded without metadata."""
    att = db.session.get(Attachment, attachment_id)
    if att is not None:
        _process(att)


def _process(att: Attachment) -> None:
    if att.storage_key is None:
        return
    if att.state == AttachmentState.PROCESSED and storage.exists(display_key(att)) and storage.exists(thumb_key(att)):
        return
    try:
        display, thumb, width, height = render_copies(storage.path_for(att.storage_key))
        storage.write_bytes(display_key(att), display)
        storage.write_bytes(thumb_key(att), thumb)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        att.state = AttachmentState.FAILED
        att.error = str(exc)[:300]
        db.session.commit()
        return
    att.width, att.height = width, height
    att.state = AttachmentState.PROCESSED
    att.error = None
    db.session.commit()


def process_later(attachment_id: int) -> bool:
    """Have a received photo processed soon: with a worker, by one job for all the photos received
    meanwhile; without one (or with Redis down), now. Whether it was left to a worker.

    An rq job costs its worker ~5 ms of bookkeeping (some fifty Redis commands) and the upload an
    enqueue, about what the photo's own copies cost: under load, one job takes many photos.
    """
    if current_app.config.get("REDIS_URL"):
        from redis.exceptions import RedisError

        try:
            if redis_connection().set(PHOTOS_QUEUED_KEY, 1, nx=True, ex=PHOTOS_QUEUED_TTL_S):
                enqueue(process_received_photos, job_timeout=PHOTOS_JOB_TIMEOUT_S)
            return True
        except RedisError:
            log.warning("Redis unavailable; processing photo %d in this process", attachment_id)
    process_photo(attachment_id)
    return False


@job
def process_received_photos() -> None:
    """Process every photo received and not processed yet, oldest first, each in its own transaction.

    Each is taken under a row lock that another worker's job skips (PostgreSQL), so two jobs never
    make the same copies. A photo whose processing fails unexpectedly is left received, for the
    sweep (`requeue_pending`) to retry alone, and the others go on.
    """
    _clear_queued_marker()
    last_id = 0
    while True:
        att = db.session.scalar(
            select(Attachment).where(Attachment.state == AttachmentState.RECEIVED, Attachment.id > last_id)
            .order_by(Attachment.id).limit(1).with_for_update(skip_locked=True)
        )
        if att is None:
            db.session.rollback()
            return
        last_id = att.id
        try:
            _process(att)
            db.session.commit()  # releases the row lock when nothing was left to do
        except Exception:  # noqa: BLE001 — one photo's failure must not hold back the rest
            db.session.rollback()
            log.exception("photo %d could not be processed; the sweep will retry it", last_id)


def _clear_queued_marker() -> None:
    """Cleared before the job reads the database, so a photo received from now on queues another job."""
    if not current_app.config.get("REDIS_URL"):
        return
    from redis.exceptions import RedisError

    try:
        redis_connection().delete(PHOTOS_QUEUED_KEY)
    except RedisError:
        log.warning("Redis unavailable; the photo job's marker expires on its own")
