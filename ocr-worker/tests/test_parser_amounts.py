"""Amount tokens: OCR look-alike repair, separators, signs, formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocr_worker.parser.amounts import (
    find_amounts,
    format_money,
    format_quantity,
    parse_amount,
    repair_numeric_tokens,
)
from ocr_worker.parser.cleanup import repair_line


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("1 x1,4Ż 1,4Ż", "1 x1,42 1,42"),
        ("lO,99", "10,99"),
        ("12,OOA", "12,00A"),
        ("x3,4O", "x3,40"),
        ("0,3O2 x29,99", "0,302 x29,99"),
        ("5,9BC", "5,98C"),
        ("Rabat =U,28", "Rabat =0,28"),
        ("Woda 1,5l", "Woda 1,5l"),  # a unit stays a unit
        ("SOS 0,5L", "SOS 0,5L"),
        ("BOLO 4,OO", "BOLO 4,00"),
        ("OSLO", "OSLO"),  # words stay words
        ("3 ,49", "3,49"),
    ],
)
def test_repair_numeric_tokens(raw: str, fixed: str) -> None:
    assert repair_numeric_tokens(raw) == fixed


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("6,98", "6.98"), ("6.98", "6.98"), ("-3,00", "-3.00"), ("3,00-", "-3.00"),
        ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1 249,99", "1249.99"), ("12", "12"),
    ],
)
def test_parse_amount(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


def test_parse_amount_rejects_non_numbers() -> None:
    assert parse_amount("abc") is None
    assert parse_amount("1,2,3") is None


def test_find_amounts_skips_dates_quantities_and_rates() -> None:
    assert find_amounts("20.11.2026 14:35") == []
    assert [v for v, _ in find_amounts("0,520 kg x 9,99 5,19 A")] == [
        Decimal("9.99"), Decimal("5.19")
    ]
    assert [v for v, _ in find_amounts("SUMA PLN 1 249,99", spaced=True)] == [Decimal("1249.99")]
    assert [v for v, _ in find_amounts("Mleko 2 x 3,49 6,98")] == [Decimal("3.49"), Decimal("6.98")]
    assert [v for v, _ in find_amounts("Rabat -1,00")] == [Decimal("-1.00")]


def test_label_amount_with_split_decimals() -> None:
    from ocr_worker.parser.amounts import label_amount

    assert label_amount("SUMA PLN 32, 94") == Decimal("32.94")
    assert label_amount("Rabat -8, 44") == Decimal("8.44")
    assert label_amount("SUMA PLN 36,47") == Decimal("36.47")
    assert label_amount("SUMA PLN 1 249,99") == Decimal("1249.99")
    assert label_amount("Mleko 2 x 3,49 6,98") == Decimal("6.98")  # the last of several
    assert label_amount("SUMA PLN") is None


def test_formatting_keeps_two_decimals_and_printed_quantity() -> None:
    assert format_money(Decimal("6.9")) == "6.90"
    assert format_money(Decimal("0.005")) == "0.01"
    assert format_money(None) is None
    assert format_quantity(Decimal("2")) == "2"
    assert format_quantity(Decimal("0.360")) == "0.360"


@pytest.mark.parametrize(
    ("raw", "polish", "fixed"),
    [
        ("Ogórki luz _ 0,585 x5,17 3,020", True, "Ogórki luz 0,585 x5,17 3,02C"),
        ("3,660", True, "3,66C"),
        ("1x 16/74 = 16,74 €", True, "1x 16,74 = 16,74 C"),
        ("1x 3,13 ©", True, "1x 3,13 C"),
        ("3:x'2,36 = 7,08 .B", True, "3 x 2,36 = 7,08 B"),
        ("Płyn 900ml | x6,85 6,654", True, "Płyn 900ml 1 x6,85 6,65A"),
        ("Ryż 1kg 1 «7,32 7,32C", True, "Ryż 1kg 1 x7,32 7,32C"),
        ("1 x 15,06 «15,06 €", True, "1 x 15,06 = 15,06 C"),
        ("Jus d'orange 1L 2,79", False, "Jus d'orange 1L 2,79"),
        ("BANANAS 0.525 kg @ 0.79", False, "BANANAS 0.525 kg @ 0.79"),
        ("LAIT 0,99 €", False, "LAIT 0,99 €"),  # a euro sign is a currency abroad
        ("S U M A P L N 3 6 , 4 7", True, "SUMA PLN 36,47"),  # double-height print
        ("Apfelsaft klar 1L 3,20-B", False, "Apfelsaft klar 1L 3,20 B"),
        ("Nudeln Spaghetti 500g 1,17 8", False, "Nudeln Spaghetti 500g 1,17 B"),
        ("Rabat 1,00-", True, "Rabat 1,00-"),
        ("Woda mineralna 1, 51", True, "Woda mineralna 1, 51"),  # a size, not an amount
        ("19 ,39C", True, "19,39C"),
        ("6, 28.C", True, "6,28 C"),
        ("Jaja 2:X10,77 21;S4C", True, "Jaja 2 X10,77 21,54C"),
        ("CEREAL FROSTED FLKS 10:32 X", False, "CEREAL FROSTED FLKS 10,32 X"),
        ("Kasa 3 10:42", True, "Kasa 3 10:42"),  # a time stays a time
        ("Toilettenpapier 8 Rollen 5,724", False, "Toilettenpapier 8 Rollen 5,72A"),
        ("Bananen 1,250", False, "Bananen 1,250"),
        ("D O Z A P Ł A T Y 2 9 , 3 2", True, "DOZAPŁATY 29,32"),
    ],
)
def test_line_repairs(raw: str, polish: bool, fixed: str) -> None:
    assert repair_line(raw, polish=polish) == fixed
