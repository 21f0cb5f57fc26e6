"""Display copies made again from the stored originals.

For a while a phone's display-sized photo was served as its own compressed data with only the
metadata cut out, and a phone's WebP kept its format; both let bytes a client chose reach every
viewer's image decoder. Their copies stay on disk until made again, which is what this does for
every processed photo: the copies are JPEGs the server encodes, as the job makes them now.
"""
import logging
from dataclasses import dataclass
from typing import Callable

from PIL import Image
from sqlalchemy import func, select

from webapp import storage
from webapp.extensions import db
from webapp.submissions.models import Attachment
from webapp.submissions.photos import display_key, render_copies, thumb_key
from webapp.vocabulary import AttachmentState

log = logging.getLogger(__name__)

#: Photos read per query: a regency's photos are never all held at once.
BATCH = 200


@dataclass
class RerenderResult:
    total: int
    rendered: int = 0
    failed: int = 0
    webp_removed: int = 0


def _old_webp_key(att: Attachment) -> str:
    return f"photos/{att.uuid.hex[:2]}/{att.uuid.hex}.webp"


def rerender_processed(progress: Callable[[RerenderResult], None] | None = None) -> RerenderResult:
    """Make the display copy and thumbnail of every processed photo again, oldest first; a copy
    kept in WebP goes once its JPEG is written. A photo whose original cannot be rendered keeps
    its copies and is counted as failed (and logged)."""
    processed = (Attachment.state == AttachmentState.PROCESSED) & Attachment.storage_key.is_not(None)
    result = RerenderResult(total=db.session.scalar(select(func.count()).select_from(Attachment).where(processed)) or 0)
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Attachment).where(processed, Attachment.id > last_id).order_by(Attachment.id).limit(BATCH)
        ).all()
        if not batch:
            return result
        for att in batch:
            last_id = att.id
            try:
                display, thumb, _width, _height = render_copies(storage.path_for(att.storage_key))
            except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
                result.failed += 1
                log.warning("photo %d could not be made again: %s", att.id, exc)
                continue
            storage.write_bytes(display_key(att), display)
            storage.write_bytes(thumb_key(att), thumb)
            webp = storage.path_for(_old_webp_key(att))
            if webp.is_file():
                webp.unlink()
                result.webp_removed += 1
            result.rendered += 1
        db.session.expunge_all()
        if progress is not None:
            progress(result)
