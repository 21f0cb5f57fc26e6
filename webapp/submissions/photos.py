"""Photo uploads and their processing.

An upload is checked (declared size and sha256, a decodable JPEG/PNG/WebP within Pillow's
decompression-bomb limit) and kept privately; the job makes the only copies ever served: a
display version and a thumbnail, re-encoded without metadata.
"""
import hashlib
import io
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from webapp import storage
from webapp.errors import ApiError
from webapp.extensions import db
from webapp.jobs import job
from webapp.submissions.models import Attachment, Submission
from webapp.types import utcnow

#: Refuse images beyond ~40 megapixels: far above any phone photo, far below a memory bomb.
Image.MAX_IMAGE_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DISPLAY_SIDE = 1600
THUMB_SIDE = 320

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
    return f"photos/{att.uuid.hex[:2]}/{att.uuid.hex}.jpg"


def thumb_key(att: Attachment) -> str:
    return f"photos/{att.uuid.hex[:2]}/{att.uuid.hex}-thumb.jpg"


def check_image(data: bytes) -> str:
    """The content type of a decodable image, or an ApiError saying what is wrong."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
            # verify() misses truncation in pixel data; a full decode catches it.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ApiError(422, MSG_BOMB, {"body": [MSG_BOMB]}, code="image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ApiError(422, MSG_NOT_IMAGE, {"body": [MSG_NOT_IMAGE]}, code="not_an_image") from exc
    if kind not in FORMATS:
        raise ApiError(422, MSG_NOT_IMAGE, {"body": [MSG_NOT_IMAGE]}, code="not_an_image")
    return FORMATS[kind]


def store_attachment(user, attachment_uuid, data: bytes) -> Attachment:
    """Check and keep the bytes of a declared photo; idempotent for the same bytes."""
    att = db.session.scalar(
        select(Attachment).join(Submission).where(Attachment.uuid == attachment_uuid, Submission.user_id == user.id)
    )
    if att is None:
        raise ApiError(404, MSG_UNKNOWN, code="unknown_attachment")
    limit = current_app.config["MAX_PHOTO_BYTES"]
    if len(data) > limit:
        raise ApiError(413, MSG_TOO_LARGE.format(limit=limit // (1024 * 1024)), code="too_large")
    if len(data) != att.bytes:
        msg = MSG_SIZE.format(got=len(data), want=att.bytes)
        raise ApiError(422, msg, {"body": [msg]}, code="size_mismatch")
    if hashlib.sha256(data).hexdigest() != att.sha256:
        raise ApiError(422, MSG_SHA, {"body": [MSG_SHA]}, code="sha256_mismatch")
    if att.state != "pending" and storage.exists(att.storage_key):
        return att
    kind = check_image(data)
    if kind != att.content_type:
        msg = MSG_TYPE.format(got=kind, want=att.content_type)
        raise ApiError(422, msg, {"body": [msg]}, code="content_type_mismatch")
    key = original_key(att)
    storage.write_bytes(key, data)
    att.storage_key = key
    att.state = "received"
    att.received_at = utcnow()
    db.session.flush()
    return att


def _save_jpeg(image: Image.Image, key: str, side: int) -> None:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh save carries no EXIF, GPS or maker notes: only pixels leave the server.
    copy.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    storage.write_bytes(key, out.getvalue())


@job
def process_photo(attachment_id: int) -> None:
    """Orientation applied, metadata stripped, display (1600 px) and thumbnail (320 px) made."""
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.storage_key is None:
        return
    if att.state == "processed" and storage.exists(display_key(att)) and storage.exists(thumb_key(att)):
        return
    try:
        with Image.open(storage.path_for(att.storage_key)) as source:
            # A JPEG decodes straight at a reduced scale: a 5000×4000 photo never costs 80 MB of pixels.
            width, height = source.size
            source.draft("RGB", (DISPLAY_SIDE, DISPLAY_SIDE))
            image = ImageOps.exif_transpose(source).convert("RGB")
        if (image.width > image.height) != (width > height):
            width, height = height, width  # turned upright by its EXIF orientation
        _save_jpeg(image, display_key(att), DISPLAY_SIDE)
        _save_jpeg(image, thumb_key(att), THUMB_SIDE)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        att.state = "failed"
        att.error = str(exc)[:300]
        db.session.commit()
        return
    att.width, att.height = width, height
    att.state = "processed"
    att.error = None
    db.session.commit()
