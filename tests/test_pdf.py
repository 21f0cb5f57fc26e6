"""HTML → PDF: the text comes out as written, and rendering fetches nothing outside the static folder."""
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from webapp import pdf


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_rendered_template_is_a_pdf_holding_its_text(app, tmp_path):
    target = tmp_path / "out.pdf"
    with app.test_request_context():
        pdf.render_pdf("pdf/base.html", target, lang="id")
        data = pdf.html_to_pdf("<h1>Realisasi Rp 1.234.567</h1><p>Kegiatan Jalan Desa</p>")
    assert target.read_bytes().startswith(b"%PDF-")
    text = _text(data)
    assert "Realisasi Rp 1.234.567" in text and "Kegiatan Jalan Desa" in text


def test_a_static_file_is_fetched_and_anything_else_is_refused(app):
    with app.app_context():
        root = Path(app.static_folder)
        fetcher = pdf._StaticOnlyFetcher(root)
        icon = next(root.joinpath("icons").glob("*.png"))
        response = fetcher.fetch(icon.as_uri())
        assert response.read()[:4] == b"\x89PNG"
        response.close()
        for url in ("file:///etc/hostname", (root / ".." / "pyproject.toml").as_uri(),
                    "http://127.0.0.1:9/x.png", "https://example.org/x.css", "ftp://example.org/x"):
            with pytest.raises(ValueError):
                fetcher.fetch(url)


def test_an_outside_address_in_typed_text_does_not_stop_the_render(app):
    html = '<p>Catatan</p><img src="http://127.0.0.1:9/track.png"><img src="file:///etc/hostname">'
    with app.app_context():
        assert "Catatan" in _text(pdf.html_to_pdf(html))


def test_rendering_leaves_pillows_truncated_image_check_on(app):
    # WeasyPrint switches LOAD_TRUNCATED_IMAGES on for the process; the photo checks need it off.
    from PIL import ImageFile

    with app.app_context():
        pdf.html_to_pdf("<p>x</p>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
