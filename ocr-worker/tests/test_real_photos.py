"""The worker on real photos of foreign receipts (bench/real-photos): total and date of each.

A photo whose field is known to be misread is marked with the reason (strict: the mark must
go when the field starts to be read right).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ocr_worker.config import Settings
from ocr_worker.pipeline import process_image

PHOTOS = Path(__file__).resolve().parents[1] / "bench" / "real-photos"
LABELS = sorted(PHOTOS.glob("*.json"))
KNOWN_MISSES = {
    ("np_saathimart_kathmandu", "date"):
        "07/05/2024 is month-first on this Nepali slip (the Bikram Sambat date beside it, "
        "21/03/2081, is 5 July); without a US currency the parser reads day-first",
}
GOAL = 0.85  # issue 3: at least 85 % of totals and dates right on real foreign receipts


def truth(name: str) -> dict[str, Any]:
    return json.loads((PHOTOS / f"{name}.json").read_text(encoding="utf-8"))


@cache
def read(name: str) -> dict[str, Any]:
    image = next(p for p in PHOTOS.glob(f"{name}.*") if p.suffix != ".json")
    return process_image(image.read_bytes(), Settings())


def cases() -> list[Any]:
    params = []
    for label in LABELS:
        for field in ("total", "date"):
            reason = KNOWN_MISSES.get((label.stem, field))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(label.stem, field, marks=marks,
                                       id=f"{label.stem}-{field}"))
    return params


def test_there_are_real_photos_with_labels_and_licences() -> None:
    assert len(LABELS) >= 5
    for label in LABELS:
        data = truth(label.stem)
        assert {"shop", "date", "total", "source"} <= data.keys()
        assert data["source"]["license"] in ("MIT", "Apache-2.0")


@pytest.mark.parametrize(("name", "field"), cases())
def test_total_and_date_are_read(name: str, field: str) -> None:
    assert read(name)[field] == truth(name)[field]


def test_share_of_totals_and_dates_read_right_meets_the_goal() -> None:
    right = sum(read(label.stem)[field] == truth(label.stem)[field]
                for label in LABELS for field in ("total", "date"))
    assert right / (2 * len(LABELS)) >= GOAL
