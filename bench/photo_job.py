"""The photo job's CPU per photo: what the field app sends (1600 px JPEG or WebP with metadata).

Measures `render_copies` (what `process_photo` spends besides one row update and two file
writes) against the baseline of the same run: every photo decoded, re-encoded at 1600 px with
`optimize` and `progressive`, and thumbnailed, as the job did before. Also a 4000 × 3000 camera
JPEG, which is still resized. Prints the median CPU milliseconds of each, and the load average.

    python bench/photo_job.py [--rounds 15]
"""
import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageFilter, ImageOps  # noqa: E402

from webapp.submissions.photos import DISPLAY_SIDE, THUMB_SIDE, render_copies  # noqa: E402


def phone_photo(fmt: str, size=(1600, 1200)) -> bytes:
    """A blurred-noise picture with EXIF (make, GPS), as a phone's browser or camera leaves it."""
    noise = Image.effect_noise((size[0] // 4, size[1] // 4), 60).convert("RGB")
    image = noise.filter(ImageFilter.GaussianBlur(1)).resize(size)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "S", 2: (4.0, 27.0, 30.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, quality=80, exif=exif)
    return out.getvalue()


def reencode_as_before(path) -> tuple[bytes, bytes]:
    """The baseline: decode, turn, re-encode the display copy (optimize, progressive) and the thumbnail."""
    with Image.open(path) as source:
        source.draft("RGB", (DISPLAY_SIDE, DISPLAY_SIDE))
        source.thumbnail((DISPLAY_SIDE, DISPLAY_SIDE), Image.Resampling.LANCZOS)
        display = ImageOps.exif_transpose(source).convert("RGB")
    thumb = display.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    outs = []
    for image in (display, thumb):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
        outs.append(out.getvalue())
    return outs[0], outs[1]


def cpu_ms(func, path, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        func(path)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pantau-photo-"))
    cases = {"phone JPEG 1600×1200": phone_photo("JPEG"), "phone WebP 1600×1200": phone_photo("WEBP"),
             "camera JPEG 4000×3000": phone_photo("JPEG", (4000, 3000))}
    print(f"load average {os.getloadavg()[0]:.1f}; median CPU of {args.rounds} rounds, ms per photo")
    print(f"{'photo':<24}{'bytes':>9}{'now':>9}{'before':>9}{'ratio':>8}")
    for name, data in cases.items():
        path = workdir / name.replace(" ", "_")
        path.write_bytes(data)
        now = cpu_ms(render_copies, path, args.rounds)
        before = cpu_ms(reencode_as_before, path, args.rounds)
        print(f"{name:<24}{len(data):>9}{now:>9.1f}{before:>9.1f}{before / now:>7.1f}×")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
