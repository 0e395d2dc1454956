"""Re-reads from the gray image: the item band only when the first parse fails its arithmetic
(or guesses a price from the total), the date line always; a re-read is kept only when it is
better, and only the band's rows are read again."""

from __future__ import annotations

import pytest
from PIL import Image

from ocr_worker import pipeline
from ocr_worker.config import Settings
from ocr_worker.ocr import OcrError, OcrText, OcrWord
from ocr_worker.pipeline import process_image
from ocr_worker.second_pass import Band, band_around, needs_item_reread, splice

PITCH = 40  # rows per fake text line
HEADER = ["SKLEP ABC", "PARAGON FISKALNY"]
ITEMS_GOOD = ["Mleko UHT 2 x3,49 6,98 C", "Chleb 1 x4,50 4,50 C", "SUMA PLN 11,48"]
ITEMS_BAD = ["Mleko UHT 2 x3,49 6,98 C", "~ ~~ :", "SUMA PLN 11,48"]  # a line lost in noise


def text_of(lines: list[str], confidence: float = 90.0, top: int = 10) -> OcrText:
    """OCR output with one word box per token, each line PITCH rows below the last."""
    text = OcrText(lines=list(lines))
    for index, line in enumerate(lines):
        left = 20
        for token in line.split():
            text.words.append(OcrWord(token, confidence, left, top + index * PITCH,
                                      12 * len(token), 24, index))
            left += 12 * len(token) + 12
    return text


@pytest.fixture
def png(simple_receipt_png: bytes) -> bytes:
    return simple_receipt_png


def fake_ocr(monkeypatch: pytest.MonkeyPatch, answers: list[OcrText]) -> list[Image.Image]:
    """Tesseract stand-in: answers in call order, records the images it was given."""
    seen: list[Image.Image] = []

    def recognise(image: Image.Image, settings: Settings) -> OcrText:
        seen.append(image)
        return answers[len(seen) - 1]

    monkeypatch.setattr(pipeline, "recognise", recognise)
    # these tests are about Tesseract's re-reads: the second engine reads nothing here
    monkeypatch.setattr(pipeline, "read_text_rapid", lambda image, **kwargs: OcrText())
    monkeypatch.setattr(pipeline, "recognise_line", lambda image: ("", 0.0))
    return seen


def test_a_consistent_first_pass_is_the_only_pass(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    seen = fake_ocr(monkeypatch, [text_of(HEADER + ITEMS_GOOD)])
    result = process_image(png, Settings())
    assert len(seen) == 1
    assert result["reread"] == []
    assert result["checks"]["items_sum_matches_total"] is True
    assert not any("re-read" in w for w in result["warnings"])


def test_a_failing_item_band_is_re_read_from_its_rows_and_kept_when_it_adds_up(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    first = text_of(HEADER + ITEMS_BAD)
    seen = fake_ocr(monkeypatch, [first, text_of(ITEMS_GOOD, top=0)])
    result = process_image(png, Settings(), debug=True)
    assert len(seen) == 2
    band = band_around(first, (2, 4), seen[0].height)
    assert seen[1].size == (band.box(seen[0].width)[2] - band.left, band.bottom - band.top)
    assert seen[1].height < 3 * PITCH + PITCH  # the item rows, not the whole slip
    assert result["reread"] == ["items"]
    assert [i["price"] for i in result["items"]] == ["6.98", "4.50"]
    assert result["checks"]["items_sum_matches_total"] is True
    assert result["lines"] == HEADER + ITEMS_GOOD  # the header is the first pass's
    assert result["warnings"] == ["no date found"]  # nothing about the items is left in doubt


def test_a_worse_re_read_does_not_replace_the_first_reading(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    seen = fake_ocr(monkeypatch, [text_of(HEADER + ITEMS_BAD), text_of(["Mleko", "~~~"])])
    result = process_image(png, Settings())
    assert len(seen) == 2
    assert result["reread"] == []
    assert result["total"] == "11.48"
    assert any(w.startswith("sum of items") for w in result["warnings"])  # still in doubt


def test_a_price_guessed_from_the_total_triggers_the_item_re_read(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    # the Chleb value is illegible: the parser infers 4,50 from the total, which adds up
    guessing = [*HEADER, "Mleko UHT 2 x3,49 6,98 C", "Chleb 4,$# C", "SUMA PLN 11,48"]
    seen = fake_ocr(monkeypatch, [text_of(guessing), text_of(ITEMS_GOOD)])
    result = process_image(png, Settings())
    assert len(seen) == 2
    assert result["reread"] == ["items"]
    assert not any("inferred" in w for w in result["warnings"])


@pytest.mark.parametrize(
    ("reread_line", "confidence", "kept"),
    [
        ("20.12.2024 15:17", 96.0, True),   # surer, and still a date on that line
        ("20.12.2024 15:17", 60.0, False),  # less sure: the first reading stays
        ("2O.I2.2O2A", 99.0, False),        # no date any more on that line
    ],
)
def test_the_date_line_is_re_read_and_wins_only_when_surer(
    monkeypatch: pytest.MonkeyPatch, png: bytes, reread_line: str, confidence: float,
    kept: bool,
) -> None:
    first = text_of(HEADER + ITEMS_GOOD + ["26.12.2024 15:17"], confidence=80.0)
    seen = fake_ocr(monkeypatch, [first, text_of([reread_line], confidence=confidence)])
    result = process_image(png, Settings())
    assert len(seen) == 2
    assert seen[1].height <= 2 * 24 + 24  # one line's rows and a margin
    assert result["date"] == ("2024-12-20" if kept else "2024-12-26")
    assert result["reread"] == (["date"] if kept else [])


def test_band_rows_reach_halfway_to_the_neighbours_and_columns_hug_the_words() -> None:
    text = text_of(["HEADER", "ITEM ONE 1,00", "ITEM TWO 2,00", "SUMA 3,00", "FOOTER"])
    band = band_around(text, (1, 3), height=400)
    # line 0 ends at 34, line 1 starts at 50; line 3 ends at 154, line 4 starts at 170
    assert (band.first, band.last, band.top, band.bottom) == (1, 3, 42, 162)
    assert band.left == 0 and band.right == 20 + 12 * 13 + 24
    whole = band_around(text, None, height=400)
    assert (whole.first, whole.last, whole.top, whole.bottom) == (0, 4, 0, 218)


def test_splice_replaces_each_band_and_keeps_the_rest() -> None:
    first = text_of(["A", "B", "C", "D", "E"], confidence=50.0)
    rereads = {
        Band(3, 3, 0, 1): text_of(["d"], confidence=90.0),
        Band(1, 1, 0, 1): text_of(["b1", "b2"], confidence=90.0),
    }
    lines, confidence = splice(first, rereads)
    assert lines == ["A", "b1", "b2", "C", "d", "E"]
    assert confidence == pytest.approx((3 * 50 + 3 * 90) / 6)


def test_reread_triggers() -> None:
    good = {"items": [{}], "total": "1.00",
            "checks": {"items_sum_matches_total": True, "lines_consistent": True}}
    assert not needs_item_reread(good, guessed=False)
    assert needs_item_reread(good, guessed=True)
    assert needs_item_reread({**good, "total": None}, guessed=False)
    assert needs_item_reread({**good, "checks": {"items_sum_matches_total": False}},
                             guessed=False)
    assert needs_item_reread({**good, "checks": {**good["checks"], "lines_consistent": False}},
                             guessed=False)


def test_the_second_engine_reads_the_total_row_tesseract_could_not(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    """Tesseract leaves the total illegible twice; RapidOCR is asked for the boxes of the
    total's rows only, and its reading of them decides the total."""
    fake_ocr(monkeypatch, [text_of([*HEADER, "Mleko UHT 2 x3,49 6,98 C",
                                    "Chleb 1 x4,50 4,50 C", "SUMA PLN 1#,4B"]),
                           text_of(["Mleko UHT 2 x3,49 6,98 C", "Chleb 1 x4,50 4,50 C",
                                    "SUMA PLN 1#,4B"])] * 2)
    asked: list[tuple[int, int, int, int]] = []

    def rapid(image: Image.Image, *, timeout: float, keep: object) -> OcrText:
        boxes = [(20, 10 + i * PITCH, 300, 34 + i * PITCH) for i in range(5)]
        asked.extend(box for box in boxes if keep(box))  # type: ignore[operator]
        return text_of(["SUMA PLN 11,48"], top=10 + 4 * PITCH)

    monkeypatch.setattr(pipeline, "read_text_rapid", rapid)
    result = process_image(png, Settings())
    assert [box[1] for box in asked] == [10 + 4 * PITCH]  # the SUMA row, nothing else
    assert result["total"] == "11.48"
    assert "engine:total" in result["reread"]
    assert result["checks"]["items_sum_matches_total"] is True


@pytest.mark.parametrize(
    ("reading", "score", "date", "kept"),
    [
        ("26.12.2024 15:17", 0.9, "2024-12-26", False),  # the same date: nothing to change
        ("28.12.2024 15:17", 0.9, "2024-12-28", True),  # a digit Tesseract misread
        ("Data: 28.12.2024", 0.9, "2024-12-28", True),
        ("28.12.2024 15:17", 0.7, "2024-12-26", False),  # the recogniser unsure of it
        ("14.03.2023 15:17", 0.9, "2024-12-26", False),  # another date altogether
        ("28.12.2024 29.12.2024", 0.9, "2024-12-26", False),  # two dates: neither
        ("~~ ::", 0.9, "2024-12-26", False),
    ],
)
def test_the_second_engines_recogniser_reads_the_date_line_once_more(
    monkeypatch: pytest.MonkeyPatch, png: bytes, reading: str, score: float, date: str,
    kept: bool,
) -> None:
    """A consistent Tesseract parse: RapidOCR does not read the image, its recogniser reads
    the date line's band alone, and its date wins when it is a glyph or two from
    Tesseract's."""
    first = text_of(HEADER + ITEMS_GOOD + ["26.12.2024 15:17"])
    fake_ocr(monkeypatch, [first, first])
    bands: list[Image.Image] = []

    def recognise(image: Image.Image) -> tuple[str, float]:
        bands.append(image)
        return reading, score

    monkeypatch.setattr(pipeline, "recognise_line", recognise)
    result = process_image(png, Settings())
    assert len(bands) == 1 and bands[0].height <= 2 * 24 + 24  # the date line's rows
    assert result["date"] == date
    assert ("engine:date" in result["reread"]) is kept


def test_a_failing_recogniser_leaves_tesseracts_date(
    monkeypatch: pytest.MonkeyPatch, png: bytes
) -> None:
    first = text_of(HEADER + ITEMS_GOOD + ["26.12.2024 15:17"])
    fake_ocr(monkeypatch, [first, first])

    def broken(image: Image.Image) -> tuple[str, float]:
        raise OcrError("RapidOCR failed: test")

    monkeypatch.setattr(pipeline, "recognise_line", broken)
    result = process_image(png, Settings())
    assert result["date"] == "2024-12-26" and "engine:date" not in result["reread"]
