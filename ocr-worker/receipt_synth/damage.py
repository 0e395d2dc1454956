"""Wear on a rendered paper strip: print showing through from the back, creases, low contrast.

Each function takes and returns an 'L' image of the flat paper (white paper, gray ink), so it
goes between `render_paper` and the scene that photographs or scans the paper.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def show_through(paper: Image.Image, back: Image.Image, rng: random.Random) -> Image.Image:
    """Faint mirrored print of another slip seen through thin thermal paper.

    `back` is the rendered paper of the other slip; it is flipped left-right (read from the
    front), blurred by the paper and blended in at low contrast."""
    mirrored = ImageOps.mirror(back)
    canvas = Image.new("L", paper.size, 255)
    canvas.paste(mirrored, (rng.randint(-40, 40), rng.randint(-paper.height // 8, 40)))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(1.2, 3.0)))
    ink = 1.0 - np.asarray(canvas, dtype=np.float32) / 255.0
    strength = rng.uniform(0.12, 0.3)
    out = np.asarray(paper, dtype=np.float32) * (1.0 - strength * ink)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")


def creases(paper: Image.Image, rng: random.Random, count: int | None = None) -> Image.Image:
    """A few thin darker and lighter lines across the paper where it was folded or crumpled."""
    w, h = paper.size
    count = count if count is not None else rng.randint(1, 4)
    shade = Image.new("L", paper.size, 128)  # 128 = no change
    draw = ImageDraw.Draw(shade)
    for _ in range(count):
        y = rng.uniform(0.05, 0.95) * h
        angle = math.radians(rng.uniform(-8.0, 8.0))
        dy = math.tan(angle) * w
        dark = rng.randint(25, 60)
        width = rng.randint(1, 3)
        draw.line([(0, y), (w, y + dy)], fill=128 - dark, width=width)
        # the lit side of the fold: a lighter band beside the dark line
        off = width + rng.randint(1, 3)
        draw.line([(0, y + off), (w, y + dy + off)], fill=128 + dark // 2, width=width + 1)
    shade = shade.filter(ImageFilter.GaussianBlur(0.8))
    delta = np.asarray(shade, dtype=np.float32) - 128.0
    out = np.asarray(paper, dtype=np.float32) + delta
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")


def low_contrast(paper: Image.Image, rng: random.Random) -> Image.Image:
    """Washed-out print on grayish paper: ink darkness scaled down, paper darkened a little."""
    arr = np.asarray(paper, dtype=np.float32)
    white = float(np.percentile(arr, 90))
    contrast = rng.uniform(0.35, 0.6)
    paper_level = white * rng.uniform(0.86, 0.96)
    out = paper_level - (white - arr) * contrast * (paper_level / max(white, 1.0))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
