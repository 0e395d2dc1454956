"""Turn a flat paper strip into a phone photo: table, skew, perspective, light, blur, noise."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .render import _smooth_noise

#: EXIF orientation value -> transpose that turns the upright image into the stored pixels.
_STORE_TRANSPOSE = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}
ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class PhotoStyle:
    angle: float  # degrees, counter-clockwise
    perspective: float  # 0 = none, ~0.04 = strong keystone
    margin: float  # table visible around the paper, fraction of paper size
    table: tuple[int, int, int]
    light: float  # 0 = even light, 0.35 = strong gradient
    blur: float  # Gaussian radius in final-image pixels
    noise: float  # sigma of sensor noise, gray levels
    long_side: int  # final image size
    jpeg_quality: int
    orientation: int  # EXIF orientation tag (1 = upright)


TABLES = [(92, 64, 42), (60, 44, 32), (120, 96, 70), (70, 72, 76), (40, 42, 48), (110, 110, 105),
          (35, 55, 80), (150, 130, 110)]


def random_photo_style(rng: random.Random, size_class: str | None = None) -> PhotoStyle:
    size_class = size_class or rng.choices(["tiny", "normal", "huge"], weights=[2, 6, 2])[0]
    long_side = {
        "tiny": rng.randint(1100, 1500),
        "normal": rng.randint(1500, 2600),
        "huge": rng.randint(3600, 4800),
    }[size_class]
    return PhotoStyle(
        angle=rng.uniform(-4.0, 4.0) if rng.random() < 0.8 else 0.0,
        perspective=rng.uniform(0.0, 0.025),
        margin=rng.uniform(0.04, 0.3),
        table=rng.choice(TABLES),
        light=rng.uniform(0.0, 0.35),
        blur=rng.choice([0.0, 0.4, 0.7, 1.0, 1.3]),
        noise=rng.uniform(1.0, 7.0),
        long_side=long_side,
        jpeg_quality=rng.randint(55, 92),
        orientation=rng.choices([1, 6, 8, 3], weights=[7, 2, 1, 1])[0],
    )


def _table(rng: random.Random, size: tuple[int, int], color: tuple[int, int, int]) -> np.ndarray:
    w, h = size
    grain = _smooth_noise(rng, (h, w), 12)
    # wood-like streaks: noise stretched along x
    streaks = _smooth_noise(rng, (h, 1), 160) @ np.ones((1, w), dtype=np.float32)
    texture = 0.8 + 0.25 * grain + 0.15 * streaks
    base = np.array(color, dtype=np.float32)[None, None, :]
    return base * texture[:, :, None]


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points dst to input src."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return [float(c) for c in solution]


def photograph(paper: Image.Image, style: PhotoStyle, rng: random.Random) -> Image.Image:
    """Place the paper on a table and take an upright (not yet EXIF-rotated) photo of it."""
    tone = np.array([rng.uniform(0.97, 1.0), rng.uniform(0.96, 1.0), rng.uniform(0.9, 0.98)])
    paper_rgb = np.asarray(paper, dtype=np.float32)[:, :, None] * tone[None, None, :]
    paper_img = Image.fromarray(np.clip(paper_rgb, 0, 255).astype(np.uint8), "RGB")
    mask = Image.new("L", paper.size, 255)
    paper_img = paper_img.rotate(style.angle, Image.Resampling.BICUBIC, expand=True)
    mask = mask.rotate(style.angle, Image.Resampling.BICUBIC, expand=True)

    pw, ph = paper_img.size
    mx, my = int(pw * style.margin) + 4, int(ph * style.margin * 0.5) + 4
    size = (pw + 2 * mx, ph + 2 * my)
    table = _table(rng, size, style.table)
    canvas = Image.fromarray(np.clip(table, 0, 255).astype(np.uint8), "RGB")
    ox = mx + rng.randint(-mx // 2, mx // 2)
    oy = my + rng.randint(-my // 2, my // 2)
    canvas.paste(paper_img, (ox, oy), mask)

    if style.perspective > 0:
        w, h = size
        d = style.perspective
        src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
        unit = min(w, h)  # keystone; vertical shear stays within a degree or two
        jitter = [(rng.uniform(-d, d) * unit, rng.uniform(-d, d) * unit) for _ in range(4)]
        dst = [(x + jx, y + jy) for (x, y), (jx, jy) in zip(src, jitter, strict=True)]
        coeffs = _perspective_coeffs(src, dst)
        canvas = canvas.transform(size, Image.Transform.PERSPECTIVE, coeffs,
                                  Image.Resampling.BICUBIC, fillcolor=style.table)

    scale = style.long_side / max(canvas.size)
    new_size = (max(1, round(canvas.width * scale)), max(1, round(canvas.height * scale)))
    canvas = canvas.resize(new_size, Image.Resampling.LANCZOS)

    arr: np.ndarray = np.asarray(canvas, dtype=np.float32)
    h, w = arr.shape[:2]
    if style.light > 0:
        gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :] * rng.uniform(-1, 1)
        gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None] * rng.uniform(-1, 1)
        arr = arr * (1.0 - style.light * 0.5 * (1 + (gx + gy) / 2))[:, :, None]
    np_rng = np.random.default_rng(rng.randrange(2**32))
    arr = arr + np_rng.normal(0.0, style.noise, arr.shape).astype(np.float32)
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    if style.blur > 0:
        photo = photo.filter(ImageFilter.GaussianBlur(style.blur))
    return photo


def encode_jpeg(photo: Image.Image, style: PhotoStyle) -> bytes:
    """JPEG bytes whose pixels are stored rotated, with the EXIF tag that turns them upright."""
    stored = photo
    exif = Image.Exif()
    if style.orientation != 1:
        stored = photo.transpose(_STORE_TRANSPOSE[style.orientation])
        exif[ORIENTATION_TAG] = style.orientation
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=style.jpeg_quality, exif=exif.tobytes())
    return buf.getvalue()
