#!/usr/bin/env python3
"""Generate Pantau's PWA icons into static/icons/.

Mark: a bold white map pin with a check mark cut out of its head, on the
theme green (#0b6e4f). Run with the project venv:

    .venv/bin/python tools/make_icons.py

Outputs
  icon-192.png, icon-512.png        purpose "any": green rounded square, transparent corners
  maskable-192.png, maskable-512.png purpose "maskable": full-bleed green, mark inside the
                                     central 80% safe-zone circle
  apple-touch-icon.png (180)         full-bleed, opaque (iOS applies its own rounding)
  favicon-32.png                     rounded square, mark enlarged for legibility
"""
from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

GREEN = (11, 110, 79, 255)  # #0b6e4f
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
SS = 8  # supersampling factor

# Pin geometry in units of the pin's total height (H = 1), origin at the
# top-centre of the pin's bounding box.
HEAD_R = 0.37                 # head circle radius
HEAD_CY = HEAD_R              # head circle centre (y)
TIP_Y = 1.0                   # pin tip (y)
# Check mark (relative to head centre, in units of HEAD_R) and stroke width.
CHECK = [(-0.48, 0.06), (-0.14, 0.39), (0.47, -0.24)]
CHECK_W = 0.32                # in units of HEAD_R
TIP_R = 0.035                 # rounding radius of the pin tip


def pin_polygon(cx: float, top: float, h: float, steps: int = 180):
    """Teardrop outline: head circle joined to the tip by tangent lines."""
    r = HEAD_R * h
    ccy = top + HEAD_CY * h
    tip = (cx, top + TIP_Y * h)
    d = tip[1] - ccy
    # angle (from +x axis, y down) of the tangent points on the circle
    a = math.asin(r / d)            # half-angle at the tip
    t = math.pi / 2 - a             # tangent point angle measured from +y axis
    # Walk the circle from the right tangent point, over the top, to the left one.
    start = math.pi / 2 - t         # angle in standard param (y down => +y is pi/2)
    end = math.pi / 2 + t
    # rounded tip: small circle inscribed in the wedge, arc from left to right
    rt = TIP_R * h
    tcy = tip[1] - rt / math.sin(a)
    pts = []
    for i in range(steps // 6 + 1):
        ang = (math.pi - a) - (math.pi - 2 * a) * i / (steps // 6)
        pts.append((cx + rt * math.cos(ang), tcy + rt * math.sin(ang)))
    # go the long way round (over the top): from `start` decreasing to `end - 2pi`
    total = (2 * math.pi) - (end - start)
    for i in range(steps + 1):
        ang = start - total * i / steps
        pts.append((cx + r * math.cos(ang), ccy + r * math.sin(ang)))
    return pts, (cx, ccy), r


def draw_mark(img: Image.Image, cx: float, cy: float, h: float,
              check_w: float = CHECK_W) -> None:
    """Draw the pin+check mark with its bounding box centred at (cx, cy)."""
    d = ImageDraw.Draw(img)
    top = cy - h / 2
    pts, (hx, hy), r = pin_polygon(cx, top, h)
    d.polygon(pts, fill=WHITE)
    # check mark, in green, with round caps and joints
    w = check_w * r
    cpts = [(hx + x * r, hy + y * r) for x, y in CHECK]
    d.line(cpts, fill=GREEN, width=round(w), joint="curve")
    for x, y in (cpts[0], cpts[-1]):
        d.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=GREEN)


def render(size: int, *, rounded: bool, mark_h: float, corner: float = 0.22,
           y_shift: float = 0.0, check_w: float = CHECK_W) -> Image.Image:
    """mark_h, corner and y_shift are fractions of the icon size."""
    S = size * SS
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if rounded:
        d.rounded_rectangle([0, 0, S - 1, S - 1], radius=corner * S, fill=GREEN)
    else:
        d.rectangle([0, 0, S, S], fill=GREEN)
    draw_mark(img, S / 2, S / 2 + y_shift * S, mark_h * S, check_w)
    return img.resize((size, size), Image.LANCZOS)


def check_safe_zone(mark_h: float) -> None:
    """Assert the whole mark lies within the maskable safe circle (r = 0.4)."""
    pts, (hx, hy), r = pin_polygon(0.5, 0.5 - mark_h / 2, mark_h)
    far = max(math.hypot(x - 0.5, y - 0.5) for x, y in pts)
    far = max(far, math.hypot(hx - 0.5, hy - 0.5) + r)
    assert far <= 0.40, f"mark exceeds maskable safe zone: {far:.3f} > 0.40"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    maskable_h = 0.58
    check_safe_zone(maskable_h)
    jobs = {
        "icon-192.png": render(192, rounded=True, mark_h=0.70),
        "icon-512.png": render(512, rounded=True, mark_h=0.70),
        "maskable-192.png": render(192, rounded=False, mark_h=maskable_h),
        "maskable-512.png": render(512, rounded=False, mark_h=maskable_h),
        "apple-touch-icon.png": render(180, rounded=False, mark_h=0.66),
        "favicon-32.png": render(32, rounded=True, mark_h=0.84, corner=0.2,
                                check_w=0.38),
    }
    for name, img in jobs.items():
        if name.startswith(("maskable", "apple")):
            img = img.convert("RGB")  # opaque, full-bleed
        img.save(OUT / name, optimize=True)
        print(f"wrote {OUT / name} ({img.size[0]}x{img.size[1]}, {img.mode})")


if __name__ == "__main__":
    main()
