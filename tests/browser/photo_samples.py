"""Camera-like test photos: 4000×3000 JPEGs with the texture of a field photo (foliage, gravel,
a wall, sensor grain, uneven light) and a signboard whose text must stay readable after the
phone's resize. Flat test images compress to almost nothing and would say nothing about the
bytes a real photo costs; these land where real 1600 px phone photos do (~250–320 KB as JPEG
at quality 0.82).
"""
import io
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")

#: Texts of the signboard, as seen at sites of the GEBER checks.
SIGNS = [
    ("SD NEGERI 7 KOTA MANNA", "Jl. Affan Bachsin No. 12 · NPSN 10700381"),
    ("PASAR BAWAH MANNA", "Dilarang membuang sampah di sini · Denda Rp 500.000"),
    ("TPS3R DESA PADANG PANJANG", "Jadwal angkut: Senin, Rabu, Jumat 07.00"),
    ("KANTOR CAMAT PINO RAYA", "Gerakan Bengkulu Selatan Bersih (GEBER)"),
    ("POSYANDU MAWAR III", "Buka setiap tanggal 15 · Pukul 08.00-12.00"),
    ("BANK SAMPAH SEJAHTERA", "Terima plastik, kertas, kaleng · Sabtu 09.00"),
]


def _font(size: int):
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _fitting_font(text: str, size: int, width: int):
    font = _font(size)
    while size > 10 and font.getlength(text) > width:
        size -= 4
        font = _font(size)
    return font


def _octaves(size, rng: random.Random, scales=(160, 48, 12), weights=(0.55, 0.3, 0.15)) -> Image.Image:
    """Grey fractal noise: Gaussian noise at a few coarse scales, enlarged and summed."""
    width, height = size
    result = Image.new("L", size, 128)
    for scale, weight in zip(scales, weights):
        small = Image.effect_noise((max(2, width // scale), max(2, height // scale)), 64 + rng.random() * 32)
        layer = small.resize(size, Image.Resampling.BICUBIC)
        result = Image.blend(result, layer, weight / (weight + 0.25))
    return ImageOps.autocontrast(result, cutoff=1)


def make_photo(seed: int, size=(4000, 3000), sign: tuple[str, str] | None = None) -> tuple[Image.Image, tuple]:
    """A photo and the box of its signboard (left, top, right, bottom)."""
    rng = random.Random(seed)
    width, height = size
    # Ground and vegetation: fractal noise coloured from dark green through olive to earth.
    base = _octaves(size, rng)
    hue = rng.choice([((25, 45, 18), (120, 140, 60), (190, 175, 120)), ((40, 38, 30), (110, 120, 70), (210, 200, 170))])
    image = ImageOps.colorize(base, black=hue[0], mid=hue[1], white=hue[2])
    draw = ImageDraw.Draw(image)
    # A wall with bricks in the upper part.
    wall_bottom = int(height * rng.uniform(0.35, 0.5))
    draw.rectangle((0, 0, width, wall_bottom), fill=(178, 160, 140))
    brick_h = 46
    for row, y in enumerate(range(0, wall_bottom, brick_h)):
        offset = 0 if row % 2 else 60
        for x in range(-offset, width, 120):
            tone = rng.randint(-22, 22)
            draw.rectangle((x + 3, y + 3, x + 117, y + brick_h - 3), fill=(165 + tone, 92 + tone, 70 + tone))
    # Grass blades and gravel over the ground.
    for _ in range(9000):
        x, y = rng.randrange(width), rng.randrange(wall_bottom, height)
        g = rng.randint(60, 150)
        draw.line((x, y, x + rng.randint(-14, 14), y - rng.randint(15, 60)), fill=(g // 3, g, g // 4), width=rng.randint(2, 4))
    for _ in range(5000):
        x, y, r = rng.randrange(width), rng.randrange(wall_bottom, height), rng.randint(2, 9)
        v = rng.randint(90, 200)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(v, v - 10, v - 25))
    # Litter: a few plastic bags and bottles of bright colours.
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(wall_bottom, height)
        colour = rng.choice([(220, 30, 40), (30, 90, 200), (240, 240, 235), (250, 200, 30)])
        draw.polygon([(x + rng.randint(-60, 60), y + rng.randint(-40, 40)) for _ in range(6)], fill=colour)
    # The signboard on two posts.
    title, line = sign or SIGNS[seed % len(SIGNS)]
    board_w, board_h = int(width * 0.42), int(height * 0.2)
    left = rng.randint(int(width * 0.08), int(width * 0.5))
    top = rng.randint(int(height * 0.12), int(height * 0.28))
    box = (left, top, left + board_w, top + board_h)
    for post in (left + board_w // 6, left + 5 * board_w // 6):
        draw.rectangle((post - 18, top + board_h, post + 18, min(height, top + board_h + 700)), fill=(90, 90, 95))
    draw.rectangle(box, fill=(20, 95, 60), outline=(235, 235, 235), width=14)
    title_font = _fitting_font(title, int(board_h * 0.2), board_w - 100)
    line_font = _fitting_font(line, int(board_h * 0.1), board_w - 100)
    draw.text((left + 50, top + int(board_h * 0.18)), title, font=title_font, fill=(250, 250, 245))
    draw.text((left + 50, top + int(board_h * 0.55)), line, font=line_font, fill=(250, 240, 160))
    # Uneven daylight, a little lens softness and sensor grain.
    light = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    light = ImageOps.invert(light).point(lambda v: 150 + v * 105 // 255)
    image = ImageChops.multiply(image, Image.merge("RGB", (light, light, light)))
    image = image.filter(ImageFilter.GaussianBlur(1.4))
    grain = Image.effect_noise(size, 4).point(lambda v: v - 128 + 128)
    image = ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), scale=1.0, offset=-128)
    return image, box


def camera_jpeg(seed: int, size=(4000, 3000), quality: int = 92) -> tuple[bytes, tuple]:
    """The photo as a camera saves it, and the signboard's box."""
    image, box = make_photo(seed, size)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue(), box
