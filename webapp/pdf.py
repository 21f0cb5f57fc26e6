"""HTML → PDF through WeasyPrint, for the meeting deck (the printed reports' long tables are drawn
by ReportLab: webapp/reports/printed_pdf.py).

`render_pdf("rakor/pdf.html", path, **context)` renders a Jinja template of the app and writes
the PDF; `html_to_pdf(html)` does the same for HTML already made. The page size, orientation and
margins come from the template's own `@page` rule (see templates/pdf/base.html).

Only files under the app's static folder and `data:` URIs are fetched while rendering: a report
holds text people typed, and rendering must never make the server open a network address or read
a file outside the static folder.
"""
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app, render_template
from PIL import ImageFile

# WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is imported;
# the photo checks (webapp/submissions/photos.py) rely on a truncated image being refused.
_LOAD_TRUNCATED = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _LOAD_TRUNCATED


class _StaticOnlyFetcher(URLFetcher):
    """Fetches `data:` URIs and files under one folder; refuses every other address."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"not under the static folder: {url}")
        return super().fetch(url, headers)


def _static_root() -> Path:
    return Path(current_app.static_folder)


def html_to_pdf(html: str, target=None) -> bytes | None:
    """Write `html` as PDF to `target` (a path or a binary file), or return the bytes when no target.

    Relative addresses (`css/print.css`, `icons/logo.png`) resolve under the app's static folder.
    """
    root = _static_root()
    try:
        document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_StaticOnlyFetcher(root))
        return document.write_pdf(target)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = _LOAD_TRUNCATED


def render_pdf(template: str, target=None, **context) -> bytes | None:
    """Render the Jinja `template` with `context` and write it as PDF (see `html_to_pdf`)."""
    return html_to_pdf(render_template(template, **context), target)
