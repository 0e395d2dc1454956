"""A few generated receipt photos through the whole worker: bytes in, receipt JSON out.

Photos come from the generator (table, skew, perspective, blur, noise, JPEG, EXIF turn); the
full benchmark is `python -m bench` (too slow for the test suite).
"""

from __future__ import annotations

import pytest

from bench.metrics import match_items
from ocr_worker.config import Settings
from ocr_worker.pipeline import process_image
from receipt_synth import generate

CASES = [  # (seed, index, layout): one-line, two-line, UK £, US $ month-first, German SUMME
    (5, 0, "biedronka"),
    (5, 0, "zabka"),
    (5, 0, "uk"),
    (5, 0, "us"),
    (5, 0, "de"),
]


@pytest.mark.parametrize(("seed", "index", "layout"), CASES)
def test_generated_photo_is_read_right(seed: int, index: int, layout: str) -> None:
    sample = generate(seed, index, layout=layout, size_class="normal")
    truth = sample.truth_json()
    result = process_image(sample.image, Settings())
    assert result["total"] == truth["total"]
    assert result["date"] == truth["date"]
    assert result["shop"] == truth["shop"]
    assert result["currency"] == truth["currency"]
    matched = match_items(truth["items"], result["items"])
    assert matched >= len(truth["items"]) - 1, (truth["items"], result["items"])
    assert len(result["items"]) <= len(truth["items"]) + 1


def test_a_sideways_photo_is_turned_by_its_exif_tag() -> None:
    sample = generate(5, 5, layout="lidl", size_class="normal")
    assert sample.photo.orientation == 6  # stored sideways, the tag says "turn 90°"
    result = process_image(sample.image, Settings(), debug=True)
    assert "PARAGON FISKALNY" in result["lines"]
    assert result["total"] == sample.truth_json()["total"]
