"""Realistic receipt photos rendered from structured ground truth (for tests and the benchmark).

Development tooling, not part of the OCR worker: it needs fonts the image lacks, so it lives
beside `ocr_worker` and is never copied into the image nor imported by the worker
(tests/test_image_contents.py).

    sample = generate(seed=7, index=0)          # one photo + its truth
    sample = generate(seed=7, index=0, hard=True)   # a hard case: scan, screenshot, worn slip
    write_set(folder, n=40, seed=7)             # image + .json ground truth pairs

The same (seed, index) always gives the same image and truth.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from .hard import HARD_SCENES, generate_hard
from .layouts import LAYOUTS, POLISH_CHAINS, make_receipt
from .photo import encode_jpeg, photograph, random_photo_style
from .render import available_fonts, random_style, render_paper
from .sample import Sample

__all__ = ["HARD_SCENES", "LAYOUTS", "Sample", "generate", "generate_hard", "layout_for",
           "write_set"]

#: Polish chains twice as often as each foreign layout.
_LAYOUT_CYCLE = [*POLISH_CHAINS, "uk", *POLISH_CHAINS, "us", "de", "nl"]


def layout_for(index: int) -> str:
    return _LAYOUT_CYCLE[index % len(_LAYOUT_CYCLE)]


def generate(
    seed: int, index: int, layout: str | None = None, size_class: str | None = None,
    hard: bool = False,
) -> Sample:
    """The ordinary set (a slip photographed on a table), or with `hard` the hard set
    (`hard.generate_hard`: its own seed space; `layout` and `size_class` do not apply)."""
    if hard:
        return generate_hard(seed, index)
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 - reproducible test data, not secrets
    layout = layout or layout_for(index)
    paper_style = random_style(rng, available_fonts())
    truth, lines = make_receipt(rng, layout, paper_style.width_chars)
    paper = render_paper(lines, paper_style, rng)
    photo_style = random_photo_style(rng, size_class)
    photo = photograph(paper, photo_style, rng)
    return Sample(
        name=f"s{seed}_{index:04d}_{layout}",
        truth=truth,
        image=encode_jpeg(photo, photo_style),
        paper=paper_style,
        photo=photo_style,
    )


def write_set(folder: Path, n: int, seed: int, hard: bool = False) -> list[Path]:
    """Write n labelled images (NAME.jpg or .png + NAME.json) into folder; returns the image
    paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(n):
        sample = generate(seed, index, hard=hard)
        image_path = folder / f"{sample.name}{sample.suffix}"
        image_path.write_bytes(sample.image)
        (folder / f"{sample.name}.json").write_text(
            json.dumps(sample.truth_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        paths.append(image_path)
    return paths
