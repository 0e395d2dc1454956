"""The Tesseract pass: lines, words with confidences, language from OCR_LANG, time limit."""

from __future__ import annotations

import os
import threading
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
    asked: list[str] = []
    real_engine = ocr.engine

    def spy(lang: str) -> object:
        asked.append(lang)
        return real_engine(lang)

    monkeypatch.setattr(ocr, "engine", spy)
    monkeypatch.setenv("OCR_LANG", "eng")
    read_text(Image.new("L", (10, 10), 255))
    monkeypatch.delenv("OCR_LANG")
    read_text(Image.new("L", (10, 10), 255))
    assert asked == ["eng", "pol+eng+deu"]
    assert real_engine("eng").GetInitLanguagesAsString() == "eng"


def test_engine_is_psm6_lstm_with_the_blacklist_and_loaded_once_per_thread() -> None:
    api = ocr.engine("pol+eng")
    assert api is ocr.engine("pol+eng")  # the models are loaded once, not per receipt
    assert api.GetPageSegMode() == ocr.tesserocr.PSM.SINGLE_BLOCK
    assert api.oem() == ocr.tesserocr.OEM.LSTM_ONLY
    assert api.GetVariableAsString("tessedit_char_blacklist") == ocr.NEVER_ON_RECEIPTS
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(ocr.engine("pol+eng")))
    thread.start()
    thread.join()
    assert other and other[0] is not api  # one engine per thread: the API is not thread-safe


def test_missing_language_is_an_ocr_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCR_LANG", "xxx")
    with pytest.raises(OcrError, match="cannot load language 'xxx'"):
        read_text(Image.new("L", (10, 10), 255))


def test_time_limit_raises_ocr_error() -> None:
    big = slip(LINES * 30).resize((3000, 8000))
    with pytest.raises(OcrError, match="did not finish"):
        read_text(big, timeout=0.05)


def test_words_are_grouped_by_tesseract_line_and_non_words_dropped() -> None:
    rows = [  # level page block par line word left top width height conf text
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext",
        "4\t1\t1\t1\t1\t0\t0\t0\t300\t20\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t5\t70\t20\t96.0\tSUMA",
        "5\t1\t1\t1\t1\t2\t90\t5\t50\t20\t91.0\tPLN",
        "5\t1\t1\t1\t2\t1\t0\t0\t0\t0\t-1\t ",
        "5\t1\t1\t1\t2\t2\t300\t35\t60\t20\t88.0\t6,98",
        "5\t1\t2\t1\t1\t1\t5\t60\t10\t20\t40.0\tx",
    ]
    text = ocr.group_lines("\n".join(rows))
    assert text.lines == ["SUMA PLN", "6,98", "x"]
    assert text.words[2] == OcrWord("6,98", 88.0, 300, 35, 60, 20, 1)
    assert text.mean_confidence == pytest.approx((96 + 91 + 88 + 40) / 4)
    assert text.line_box(0) == (5, 25) and text.line_box(1) == (35, 55)


def test_empty_result_object() -> None:
    assert OcrText().mean_confidence == 0.0 and OcrText().text == ""


def test_tesseract_failure_is_not_reported_as_a_timeout() -> None:
    # Tesseract refuses images wider than 32767 px at once: a failure, not a time-out
    with pytest.raises(OcrError, match="Tesseract failed: it could not read this 60000x10"):
        read_text(Image.new("L", (60000, 10), 255))


def test_engine_errors_become_ocr_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def SetImage(self, image: Image.Image) -> None:
            raise RuntimeError("Error reading image")

        def Clear(self) -> None:
            pass

    monkeypatch.setattr(ocr, "engine", lambda lang: Broken())
    with pytest.raises(OcrError, match="Tesseract failed: Error reading image"):
        read_text(Image.new("L", (10, 10), 255))


def test_the_default_languages_load_german_too() -> None:
    """German slips need the deu model (umlauts, ß): the default engine has all three."""
    assert ocr.engine(ocr.DEFAULT_LANG).GetInitLanguagesAsString() == "pol+eng+deu"
