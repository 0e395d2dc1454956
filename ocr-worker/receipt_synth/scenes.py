"""Paper slips in larger frames: a flatbed scan of an A4 page, a phone photo from far away.

Both place the flat paper (an 'L' image from `render_paper`) on a background at a chosen
scale, angle and position, and return the upright RGB frame and the PhotoStyle that encodes it
(`encode_jpeg`). `margin` in that style is the slip's share of the frame height here.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from .photo import TABLES, PhotoStyle, _perspective_coeffs, _table
from .render import _smooth_noise

#: Width / height of an A4 page (210 × 297 mm) and of a phone photo (3:4 portrait).
A4_ASPECT = 210 / 297
PHONE_ASPECT = 3 / 4
#: Scanner lids and what people put under a slip: grey cardboard, light grey, near-white.
FLATBED_BACKGROUNDS = {"cardboard": (150, 185), "light_grey": (195, 222), "near_paper": (0, 0)}


def _paper_rgb(paper: Image.Image, rng: random.Random) -> Image.Image:
    tone = np.array([rng.uniform(0.97, 1.0), rng.uniform(0.96, 1.0), rng.uniform(0.92, 0.99)])
    rgb = np.asarray(paper, dtype=np.float32)[:, :, None] * tone[None, None, :]
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _paste(
    canvas: Image.Image, paper: Image.Image, rng: random.Random, slip_h: int, angle: float,
    centre: tuple[float, float], shadow: float = 0.0,
) -> tuple[int, int, int, int]:
    """Scale the paper to slip_h pixels tall, turn it by angle and paste it centred at centre
    (fractions of the canvas), with a soft shadow of the given darkness round its edge.
    Returns the slip's box in the canvas: left, top, width, height."""
    scale = slip_h / paper.height
    size = (max(1, round(paper.width * scale)), slip_h)
    slip = _paper_rgb(paper, rng).resize(size, Image.Resampling.LANCZOS)
    mask = Image.new("L", size, 255)
    slip = slip.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    mask = mask.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    x = round(centre[0] * canvas.width - slip.width / 2)
    y = round(centre[1] * canvas.height - slip.height / 2)
    if shadow > 0:  # only the slip's box (plus the blur's reach) is touched: big frames
        box = (max(0, x - 20), max(0, y - 20), min(canvas.width, x + slip.width + 24),
               min(canvas.height, y + slip.height + 24))
        halo = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
        halo.paste(mask, (x - box[0] + 3, y - box[1] + 4))
        halo = halo.filter(ImageFilter.GaussianBlur(6)).point(lambda v: round(v * shadow))
        region = canvas.crop(box)
        canvas.paste(ImageChops.subtract(region, ImageChops.multiply(
            region, Image.merge("RGB", [halo] * 3))), box[:2])
    canvas.paste(slip, (x, y), mask)
    return x, y, slip.width, slip.height


def _finish(
    canvas: Image.Image, rng: random.Random, light: float, noise: float, blur: float
) -> Image.Image:
    """Uneven light, sensor noise and blur over the whole frame, in 8-bit image operations
    (float arrays of a 12-megapixel RGB frame cost seconds each)."""
    w, h = canvas.size
    if light > 0:
        gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :] * rng.uniform(-1, 1)
        gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None] * rng.uniform(-1, 1)
        gain = Image.fromarray(np.clip(255.0 * (1.0 - light * 0.5 * (1 + (gx + gy) / 2)), 0,
                                       255).astype(np.uint8), "L")
        canvas = ImageChops.multiply(canvas, Image.merge("RGB", [gain] * 3))
    np_rng = np.random.default_rng(rng.randrange(2**32))
    grain = np_rng.standard_normal((h, w), dtype=np.float32) * noise + 128.0
    grain_img = Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8), "L")
    out = ImageChops.add(canvas, Image.merge("RGB", [grain_img] * 3), 1.0, -128)
    return out.filter(ImageFilter.GaussianBlur(blur)) if blur > 0 else out


def _coarse(
    make: Callable[[tuple[int, int]], np.ndarray], size: tuple[int, int], factor: int = 4
) -> Image.Image:
    """A smooth background drawn at 1/factor of the frame size and scaled up (it has no
    detail finer than that)."""
    small = (max(2, size[0] // factor), max(2, size[1] // factor))
    arr = make(small)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return img.resize(size, Image.Resampling.BILINEAR)


def _flatbed_background(
    rng: random.Random, size: tuple[int, int], kind: str, paper_level: float
) -> Image.Image:
    if kind == "near_paper":  # only slightly darker than the paper: the hardest to crop
        level = paper_level - rng.uniform(8, 22)
    else:
        low, high = FLATBED_BACKGROUNDS[kind]
        level = rng.uniform(low, high)
    tint = np.array([1.0, rng.uniform(0.97, 1.0), rng.uniform(0.92, 1.0)], dtype=np.float32)
    fibres, blotches = rng.uniform(0.01, 0.05), rng.uniform(0.0, 0.03)

    def make(small: tuple[int, int]) -> np.ndarray:
        w, h = small
        texture = 1.0 + fibres * (_smooth_noise(rng, (h, w), 60) - 0.5)
        texture += blotches * (_smooth_noise(rng, (h, w), 8) - 0.5)
        return level * texture[:, :, None] * tint[None, None, :]

    return _coarse(make, size)


Frame = tuple[Image.Image, PhotoStyle, tuple[int, int, int, int]]


def flatbed_page(paper: Image.Image, rng: random.Random) -> Frame:
    """A 300-dpi (or a bit smaller) scan of an A4 page with the slip on it, about a third of
    the page, possibly turned a little and off-centre. Returns the page, its style and the
    slip's box on it."""
    long_side = rng.randint(2400, 3508)
    size = (round(long_side * A4_ASPECT), long_side)
    kind = rng.choice(list(FLATBED_BACKGROUNDS))
    paper_level = float(np.percentile(np.asarray(paper), 90))
    canvas = _flatbed_background(rng, size, kind, paper_level)
    # a real 80 mm slip is 38 % of the page width; long slips are shrunk to fit the page
    slip_w = size[0] * rng.uniform(0.3, 0.42)
    slip_h = min(round(paper.height * slip_w / paper.width), round(size[1] * 0.9))
    angle = rng.uniform(-3.0, 3.0) if rng.random() < 0.7 else 0.0
    half_w = slip_w / size[0] / 2 + 0.03
    half_h = slip_h / size[1] / 2 + 0.03
    centred = rng.random() < 0.4
    cx = 0.5 if centred else rng.uniform(half_w, 1 - half_w)
    cy = 0.5 if centred else rng.uniform(min(0.5, half_h), max(0.5, 1 - half_h))
    box = _paste(canvas, paper, rng, slip_h, angle, (cx, cy), shadow=rng.uniform(0.0, 0.25))
    style = PhotoStyle(
        angle=angle, perspective=0.0, margin=round(slip_h / size[1], 3), table=(0, 0, 0),
        light=rng.uniform(0.0, 0.06), blur=rng.choice([0.0, 0.0, 0.4, 0.6]),
        noise=rng.uniform(0.5, 2.5), long_side=long_side, jpeg_quality=rng.randint(75, 95),
        orientation=1,
    )
    return _finish(canvas, rng, style.light, style.noise, style.blur), style, box


def phone_far(paper: Image.Image, rng: random.Random) -> Frame:
    """A phone photo (3:4) of a slip lying on a table, the slip small in the frame (its box
    is where it lay before the perspective turn, which moves it by a few per cent)."""
    long_side = rng.randint(2400, 3600)
    size = (round(long_side * PHONE_ASPECT), long_side)
    table_color = rng.choice(TABLES)
    canvas = _coarse(lambda small: _table(rng, small, table_color), size)
    share = rng.uniform(0.35, 0.6)  # slip height / frame height
    slip_h = round(size[1] * share)
    slip_w = paper.width * slip_h / paper.height
    if slip_w > size[0] * 0.8:  # a short wide slip: limit by width instead
        slip_h = round(slip_h * size[0] * 0.8 / slip_w)
        share = slip_h / size[1]
        slip_w = size[0] * 0.8
    angle = rng.uniform(-6.0, 6.0)
    half_w = slip_w / size[0] / 2 + 0.04
    cx = rng.uniform(half_w, 1 - half_w)
    cy = rng.uniform(share / 2 + 0.04, 1 - share / 2 - 0.04)
    box = _paste(canvas, paper, rng, slip_h, angle, (cx, cy), shadow=rng.uniform(0.1, 0.35))
    perspective = rng.uniform(0.0, 0.03)
    if perspective > 0:
        w, h = size
        src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
        unit = min(w, h)
        jitter = [(rng.uniform(-1, 1) * perspective * unit,
                   rng.uniform(-1, 1) * perspective * unit) for _ in range(4)]
        dst = [(x + jx, y + jy) for (x, y), (jx, jy) in zip(src, jitter, strict=True)]
        canvas = canvas.transform(size, Image.Transform.PERSPECTIVE,
                                  _perspective_coeffs(src, dst), Image.Resampling.BICUBIC,
                                  fillcolor=table_color)
    style = PhotoStyle(
        angle=angle, perspective=perspective, margin=round(share, 3), table=table_color,
        light=rng.uniform(0.0, 0.3), blur=rng.choice([0.0, 0.5, 0.8, 1.2]),
        noise=rng.uniform(1.5, 6.0), long_side=long_side, jpeg_quality=rng.randint(70, 92),
        orientation=rng.choices([1, 6, 8, 3], weights=[7, 2, 1, 1])[0],
    )
    return _finish(canvas, rng, style.light, style.noise, style.blur), style, box
