"""Draw an app e-receipt (rows from `hard_layouts.app_receipt`) as a phone screenshot.

Clean pixels, proportional sans fonts, a table with a header row, light or dark mode; either a
phone-sized screen (e.g. 1080 × 2400) or a long scrolling capture as tall as the receipt.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .hard_layouts import ScreenRow
from .render import FONT_DIRS

#: Proportional sans fonts (fonts-dejavu-core, fonts-liberation): regular and bold.
SCREEN_FONTS = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
#: (width, height) of common phone screens.
SCREEN_SIZES = ((1080, 2400), (1080, 2340), (1170, 2532), (720, 1600))


@dataclass(frozen=True)
class ScreenStyle:
    font: Path
    bold: Path
    font_px: int
    width: int
    height: int  # the screen; a long capture is taller
    long_capture: bool
    dark: bool
    background: tuple[int, int, int]
    card: tuple[int, int, int]
    ink: tuple[int, int, int]
    muted: tuple[int, int, int]
    rule: tuple[int, int, int]
    png: bool  # PNG as captured; else re-saved as JPEG (shared through a messenger)


def _find(name: str) -> Path:
    for directory in FONT_DIRS:
        if (directory / name).exists():
            return directory / name
    raise RuntimeError(f"font {name} not found: install fonts-dejavu-core and fonts-liberation")


def random_screen_style(rng: random.Random, dark: bool, long_capture: bool) -> ScreenStyle:
    regular, bold = rng.choice(SCREEN_FONTS)
    width, height = rng.choice(SCREEN_SIZES)
    if dark:
        bg = rng.choice([(0, 0, 0), (18, 18, 18), (28, 28, 30)])
        r, g, b = (min(255, c + rng.choice([0, 12, 20])) for c in bg)
        card = (r, g, b)
        ink = rng.choice([(255, 255, 255), (235, 235, 235), (225, 227, 230)])
        muted, rule = (160, 160, 165), (70, 70, 74)
    else:
        bg = rng.choice([(255, 255, 255), (242, 242, 247), (238, 238, 238)])
        card = (255, 255, 255)
        ink = rng.choice([(0, 0, 0), (33, 33, 33), (28, 28, 30)])
        muted, rule = (110, 110, 115), (210, 210, 214)
    return ScreenStyle(
        font=_find(regular), bold=_find(bold), font_px=round(width * rng.uniform(0.03, 0.037)),
        width=width, height=height, long_capture=long_capture, dark=dark, background=bg,
        card=card, ink=ink, muted=muted, rule=rule, png=rng.random() < 0.8,
    )


def render_screen(rows: list[ScreenRow], style: ScreenStyle, color: tuple[int, int, int],
                  clock: str) -> Image.Image:
    """The screenshot: status bar, the app's coloured top bar, the receipt on a card."""
    font = ImageFont.truetype(str(style.font), style.font_px)
    bold = ImageFont.truetype(str(style.bold), style.font_px)
    small = ImageFont.truetype(str(style.font), round(style.font_px * 0.8))
    title = ImageFont.truetype(str(style.bold), round(style.font_px * 1.35))
    w = style.width
    pad = round(w * 0.07)  # card edge + text inset
    line_h = round(style.font_px * 1.55)
    # table columns: name | PTU | quantity | unit price | value, sized from the right by the
    # widest cell of each column (numbers right-aligned)
    table = [r.cells for r in rows if r.kind in ("item", "header")]
    gap = round(style.font_px * 0.8)

    def widest(col: int) -> int:
        return round(max((bold.getlength(cells[col]) for cells in table), default=0))

    r_value = w - pad
    r_price = r_value - widest(4) - gap
    x_qty = r_price - widest(3) - gap - widest(2)
    x_ptu = x_qty - gap - widest(1)
    name_room = x_ptu - pad - gap

    # lay out first (an item whose name does not fit takes a row of its own), then draw
    placed: list[tuple[ScreenRow, int]] = []
    y = round(style.font_px * 2.2) + round(style.font_px * 3.2)  # status bar + top bar
    for row in rows:
        if row.kind == "title":
            continue  # drawn in the top bar
        if row.kind == "item" and font.getlength(row.cells[0]) > name_room:
            placed.append((ScreenRow("text", (row.cells[0],), muted=row.muted), y))
            y += line_h
            row = ScreenRow("item", ("", *row.cells[1:]), muted=row.muted)
        placed.append((row, y))
        y += {"gap": line_h // 2, "rule": line_h // 2}.get(row.kind, line_h)
    content_h = y + line_h * 2
    height = max(style.height, content_h) if style.long_capture else style.height
    if not style.long_capture and content_h > height:
        height = content_h  # never cut the receipt off: the truth must stay on the image

    image = Image.new("RGB", (w, height), style.background)
    draw = ImageDraw.Draw(image)
    bar_h = round(style.font_px * 2.2)
    top_h = round(style.font_px * 3.2)
    draw.rectangle([0, bar_h, w, bar_h + top_h], fill=color)
    draw.text((pad // 2, bar_h // 4), clock, font=small, fill=style.ink)
    draw.rectangle([w - pad - 40, bar_h // 3, w - pad, bar_h * 2 // 3], outline=style.ink)
    app_title = next((r.cells[0] for r in rows if r.kind == "title"), "")
    draw.text((pad, bar_h + (top_h - title.size) // 2), app_title, font=title,
              fill=(255, 255, 255))
    draw.rounded_rectangle([pad // 2, bar_h + top_h + line_h // 3, w - pad // 2,
                            height - line_h // 2], radius=pad // 3, fill=style.card)
    for row, y in placed:
        f = bold if row.strong else font
        fill = style.muted if row.muted else style.ink
        cells = row.cells
        if row.kind == "rule":
            draw.line([(pad, y + line_h // 4), (w - pad, y + line_h // 4)], fill=style.rule,
                      width=2)
        elif row.kind == "center":
            draw.text(((w - f.getlength(cells[0])) / 2, y), cells[0], font=f, fill=fill)
        elif row.kind == "text":
            draw.text((pad, y), cells[0], font=f, fill=fill)
        elif row.kind == "pair":
            draw.text((pad, y), cells[0], font=f, fill=fill)
            draw.text((r_value - f.getlength(cells[1]), y), cells[1], font=f, fill=fill)
        elif row.kind in ("item", "header"):
            name, ptu, qty, price, value = cells
            draw.text((pad, y), name, font=f, fill=fill)
            draw.text((x_ptu, y), ptu, font=f, fill=fill)
            draw.text((x_qty, y), qty, font=f, fill=fill)
            draw.text((r_price - f.getlength(price), y), price, font=f, fill=fill)
            draw.text((r_value - f.getlength(value), y), value, font=f, fill=fill)
    return image


def encode_screen(image: Image.Image, style: ScreenStyle, rng: random.Random) -> bytes:
    buf = io.BytesIO()
    if style.png:
        image.save(buf, "PNG", optimize=False)
    else:
        image.save(buf, "JPEG", quality=rng.randint(80, 95))
    return buf.getvalue()
