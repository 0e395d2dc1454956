"""The second engine's part of the pipeline: when it runs, which boxes it reads, how its lines
join Tesseract's, and the vote between the two parses."""

from __future__ import annotations

from typing import Any

import pytest

from ocr_worker.ocr import OcrText, OcrWord
from ocr_worker.parser import parse_receipt
from ocr_worker.parser.text import fold
from ocr_worker.second_engine import (
    AGREED_TOTAL,
    DATE_WORDS,
    boxes_to_read,
    decisive_rows,
    hybrid_lines,
    needs_second_engine,
    vote,
)


def text_of(rows: list[tuple[str, int]]) -> OcrText:
    """OCR text with one word per line at the given top pixel row (20 px high)."""
    text = OcrText()
    for index, (line, top) in enumerate(rows):
        text.lines.append(line)
        text.words.append(OcrWord(line, 90.0, 10, top, 200, 20, index))
    return text


def parsed(lines: list[str]) -> dict[str, Any]:
    return parse_receipt(lines).to_json()


CONFIRMED = ["SHOP SDN BHD", "ITEM A 1 9.00", "TOTAL 9.00", "CASH 10.00", "CHANGE 1.00",
             "25/12/2018 20:13"]


def test_a_confirmed_total_with_a_date_needs_no_second_engine() -> None:
    assert not needs_second_engine(parsed(CONFIRMED))


def test_a_missing_date_or_unconfirmed_total_calls_the_second_engine() -> None:
    assert needs_second_engine(parsed(CONFIRMED[:-1]))
    assert needs_second_engine(parsed(["SHOP", "TOTAL 9.00", "25/12/2018"]))
    assert needs_second_engine(parsed(["SHOP", "25/12/2018"]))


def test_decisive_rows_are_the_total_line_and_the_next_payment_and_date() -> None:
    first = text_of([("SHOP", 0), ("ITEM A 9.00", 40), ("TOTAL", 80), ("9.00", 120),
                     ("CASH 10.00", 160), ("THANK YOU", 200), ("25/12/2018", 240)])
    lines, rows = decisive_rows(first, parsed(["SHOP", "TOTAL 9.0O"]))
    assert lines == {2, 3, 4, 6}
    assert rows == [(80, 100), (120, 140), (160, 180), (240, 260)]
    # the date row is read again even when the first parse has a date: a misread digit
    # still makes a date
    lines, _ = decisive_rows(first, parsed(["SHOP", "TOTAL 9.0O", "25/12/2018"]))
    assert 6 in lines


def test_equally_sure_dates_go_to_the_second_engine_a_surer_one_stays() -> None:
    first = parsed(["SHOP", "TOTAL 9.00", "Date: 06/03/2016 10:00"])
    second = parsed(["SHOP", "TOTAL 9.00", "Date: 06/03/2018 10:00"])
    result, taken = vote(first, second)
    assert result["date"] == "2018-03-06" and "date" in taken
    vague = parsed(["SHOP", "TOTAL 9.00", "06/03/2018"])
    assert vote(first, vague)[0]["date"] == "2016-03-06"
    # one label less sure is near enough: the second engine reads digits better
    unlabelled = parsed(["SHOP", "TOTAL 9.00", "06/03/2018 10:00"])
    assert vote(first, unlabelled)[0]["date"] == "2018-03-06"


def test_boxes_read_are_those_in_decisive_rows_or_missed_by_tesseract() -> None:
    first = text_of([("SHOP", 0), ("ITEM A 9.00", 40), ("TOTAL 9.00", 80)])
    keep = boxes_to_read(first, [(80, 100)])
    assert keep((10, 82, 100, 98))  # the total row
    assert not keep((10, 42, 100, 58))  # an item Tesseract read
    assert keep((10, 300, 100, 320))  # text Tesseract did not see at all


def test_hybrid_lines_keep_the_receipt_order() -> None:
    first = text_of([("SHOP", 0), ("ITEM A 9.00", 40), ("T0TAI 9.O0", 80), ("BYE", 120)])
    second = text_of([("TOTAL 9.00", 81)])
    assert hybrid_lines(first, {2}, second) == ["SHOP", "ITEM A 9.00", "TOTAL 9.00", "BYE"]


def test_vote_takes_the_total_only_the_second_engine_read() -> None:
    first = parsed(["GOOD SHOP SDN BHD", "T0T4L", "25/12/2018"])
    second = parsed(["GOODSHOPSDNBHD", "TOTAL 9.00", "25/12/2018"])
    result, taken = vote(first, second)
    assert result["total"] == "9.00" and taken == ["total"]
    # the shop as Tesseract read it (with its spaces) is not worse: it stays
    assert result["shop"] == "GOOD SHOP SDN BHD"
    assert "no total found" not in result["warnings"]


def test_vote_fills_a_missing_date_from_the_second_engine() -> None:
    first = parsed(CONFIRMED[:-1])
    result, taken = vote(first, parsed(CONFIRMED))
    assert result["date"] == "2018-12-25" and taken == ["date"]
    assert "no date found" not in result["warnings"]


def test_two_engines_reading_the_same_total_raise_its_confidence() -> None:
    lines = ["SHOP", "TOTAL 9.00", "25/12/2018"]
    first = parsed(lines)
    assert first["field_confidence"]["total"] < AGREED_TOTAL
    result, _ = vote(first, parsed(lines))
    assert result["field_confidence"]["total"] == AGREED_TOTAL
    assert result["confidence"] > first["confidence"]


def test_unconfirmed_totals_that_disagree_ask_for_review() -> None:
    result, taken = vote(parsed(["SHOP", "TOTAL 8.00"]), parsed(["SHOP", "TOTAL 9.00"]))
    assert any("two OCR engines read different totals" in w for w in result["warnings"])
    # equally unproven: the second engine's reading of the digits is the likelier one
    assert result["total"] == "9.00" and taken == ["total"]


def test_a_total_the_receipt_proves_wins_the_vote() -> None:
    proven = parsed(["SHOP", "COFFEE 4.00", "CAKE 5.00", "TOTAL 9.00", "CASH 10.00",
                     "CHANGE 1.00"])
    unproven = parsed(["SHOP", "COFFEE 4.00", "CAKE 5.00", "TOTAL 8.00"])
    assert vote(proven, unproven)[0]["total"] == "9.00"
    assert vote(unproven, proven)[0]["total"] == "9.00"


def test_a_total_below_half_its_subtotal_loses_the_vote() -> None:
    """A loyalty balance read as the total (Walgreens: CLOSING BALANCE $1.40 under SUBTOTAL
    27.60) loses to the other engine's TOTAL line."""
    first = parsed(["Walgreens", "SUBTOTAL 27.60", "REWARDS 1.40", "CLOSING BALANCE $1.40"])
    first["total"] = "1.40"  # as a misread due line would set it
    second = parsed(["Walgreens", "SUBTOTAL 27.60", "TOTAL 29.53", "CHANGE .00"])
    result, taken = vote(first, second)
    assert result["total"] == "29.53" and "total" in taken


def test_a_loyalty_balance_is_not_the_amount_due() -> None:
    result = parsed(["Walgreens", "SUBTOTAL 27.60", "TOTAL", "CLOSING BALANCE $1.40"])
    assert result["total"] != "1.40"


@pytest.mark.parametrize(
    "line",
    ["Datz; Oct 3, 2615 12:16:25 PM", "fate : 85 Jan 2017", "Dale! O9M4/2078", "21032018 ___",
     "sag 310 Apr 2018 sags", "18:21 CASHIER 3"],
)
def test_a_damaged_date_row_is_read_again(line: str) -> None:
    assert DATE_WORDS.search(fold(line))


def test_rows_without_a_date_are_not_read_again() -> None:
    assert not any(DATE_WORDS.search(fold(line)) for line in
                   ["ITEM A 2 x 4.50 9.00", "GST ID : 002136201536", "TEL 03-6058 4088"])


def test_a_total_of_nothing_loses_the_vote() -> None:
    first = parsed(["SHOP", "NASI LEMAK 8.00", "TOTAL 8.00"])
    second = parsed(["SHOP", "TOTAL 0.00", "CHANGE 0.00"])
    second["field_confidence"]["total"] = 1.0  # however sure the other parse is of it
    assert vote(first, second)[0]["total"] == "8.00"
