"""The Tesseract pass: lines, words with confidences, language from OCR_LANG, time limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_worker import ocr
from ocr_worker.ocr import OcrError, OcrText, OcrWord, read_text

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
LINES = ["PARAGON FISKALNY", "Mleko UHT 3,2% 1L 2 x3,49 6,98 C", "SUMA PLN 6,98"]


def slip(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(str(FONT), 28)
    image = Image.new("L", (760, 60 + 46 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 46 * i), line, font=font, fill=0)
    return image


def test_reads_lines_in_order_with_confident_words() -> None:
    text = read_text(slip(LINES))
    assert text.lines == LINES
    assert [w.text for w in text.words][:2] == ["PARAGON", "FISKALNY"]
    assert {w.line for w in text.words} == {0, 1, 2}
    assert text.mean_confidence > 80
    assert text.text.splitlines() == LINES


def test_symbols_never_on_receipts_are_not_read() -> None:
    text = read_text(slip(["3 x 1,22 = 3,66 C", "Cola 2 x 1,50 = 3,00 C"]))
    assert not set("©¢®").intersection(text.text)
    assert text.lines[0] == "3 x 1,22 = 3,66 C"


def test_blank_page_gives_no_lines_and_zero_confidence() -> None:
    text = read_text(Image.new("L", (300, 200), 255))
    assert text.lines == [] and text.words == []
    assert text.mean_confidence == 0.0


def test_tesseract_runs_single_threaded() -> None:
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


def test_language_comes_from_ocr_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}

    def fake_image_to_data(image: Image.Image, **kwargs: object) -> dict[str, list]:
        seen.update({k: str(v) for k, v in kwargs.items()})
        return {k: [] for k in ("text", "conf", "block_num", "par_num", "line_num",
                                "left", "top", "width", "height")}

    monkeypatch.setattr(ocr.pytesseract, "image_to_data", fake_image_to_data)
    monkeypatch.setenv("OCR_LANG", "eng")
    read_text(Image.new("L", (10, 10), 255))
    assert seen["lang"] == "eng"
    assert "--oem 1" in seen["config"] and "--psm 6" in seen["config"]
    assert "tessedit_char_blacklist=©" in seen["config"]
    monkeypatch.delenv("OCR_LANG")
    read_text(Image.new("L", (10, 10), 255))
    assert seen["lang"] == "pol+eng"


def test_time_limit_raises_ocr_error() -> None:
    big = slip(LINES * 30).resize((3000, 8000))
    with pytest.raises(OcrError, match="did not finish"):
        read_text(big, timeout=0.05)


def test_words_are_grouped_by_tesseract_line_and_non_words_dropped() -> None:
    data = {
        "text": ["", "SUMA", "PLN", " ", "6,98", "x"],
        "conf": [-1, 96.0, 91.0, -1, 88.0, 40.0],
        "block_num": [1, 1, 1, 1, 1, 2],
        "par_num": [1, 1, 1, 1, 1, 1],
        "line_num": [1, 1, 1, 2, 2, 1],
        "left": [0, 10, 90, 0, 300, 5],
        "top": [0, 5, 5, 0, 5, 60],
        "width": [0, 70, 50, 0, 60, 10],
        "height": [0, 20, 20, 0, 20, 20],
    }
    text = ocr._group_lines(data)
    assert text.lines == ["SUMA PLN", "6,98", "x"]
    assert text.words[2] == OcrWord("6,98", 88.0, 300, 5, 60, 20, 1)
    assert text.mean_confidence == pytest.approx((96 + 91 + 88 + 40) / 4)


def test_empty_result_object() -> None:
    assert OcrText().mean_confidence == 0.0 and OcrText().text == ""


def test_tesseract_failure_is_not_reported_as_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise ocr.pytesseract.TesseractError(1, "Image too large: (60000, 10)")

    monkeypatch.setattr(ocr.pytesseract, "image_to_data", failing)
    with pytest.raises(OcrError, match="Tesseract failed: Image too large"):
        read_text(Image.new("L", (10, 10), 255))
