"""The conditional second OCR pass: taken only when the first parse fails its arithmetic,
and the parse whose checks pass is the one returned."""

from __future__ import annotations

import pytest
from PIL import Image

from ocr_worker import pipeline
from ocr_worker.config import Settings
from ocr_worker.pipeline import OcrLines, process_image

GOOD = [
    "PARAGON FISKALNY",
    "Mleko UHT 2 x3,49 6,98 C",
    "Chleb 1 x4,50 4,50 C",
    "SUMA PLN 11,48",
]
BAD = [  # a line lost (too noisy to read at all): 6,98 ≠ 11,48, nothing to repair from
    "PARAGON FISKALNY",
    "Mleko UHT 2 x3,49 6,98 C",
    "SUMA PLN 11,48",
]


@pytest.fixture
def png(simple_receipt_png: bytes) -> bytes:
    return simple_receipt_png


def fake_ocr(monkeypatch: pytest.MonkeyPatch, by_variant: dict[bool, list[str]]) -> list[bool]:
    calls: list[bool] = []

    def recognise(image: Image.Image, settings: Settings, *, threshold: bool = True) -> OcrLines:
        calls.append(threshold)
        return OcrLines(by_variant[threshold], 90.0, ["fake"])

    monkeypatch.setattr(pipeline, "recognise", recognise)
    return calls


def test_a_consistent_first_pass_is_the_only_pass(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    calls = fake_ocr(monkeypatch, {True: GOOD, False: BAD})
    result = process_image(png, Settings())
    assert calls == [True]
    assert result["ocr_pass"] == "threshold"
    assert result["checks"]["items_sum_matches_total"] is True
    assert not any("second OCR pass" in w for w in result["warnings"])


def test_a_failing_first_pass_is_replaced_by_a_second_pass_that_adds_up(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    calls = fake_ocr(monkeypatch, {True: BAD, False: GOOD})
    result = process_image(png, Settings())
    assert calls == [True, False]
    assert result["ocr_pass"] == "gray"
    assert result["checks"]["items_sum_matches_total"] is True
    assert [i["price"] for i in result["items"]] == ["6.98", "4.50"]
    assert "second OCR pass; kept: gray" in result["warnings"]


def test_a_worse_second_pass_does_not_replace_the_first(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    calls = fake_ocr(monkeypatch, {True: BAD, False: ["PARAGON FISKALNY", "Mleko"]})
    result = process_image(png, Settings())
    assert calls == [True, False]
    assert result["ocr_pass"] == "threshold"
    assert result["total"] == "11.48"
    assert "second OCR pass; kept: threshold" in result["warnings"]
