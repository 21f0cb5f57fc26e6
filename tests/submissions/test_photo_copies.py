"""The photo job's copies: JPEGs the server encodes from decoded pixels, a phone's display-sized
photo too, so they carry no metadata and no byte of the upload; a bigger one is resized; a
thumbnail is always made."""
import io
import re
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from sqlalchemy import select

from tests import factories
from tests.factories import declare, geber_item
from webapp.extensions import db
from webapp.submissions.models import Attachment

ROOT = Path(__file__).resolve().parents[2]
GPS_IFD = 0x8825
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="4,27.5S"/></rdf:RDF></x:xmpmeta>'


def _photo(size=(1600, 1200)) -> Image.Image:
    """Something like a picture: noise, blurred, so the compressed data is not trivial."""
    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 60).convert("RGB")
    return noise.filter(ImageFilter.GaussianBlur(1)).resize(size)


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 1  # upright
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (4.0, 27.0, 30.0), 3: "E", 4: (102.0, 54.0, 10.0)})
    return exif


def _icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg_segments(data: bytes) -> tuple[list[int], bytes]:
    """The markers before the start of scan, and the bytes from the start of scan on."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        markers.append(marker)
        pos += 2 + length
    return markers, data[pos:]


def _no_metadata(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
        assert not {"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info)
    assert b"PhoneMaker" not in data and b"GPSLatitude" not in data


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


@pytest.fixture
def render(tmp_path):
    from webapp.submissions.photos import render_copies

    def _render(data: bytes):
        path = tmp_path / "original"
        path.write_bytes(data)
        return render_copies(path)

    return _render


def _close(a: bytes, b: bytes, tolerance: float = 6.0) -> bool:
    """Two images of the same size whose pixels differ by at most `tolerance` on average (a re-encode)."""
    from PIL import ImageChops, ImageStat

    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        if first.size != second.size:
            return False
        difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
        return max(ImageStat.Stat(difference).mean) <= tolerance


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_a_display_sized_photo_is_encoded_afresh_not_served_with_the_uploads_tables_or_scans(render, fmt):
    out = io.BytesIO()
    options = {"comment": b"Manna"} if fmt == "JPEG" else {}
    _photo((1600, 1200)).save(out, format=fmt, quality=80, exif=_exif_with_gps(), icc_profile=_icc(), xmp=XMP,
                              **options)
    original = out.getvalue()
    with Image.open(io.BytesIO(original)) as check:  # the metadata really is there to begin with
        assert check.getexif().get_ifd(GPS_IFD) and check.info.get("icc_profile") and check.info.get("xmp")

    display, thumb, width, height = render(original)

    markers, scan = _jpeg_segments(display)
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]  # no EXIF, XMP, ICC, comment
    if fmt == "JPEG":
        assert scan != _jpeg_segments(original)[1]  # the encoder wrote the scan, not the phone
        assert _pixels(display) != _pixels(original)
    assert _close(display, original)  # yet the same picture, at the same size
    _no_metadata(display)
    assert (width, height) == (1600, 1200)
    with Image.open(io.BytesIO(thumb)) as small:
        assert small.format == "JPEG" and small.size == (320, 240)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_bytes_a_decoder_never_reads_are_not_carried_into_the_display_copy(render, fmt):
    payload = b"<script>alert(document.cookie)</script>"
    out = io.BytesIO()
    _photo((800, 600)).save(out, format=fmt, quality=80, exif=_exif_with_gps())
    original = out.getvalue()
    if fmt == "WEBP":  # an unknown chunk inside the (extended) container, then bytes after it
        body = original[12:] + b"HTML" + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) & 1)
        original = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
    else:  # an APP11 segment before the frame, then bytes after the end-of-image marker
        original = original[:2] + b"\xff\xeb" + struct.pack(">H", len(payload) + 2) + payload + original[2:]
    display, _thumb, _w, _h = render(original + payload)
    assert payload not in display
    assert display.endswith(b"\xff\xd9") and _close(display, original)


def test_a_bigger_photo_is_resized_and_re_encoded_without_metadata(render):
    out = io.BytesIO()
    _photo((2400, 1800)).save(out, format="JPEG", quality=90, exif=_exif_with_gps())
    display, thumb, width, height = render(out.getvalue())
    with Image.open(io.BytesIO(display)) as image:
        assert image.size == (1600, 1200) and not image.info.get("progressive")
    _no_metadata(display)
    assert (width, height) == (2400, 1800)
    with Image.open(io.BytesIO(thumb)) as small:
        assert small.size == (320, 240)


def test_a_display_sized_photo_turned_by_its_exif_is_re_encoded_upright(render):
    exif = _exif_with_gps()
    exif[0x0112] = 6
    out = io.BytesIO()
    _photo((1600, 1200)).save(out, format="JPEG", quality=80, exif=exif)
    display, _thumb, width, height = render(out.getvalue())
    with Image.open(io.BytesIO(display)) as image:
        assert image.size == (1200, 1600)
    _no_metadata(display)
    assert (width, height) == (1200, 1600)


def test_the_job_serves_a_phones_webp_as_a_jpeg_it_encoded_with_a_thumbnail(app, login_as, make_site, run_jobs):
    from webapp import storage
    from webapp.submissions.photos import display_key, thumb_key

    out = io.BytesIO()
    _photo((1600, 900)).save(out, format="WEBP", quality=75, exif=_exif_with_gps())
    data = out.getvalue()
    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    item = geber_item(make_site().uuid, photos=[])
    item["attachments"] = [declare(data, content_type="image/webp")]
    item["answers"]["foto"] = [item["attachments"][0]["uuid"]]
    assert monitor.post("/api/v1/submissions/batch", json={"submissions": [item]}).json["results"][0]["status"] == "created"
    response = monitor.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=data,
                           headers={"Content-Type": "image/webp"})
    assert response.status_code == 200
    run_jobs()
    with app.app_context():
        att = db.session.scalar(select(Attachment))
        assert att.state == "processed" and (att.width, att.height) == (1600, 900)
        assert display_key(att).endswith(".jpg")
        display = storage.path_for(display_key(att)).read_bytes()
        assert display.startswith(b"\xff\xd8") and _close(display, data)
        _no_metadata(display)
        with Image.open(storage.path_for(thumb_key(att))) as thumb:
            assert thumb.size == (320, 180)


def test_no_image_save_spends_a_second_pass_on_optimize_or_progressive():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "webapp").rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\b(optimize|progressive)\s*=\s*True", line)]
    assert offenders == []


@pytest.mark.parametrize("options", [{"progressive": True}, {"restart_marker_blocks": 4},
                                     {"progressive": True, "restart_marker_rows": 1}], ids=str)
def test_progressive_scans_and_restart_markers_come_out_as_one_baseline_scan(render, options):
    out = io.BytesIO()
    _photo((1200, 900)).save(out, format="JPEG", quality=80, exif=_exif_with_gps(), **options)
    original = out.getvalue()
    display, _thumb, _w, _h = render(original)
    markers, scan = _jpeg_segments(display)
    assert 0xC0 in markers and 0xDD not in markers and scan.count(b"\xff\xda") == 1
    assert _close(display, original)
    _no_metadata(display)


def test_rerender_photos_makes_every_processed_photos_copies_again_from_its_original(app, login_as, make_site,
                                                                                      run_jobs, runner):
    """Copies made while a phone's photo kept its own data (a cut-out JPEG, a WebP kept as WebP)
    are encoded afresh and the WebP goes; a photo whose original is gone keeps its copies and fails."""
    from webapp import storage
    from webapp.submissions.photos import display_key, thumb_key

    monitor = login_as("monitor", kecamatan_code=factories.KOTA_MANNA)
    uploads = []
    for fmt, content_type in (("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")):
        out = io.BytesIO()
        _photo((800, 600)).save(out, format=fmt, quality=80, exif=_exif_with_gps())
        data = out.getvalue()
        item = geber_item(make_site().uuid, photos=[])
        item["attachments"] = [declare(data, content_type=content_type)]
        item["answers"]["foto"] = [item["attachments"][0]["uuid"]]
        assert monitor.post("/api/v1/submissions/batch", json={"submissions": [item]}).status_code == 200
        assert monitor.put(f"/api/v1/attachments/{item['attachments'][0]['uuid']}", data=data,
                           headers={"Content-Type": content_type}).status_code == 200
        uploads.append(data)
    run_jobs()
    with app.app_context():
        cut_out, webp, lost = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        # As the earlier code left them: the phone's own bytes served, a WebP copy beside no JPEG.
        storage.write_bytes(display_key(cut_out), uploads[0])
        old_webp = storage.path_for(display_key(webp)).with_suffix(".webp")
        old_webp.write_bytes(uploads[1])
        storage.path_for(display_key(webp)).unlink()
        storage.path_for(lost.storage_key).unlink()
        lost_copy = storage.path_for(display_key(lost)).read_bytes()

        result = runner.invoke(args=["rerender-photos"])

        assert result.exit_code == 1 and "2 foto dibuat ulang, 1 salinan WebP lama dihapus" in result.output
        assert "1 foto gagal dibuat ulang" in result.output
        for att, data in ((cut_out, uploads[0]), (webp, uploads[1])):
            display = storage.path_for(display_key(att)).read_bytes()
            assert display.startswith(b"\xff\xd8")
            if data.startswith(b"\xff\xd8"):
                assert _jpeg_segments(display)[1] != _jpeg_segments(data)[1]  # the encoder's scan, not the phone's
            _no_metadata(display)
            assert _close(display, data)
            assert storage.exists(thumb_key(att))
        assert not old_webp.exists()
        assert storage.path_for(display_key(lost)).read_bytes() == lost_copy
