"""Purchase dates in every common format; day-first or month-first by locale."""

from __future__ import annotations

from datetime import date

import pytest

from ocr_worker.parser import parse_receipt
from ocr_worker.parser.dates import dates_in_line, find_purchase_date, find_time


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-20 14:35", "20.11.2026 14:35", "2026.11.20", "20-11-2026", "20/11/2026",
        "20.11.26 19:04", "Data: 20.11.2026r.", "2026/11/20", "20 Nov 2026", "Nov 20, 2026",
        "20. November 2026", "20 lis 2026", "DATUM 20.11.2026 UHRZEIT 19:04:33",
        "2026 -11-20", "20 . 11 . 2026",
    ],
)
def test_day_first_formats(line: str) -> None:
    assert dates_in_line(line, month_first=False) == [date(2026, 11, 20)]


def test_ambiguous_order_follows_locale() -> None:
    assert dates_in_line("05/11/26 18:22", month_first=False) == [date(2026, 11, 5)]
    assert dates_in_line("11/05/2026 18:42", month_first=True) == [date(2026, 11, 5)]
    # an impossible month decides by itself, whatever the locale
    assert dates_in_line("11/20/2026", month_first=False) == [date(2026, 11, 20)]
    assert dates_in_line("20/11/2026", month_first=True) == [date(2026, 11, 20)]


def test_not_dates() -> None:
    assert dates_in_line("Mleko 2 x3,49 6,98 C", month_first=False) == []
    assert dates_in_line("NIP 779-10-11-327", month_first=False) == []
    assert dates_in_line("31.02.2026", month_first=False) == []  # no such day
    assert dates_in_line("TEL 01 43 55 66 77", month_first=False) == []


def test_purchase_date_prefers_line_with_time_and_skips_validity() -> None:
    lines = [
        "Kupon ważny do 31.12.2026",
        "NIP 779-10-11-327",
        "PARAGON FISKALNY",
        "Mleko 1 x3,49 3,49 C",
        "2026-11-20 14:35 nr wydr.123",
    ]
    found, time_text, confidence, line = find_purchase_date(lines, month_first=False)
    assert found == date(2026, 11, 20)
    assert time_text == "14:35"
    assert line == 4  # the line it was read from (a second OCR pass may re-read it)
    assert confidence >= 0.9


def test_time_from_another_line_and_am_pm() -> None:
    lines = ["2026-11-20 nr wydr.1", "0089 #Kasa 3 Kasjer 12 10:42"]
    assert find_purchase_date(lines, month_first=False)[1] == "10:42"
    assert find_time("11/20/2026 2:45 PM") == "14:45"
    assert find_time("11/20/2026 12:05 AM") == "00:05"
    assert find_time("Mleko 2,49") is None


def test_year_misread_in_iso_date() -> None:
    found, time_text, confidence, _ = find_purchase_date(
        ["2624.01.10 18:04 nr wydr.16145"], month_first=False
    )
    assert (found, time_text, confidence) == (date(2024, 1, 10), "18:04", 0.5)


@pytest.mark.parametrize(
    ("line", "month_first", "expected"),
    [
        ("66/67/2626 17:26:00", True, date(2026, 6, 7)),  # 0 read as 6 in every field
        ("2624-63-18 14:35", False, date(2024, 3, 18)),
        ("05.81.2025 13:28", False, date(2025, 1, 5)),
        ("2024-12-80 21:24", False, date(2024, 12, 30)),
    ],
)
def test_dates_with_misread_digits(line: str, month_first: bool, expected: date) -> None:
    assert find_purchase_date([line], month_first=month_first)[0] == expected


def test_unrepairable_date_gives_no_date() -> None:
    # no month is one confusable digit away from 13: nothing is invented
    assert find_purchase_date(["2024-13-80"], month_first=False)[0] is None


def test_no_date() -> None:
    assert find_purchase_date(["SUMA PLN 3,49"], month_first=False) == (None, None, 0.0, None)


def test_stray_dot_inside_the_day_is_repaired() -> None:
    assert find_purchase_date(["1.1.05.2024 21:57"], month_first=False)[:2] == (
        date(2024, 5, 11), "21:57"
    )


def test_misread_year_beside_the_time_beats_an_unlabelled_date() -> None:
    lines = ["x 01.02.2024", "2624.11.16 12:10"]
    found, time_text, confidence, _ = find_purchase_date(lines, month_first=False)
    assert (found, time_text) == (date(2024, 11, 16), "12:10")
    assert confidence < 1


def test_a_dollar_sign_misread_in_a_code_does_not_make_dates_month_first() -> None:
    lines = ["Khileshwori Trading Pvt. Ltd.", "Bill NO: $137482-NKT-80/81", "Date ; 07/05/2024",
             "Net Amount : 185.00"]
    result = parse_receipt(lines).to_json()
    assert (result["currency"], result["date"]) == (None, "2024-05-07")  # day-first
    us = parse_receipt(["WALMART", "MILK $3.49", "TOTAL $3.49", "11/05/2026 18:42"]).to_json()
    assert (us["currency"], us["date"]) == ("USD", "2026-11-05")


def test_a_year_far_ahead_is_a_misread_not_a_date() -> None:
    # 2087 for 2017 (1 read as 8): no receipt is printed decades ahead
    assert dates_in_line("20/07/2087", month_first=False) == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # a misread day beside a month name ("05" read as "85")
        (["SHOP", "Date : 85 Jan 2017 12:41pm", "TOTAL 12.60"], date(2017, 1, 5)),
        # separators lost: read only when no regular date stands on the receipt
        (["SHOP", "21032018 ____ No.: 08:20", "TOTAL 79.50"], date(2018, 3, 21)),
        (["SHOP", "3003/2018 No. CS-20322", "TOTAL 159.00"], date(2018, 3, 30)),
    ],
)
def test_dates_read_by_repair_when_nothing_else_is_a_date(lines: list[str], expected: date) -> None:
    assert find_purchase_date(lines, month_first=False).value == expected


def test_an_eight_digit_number_is_not_a_date_beside_a_real_one() -> None:
    lines = ["SHOP", "INVOICE 21032018", "Date: 25/12/2018 10:00", "TOTAL 5.00"]
    assert find_purchase_date(lines, month_first=False).value == date(2018, 12, 25)
    assert find_purchase_date(["SHOP", "INV 12345678", "TOTAL 5.00"], month_first=False).value \
        is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("h 05-Jan-2017 03:17:50 PM", date(2017, 1, 5)),  # hyphens around a month name
        # a recogniser that drops spaces glues the time to the year
        ("10Apr201818:21", date(2018, 4, 10)),
        ("Date 04/05/20177:19:43AM 12", date(2017, 5, 4)),
    ],
)
def test_dates_as_printed_and_as_a_second_engine_reads_them(line: str, expected: date) -> None:
    found = find_purchase_date(["SHOP", line, "TOTAL 5.00"], month_first=False)
    assert found.value == expected and found.time is not None


def test_a_year_whose_digit_reads_as_a_colon_is_not_a_two_digit_year() -> None:
    """'25/10/20:7' is 2017 with its 1 read as ':', not 25 October 2020; the labelled date
    above it stands."""
    lines = ["SHOP", "VE0514 Date: 25/10/2017", "DD:25/10/20:7 11:43", "TOTAL 5.00"]
    assert find_purchase_date(lines, month_first=False).value == date(2017, 10, 25)
    assert dates_in_line("25/10/20 11:43", month_first=False) == [date(2020, 10, 25)]


def test_a_separator_read_as_a_digit_is_repaired_when_no_other_date_stands() -> None:
    lines = ["SHOP", "RECEIPT #: CGPD415639 DAEs 15/1172017 8 -", "TOTAL 16.00"]
    found = find_purchase_date(lines, month_first=False)
    assert found.value == date(2017, 11, 15) and found.confidence == 0.5
