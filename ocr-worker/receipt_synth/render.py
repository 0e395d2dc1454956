"""Print lines onto a strip of thermal paper (grayscale, flat, top-down view)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .layouts import PrintLine

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/freefont"),
)
#: Fonts used for receipts, by Debian package: fonts-dejavu-core, fonts-dejavu-extra,
#: fonts-liberation, fonts-freefont-ttf. Monospace first: most tills print a fixed pitch.
FONT_FILES = (
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "LiberationMono-Regular.ttf",
    "LiberationMono-Bold.ttf",
    "FreeMono.ttf",
    "FreeMonoBold.ttf",
    "DejaVuSansCondensed.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "FreeSans.ttf",
)


def available_fonts() -> list[Path]:
    found = []
    for name in FONT_FILES:
        for directory in FONT_DIRS:
            if (directory / name).exists():
                found.append(directory / name)
                break
    if not found:
        raise RuntimeError("no receipt fonts found: install fonts-dejavu-core and fonts-liberation")
    return found


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class PaperStyle:
    font: Path
    font_px: int
    width_chars: int
    ink: int  # gray level of fresh ink, 0 = black
    fade: float  # 0 = fresh, 1 = nearly gone
    margin_chars: int = 2


def random_style(rng: random.Random, fonts: list[Path]) -> PaperStyle:
    return PaperStyle(
        font=rng.choice(fonts),
        font_px=rng.randint(20, 30),
        width_chars=rng.randint(38, 48),
        ink=rng.randint(0, 60),
        fade=rng.choice([0.0, 0.0, 0.1, 0.25, 0.4, 0.55]),
    )


def render_paper(lines: list[PrintLine], style: PaperStyle, rng: random.Random) -> Image.Image:
    """Lay the lines out on paper; returns an 'L' image (white paper, gray ink)."""
    font = _font(str(style.font), style.font_px)
    big = _font(str(style.font), int(style.font_px * 1.3))
    char_w = font.getlength("0")
    gap = char_w * 2
    content_w = style.width_chars * char_w
    for line in lines:
        f = big if line.big else font
        if not line.center and line.right:
            content_w = max(content_w, f.getlength(line.left) + gap + f.getlength(line.right))
        else:
            content_w = max(content_w, f.getlength(line.left))
    margin = style.margin_chars * char_w
    line_h = int(style.font_px * rng.uniform(1.2, 1.45))
    width = int(content_w + 2 * margin)
    height = int(line_h * (len(lines) + 4) + len([x for x in lines if x.big]) * style.font_px * 0.4)
    paper = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(paper)
    y = line_h * 2.0
    for line in lines:
        f = big if line.big else font
        if line.rule:
            count = int(content_w / f.getlength(line.rule))
            draw.text((margin, y), line.rule * count, font=f, fill=0)
        elif line.center:
            x = margin + (content_w - f.getlength(line.left)) / 2
            draw.text((x, y), line.left, font=f, fill=0)
        else:
            if line.left:
                draw.text((margin, y), line.left, font=f, fill=0)
            if line.right:
                x = margin + content_w - f.getlength(line.right)
                draw.text((x, y), line.right, font=f, fill=0)
        y += line_h * (1.3 if line.big else 1.0)
    return _thermal_look(paper, style, rng)


def _smooth_noise(rng: random.Random, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] (bilinear upscale of a coarse random grid)."""
    grid_h = max(2, shape[0] * cells // max(shape))
    grid_w = max(2, shape[1] * cells // max(shape))
    seed = rng.randrange(2**32)
    coarse = np.random.default_rng(seed).random((grid_h, grid_w)).astype(np.float32)
    img = Image.fromarray((coarse * 255).astype(np.uint8)).resize(
        (shape[1], shape[0]), Image.Resampling.BICUBIC
    )
    return np.asarray(img, dtype=np.float32) / 255.0


def _thermal_look(paper: Image.Image, style: PaperStyle, rng: random.Random) -> Image.Image:
    """Gray, uneven ink; faded areas; a slightly off-white paper tone."""
    coverage = 1.0 - np.asarray(paper, dtype=np.float32) / 255.0  # 1 where ink
    h, w = coverage.shape
    strength = 1.0 - style.fade * (0.6 + 0.4 * _smooth_noise(rng, (h, w), 6))
    # vertical streaks where the print head is weaker
    streak = 1.0 - 0.25 * style.fade * _smooth_noise(rng, (1, w), 40)
    strength = np.clip(strength * streak, 0.15, 1.0)
    np_rng = np.random.default_rng(rng.randrange(2**32))
    if style.fade > 0.2:  # dotty print: drop some ink pixels
        coverage = coverage * (np_rng.random((h, w)) > style.fade * 0.25)
    ink_level = style.ink / 255.0
    paper_tone = rng.uniform(0.9, 1.0)
    darkness = coverage * strength * (1.0 - ink_level)
    out = paper_tone * (1.0 - darkness)
    return Image.fromarray(np.clip(out * 255.0, 0, 255).astype(np.uint8), "L")
