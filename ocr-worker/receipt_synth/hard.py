"""The hard set: receipts as real users send them, beyond a slip photographed on a table.

Scenes (the truth's ``scene`` field; the index picks it, so a set of n covers all of them):

- ``flatbed_page``: a 300-dpi-like scan of an A4 page, the slip a third of it, on grey
  cardboard, light grey or a background barely darker than the paper, maybe turned, off-centre;
- ``phone_far``: a phone photo with the slip small in the frame, on a table;
- ``worn``: the usual table photo of a worn slip: print of another slip showing through from
  the back (mirrored, blurred, faint), creases, low contrast, faded print;
- ``screenshot`` / ``screenshot_dark``: an app e-receipt (Lidl Plus, Biedronka, Kaufland,
  Auchan) as a phone screenshot or a long capture, light or dark mode.

Paper scenes print the Polish chains and German shop slips (REWE, real, Media Markt with
their total words); flatbed and far photos also get show-through or creases now and then.
Its own seed space (``hard:seed:index``), so the ordinary set keeps its bytes.
"""

from __future__ import annotations

import random
from typing import Any

from PIL import Image

from .damage import creases, low_contrast, show_through
from .hard_layouts import APP_CHAINS, app_receipt, german_shop_receipt
from .layouts import POLISH_CHAINS, make_receipt
from .photo import encode_jpeg, photograph, random_photo_style
from .render import PaperStyle, available_fonts, random_style, render_paper
from .sample import Sample
from .scenes import flatbed_page, phone_far
from .screens import encode_screen, random_screen_style, render_screen
from .truth import ReceiptTruth

HARD_SCENES = ("flatbed_page", "phone_far", "worn", "screenshot", "screenshot_dark")
PAPER_SCENES = HARD_SCENES[:3]
#: Layouts printed on paper in the hard set, picked by index (de_shop: German shop slips).
HARD_PAPER_LAYOUTS = ("de_shop", *POLISH_CHAINS, "de_shop")
APP_KEYS = tuple(APP_CHAINS)


def hard_scene_for(index: int) -> str:
    return HARD_SCENES[index % len(HARD_SCENES)]


def _paper_receipt(
    rng: random.Random, layout: str, style: PaperStyle
) -> tuple[ReceiptTruth, Image.Image]:
    if layout == "de_shop":
        truth, lines = german_shop_receipt(rng, style.width_chars)
    else:
        truth, lines = make_receipt(rng, layout, style.width_chars)
    return truth, render_paper(lines, style, rng)


def _worn(paper: Image.Image, rng: random.Random, fonts: list[Any], always: bool) -> tuple[
    Image.Image, list[str]
]:
    """Show-through, creases and low contrast, each with some chance (at least one when
    `always`); returns the paper and the names of what was applied."""
    applied = []
    if rng.random() < (0.7 if always else 0.25):
        back_style = random_style(rng, fonts)
        _, back = _paper_receipt(rng, rng.choice(list(POLISH_CHAINS)), back_style)
        paper = show_through(paper, back, rng)
        applied.append("show_through")
    if rng.random() < (0.6 if always else 0.25):
        paper = creases(paper, rng)
        applied.append("creases")
    if rng.random() < (0.5 if always else 0.15) or (always and not applied):
        paper = low_contrast(paper, rng)
        applied.append("low_contrast")
    return paper, applied


def generate_hard(seed: int, index: int, scene: str | None = None) -> Sample:
    """One hard case (a `Sample`); the same (seed, index, scene) gives the same bytes."""
    rng = random.Random(f"hard:{seed}:{index}")  # noqa: S311 - reproducible test data
    scene = scene or hard_scene_for(index)
    if scene not in HARD_SCENES:
        raise ValueError(f"unknown scene {scene!r}; one of {', '.join(HARD_SCENES)}")
    if scene.startswith("screenshot"):
        key = APP_KEYS[(index // len(HARD_SCENES)) % len(APP_KEYS)]
        long_capture = rng.random() < 0.35
        truth, rows = app_receipt(rng, key, rng.randint(8, 18) if long_capture
                                  else rng.randint(2, 8))
        screen = random_screen_style(rng, dark=scene == "screenshot_dark",
                                     long_capture=long_capture)
        clock = f"{rng.randint(7, 23)}:{rng.randrange(60):02d}"
        image = render_screen(rows, screen, APP_CHAINS[key].color, clock)
        return Sample(
            name=f"h{seed}_{index:04d}_{scene}_{truth.layout}", truth=truth,
            image=encode_screen(image, screen, rng), paper=None, photo=None, scene=scene,
            suffix=".png" if screen.png else ".jpg",
            render_info={"font": screen.font.name, "font_px": screen.font_px,
                         "size": [image.width, image.height],
                         "long_capture": long_capture, "dark": screen.dark},
        )

    layout = HARD_PAPER_LAYOUTS[(index // len(HARD_SCENES)) % len(HARD_PAPER_LAYOUTS)]
    fonts = available_fonts()
    style = random_style(rng, fonts)
    if scene == "worn" and rng.random() < 0.5:  # faded thermal print on top of the wear
        style = PaperStyle(style.font, style.font_px, style.width_chars, style.ink,
                           rng.choice([0.4, 0.55, 0.65]), style.margin_chars)
    truth, paper = _paper_receipt(rng, layout, style)
    paper, damage = _worn(paper, rng, fonts, always=scene == "worn")
    info: dict[str, Any] = {"damage": damage}
    if scene == "flatbed_page":
        frame, photo_style, info["slip_box"] = flatbed_page(paper, rng)
    elif scene == "phone_far":
        frame, photo_style, info["slip_box"] = phone_far(paper, rng)
    else:
        photo_style = random_photo_style(rng, "normal")
        frame = photograph(paper, photo_style, rng)
    info["size"] = [frame.width, frame.height]
    return Sample(
        name=f"h{seed}_{index:04d}_{scene}_{layout}", truth=truth,
        image=encode_jpeg(frame, photo_style), paper=style, photo=photo_style, scene=scene,
        render_info=info,
    )
