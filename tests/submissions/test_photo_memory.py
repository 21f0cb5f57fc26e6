"""Photos cannot exhaust memory or reach a decoder other than JPEG, PNG and WebP."""
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from webapp.domain_errors import Invalid
from webapp.submissions import photos

ROOT = Path(__file__).resolve().parents[2]
#: The worst a worker may spend on one photo, beyond which two workers and the database would not fit.
PEAK_RSS_LIMIT_MB = 250

MAKE = textwrap.dedent("""
    import sys
    from PIL import Image
    kind, width, height, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    mode = "RGB" if kind == "JPEG" else "RGBA"
    image = Image.new(mode, (width, height), (200, 30, 90, 128)[:len(mode)])
    options = {"WEBP": {"quality": 1, "method": 0}, "JPEG": {"quality": 50}}.get(kind, {})
    image.save(path, format=kind, **options)
""")

#: The peak is the process's own high-water mark (VmHWM). ru_maxrss would do on a fresh process,
#: but Linux carries the parent's high-water mark into a forked child across exec, so a large
#: pytest process would be counted; VmHWM belongs to the address space exec made.
MEASURE = textwrap.dedent("""
    import re, sys

    def peak_mb():
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) // 1024

    from webapp.submissions import photos
    baseline = peak_mb()
    path = sys.argv[1]
    data = open(path, "rb").read()
    outcome = "accepted"
    try:
        photos.check_image(data)
        del data
        photos.render_copies(path)
    except photos.Invalid as exc:
        outcome = exc.code
    print(outcome, baseline, peak_mb())
""")


def _make(tmp_path, kind, width, height) -> Path:
    path = tmp_path / f"{kind}-{width}x{height}.{kind.lower()}"
    subprocess.run([sys.executable, "-c", MAKE, kind, str(width), str(height), str(path)], check=True, timeout=300)
    return path


def _measure(path) -> tuple[str, int, int]:
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=300,
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    outcome, baseline, peak = result.stdout.split()
    return outcome, int(baseline), int(peak)


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "width", "height"), [
    ("PNG", 4000, 4000),   # 16 MP, RGBA: decoded whole
    ("WEBP", 2828, 2828),  # just under 8 MP: libwebp and Pillow both hold the pixels
    ("JPEG", 7300, 5479),  # just under 40 MP: decoded at a reduced scale
])
def test_the_worst_allowed_photo_keeps_the_workers_peak_memory_under_the_limit(tmp_path, kind, width, height):
    outcome, baseline, peak = _measure(_make(tmp_path, kind, width, height))
    print(f"{kind} {width}x{height}: {outcome}, RSS {baseline} MB after imports, peak {peak} MB")
    assert outcome == "accepted"
    assert peak <= PEAK_RSS_LIMIT_MB


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "width", "height"), [("PNG", 6300, 6300), ("PNG", 4001, 4000), ("WEBP", 2829, 2829)])
def test_a_photo_beyond_its_formats_pixel_limit_is_refused_before_decoding(tmp_path, kind, width, height):
    outcome, baseline, peak = _measure(_make(tmp_path, kind, width, height))
    print(f"{kind} {width}x{height}: {outcome}, peak {peak} MB")
    assert outcome == "image_too_large"
    assert peak - baseline < 30


class _Opened(Exception):
    pass


def _refuse_open(*args, **kwargs):
    raise _Opened


@pytest.mark.parametrize("fmt", ["TIFF", "BMP", "GIF", "ICO", "PPM"])
def test_another_format_never_reaches_a_decoder(monkeypatch, fmt):
    out = io.BytesIO()
    Image.new("RGB", (600, 600), (1, 2, 3)).save(out, format=fmt)
    monkeypatch.setattr(photos.Image, "open", _refuse_open)
    with pytest.raises(Invalid) as caught:
        photos.check_image(out.getvalue())
    assert caught.value.code == "not_an_image"


def test_a_tiff_behind_a_jpeg_header_is_opened_only_by_the_jpeg_decoder():
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, format="TIFF", compression="tiff_deflate")
    with pytest.raises(Invalid) as caught:
        photos.check_image(b"\xff\xd8\xff" + out.getvalue())
    assert caught.value.code == "not_an_image"


@pytest.mark.parametrize(("header", "kind"), [
    (b"\xff\xd8\xff\xe0rest", "JPEG"), (b"\x89PNG\r\n\x1a\nrest", "PNG"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
    (b"II*\x00", None), (b"%!PS-Adobe-3.0 EPSF", None), (b"GIF89a", None), (b"RIFF\x00\x00\x00\x00WAVE", None), (b"", None),
])
def test_the_format_is_read_from_the_header(header, kind):
    assert photos.sniff_format(header) == kind
