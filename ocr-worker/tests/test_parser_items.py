"""Item-line shapes: one-line, two-line, weighed, x / * / @ / AT, VAT letters, discounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocr_worker.parser.items import classify, parse_items


def _items(lines: list[str]) -> list[tuple[str, str, str, str, str, str | None]]:
    return [
        (i.name, str(i.quantity), str(i.unit_price), str(i.price), str(i.discount), i.vat)
        for i in parse_items(lines).items
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mleko UHT 3,2% 1L 2 x3,49 6,98 C", ("Mleko UHT 3,2% 1L", "2", "3.49", "6.98", "C")),
        ("Masło extra 1 * 6,99 6,99A", ("Masło extra", "1", "6.99", "6.99", "A")),
        ("CADEN 307 W34 L32 X 1 x249,99 249,99A", ("CADEN 307 W34 L32 X", "1", "249.99",
                                                    "249.99", "A")),
        ("Hot-dog 1 SZT * 25,82 = 25,82 A", ("Hot-dog", "1", "25.82", "25.82", "A")),
        ("Banany 0,520 kg x 9,99 5,19 A", ("Banany", "0.520", "9.99", "5.19", "A")),
        ("MlekoŁaciate2%1L C 2 x3,29 6,58C", ("MlekoŁaciate2%1L", "2", "3.29", "6.58", "C")),
        ("Chleb 4,99 B", ("Chleb", "1", "4.99", "4.99", "B")),
        ("Jajka 10 szt. 2 x 8,99 17,98 C", ("Jajka 10 szt.", "2", "8.99", "17.98", "C")),
        ("Piwo 6 x 0,5l 2 x 3,99 7,98 A", ("Piwo 6 x 0,5l", "2", "3.99", "7.98", "A")),
        ("WALKERS 6PK 2 @ £1.20 £2.40", ("WALKERS 6PK", "2", "1.20", "2.40", None)),
        ("Ser 1 szt. x 12,99 12,99 G", ("Ser", "1", "12.99", "12.99", "G")),
        ("PFAND 0,25 EURO 0,50 A *", ("PFAND 0,25 EURO", "1", "0.50", "0.50", "A")),
        ("Kawa latte 1x 8,68 = 8,68 B .", ("Kawa latte", "1", "8.68", "8.68", "B")),
    ],
)
def test_one_line_items(line: str, expected: tuple[str, ...]) -> None:
    [(name, qty, unit, price, discount, vat)] = _items([line])
    assert (name, qty, unit, price, vat) == expected
    assert discount == "0"


def test_two_line_items() -> None:
    lines = [
        "DZBANEK NIEGAZ. NAPOJU 1,2L", "1 x12,00 12,00A",
        "Pierogi ruskie", "2*6.00", "12.00A",
        "Schab", "0,456 x 12,99 = 5,92 C",
    ]
    assert _items(lines) == [
        ("DZBANEK NIEGAZ. NAPOJU 1,2L", "1", "12.00", "12.00", "0", "A"),
        ("Pierogi ruskie", "2", "6.00", "12.00", "0", "A"),
        ("Schab", "0.456", "12.99", "5.92", "0", "C"),
    ]


def test_quantity_line_after_the_price() -> None:
    lines = ["FRISCHMILCH 2,58 B", "2 Sik x 1,29", "BANANEN 1,24 B", "0,826 kg x 1,50 EUR/kg",
             "CHEESE 7.38 X", "2 AT 1 FOR 3.69"]
    assert _items(lines) == [
        ("FRISCHMILCH", "2", "1.29", "2.58", "0", "B"),
        ("BANANEN", "0.826", "1.50", "1.24", "0", "B"),
        ("CHEESE", "2", "3.69", "7.38", "0", "X"),
    ]


def test_quantity_line_that_does_not_multiply_is_not_attached() -> None:
    items = _items(["MILK 2.58", "3 x 1,29", "4.00"])
    assert items[0] == ("MILK", "1", "2.58", "2.58", "0", None)
    assert items[1][1:4] == ("3", "1.29", "4.00")  # a two-line item of its own


@pytest.mark.parametrize(
    "discount_lines",
    [
        ["Rabat -1,00"], ["Rabat 1,00-"], ["OPUST -1,00 C"], ["Obniżka -1,00"],
        ["Upust -1,00"], ["Promocja -1,00"], ["Lidl Plus rabat -1,00 C"], ["Rabat -1,00", "5,98C"],
        ["Rabat =.|„05", "5,98C"],  # amount illegible: the value after the discount tells it
        ["-1,00"],
    ],
)
def test_discounts(discount_lines: list[str]) -> None:
    items = parse_items(["Mleko 2 x3,49 6,98 C", *discount_lines, "Chleb 1 x4,99 4,99 C"]).items
    assert [(i.price, i.discount) for i in items] == [
        (Decimal("6.98"), Decimal("1.00")), (Decimal("4.99"), Decimal("0")),
    ]


def test_value_after_discount_corrects_a_misread_discount() -> None:
    items = parse_items(["Kurtka 1 x179,99 179,99A", "Rabat -90", "89,99A"]).items
    assert (items[0].price, items[0].discount) == (Decimal("179.99"), Decimal("90.00"))


def test_illegible_price_line_recovered_from_discount_and_value_after() -> None:
    items = parse_items(["Szampon Isana 500ml 137047 STN", "Rabat -1,12", "6,35A"]).items
    assert [(i.name, i.price, i.discount) for i in items] == [
        ("Szampon Isana 500ml 137047 STN", Decimal("7.47"), Decimal("1.12"))
    ]


def test_line_arithmetic_repairs_one_misread_digit() -> None:
    result = parse_items(["Hot-dog klasyczny 3, X6,51 19,58B"])
    assert result.items[0].price == Decimal("19.53")
    assert result.repairs


@pytest.mark.parametrize(
    "line",
    ["PARAGON FISKALNY", "NIP 779-10-11-327", "----------", "Kasjer nr 12", "20.11.2026 14:35"],
)
def test_non_item_lines(line: str) -> None:
    assert classify(line).kind in ("skip", "name")
    assert parse_items([line]).items == []


def test_wrapped_item_name_is_joined() -> None:
    items = _items(["DZBANEK FILTRUJĄCY BRITA", "MARELLA 2,4L", "1 x49,99 49,99A",
                    "Ser żółty Gouda w plastrach ekstra-", "dojrzewający 150g", "1 x6,99 6,99C"])
    assert [name for name, *_ in items] == [
        "DZBANEK FILTRUJĄCY BRITA MARELLA 2,4L",
        "Ser żółty Gouda w plastrach ekstra dojrzewający 150g",
    ]


def test_header_lines_do_not_leak_into_the_first_item() -> None:
    from ocr_worker.parser import parse_receipt

    result = parse_receipt([
        "SAINSBURY'S", "Superstore", "VAT No. GB 761 7217 23", "TEA BAGS 80S", "2 @ £2.91 £5.82",
        "ORANGE JUICE 1L £1.95", "BALANCE DUE £7.77",
    ]).to_json()
    assert [i["name"] for i in result["items"]] == ["TEA BAGS 80S", "ORANGE JUICE 1L"]


def test_leftover_amounts_are_cut_from_names() -> None:
    [(name, *_)] = _items(["Kanapka z szynką 3 SZ0I 5 4,32 21,96 B"])
    assert name == "Kanapka z szynką 3 SZ0I"


def test_value_illegible_after_a_legible_quantity_and_unit() -> None:
    result = parse_items(["Mleko UHT 3,2% IL 1 x3,67 3,6328", "Chleb 1 x4,99 4,99 C"])
    assert [(i.name, str(i.price), i.source) for i in result.items] == [
        ("Mleko UHT 3,2% IL", "3.67", "computed"), ("Chleb", "4.99", "printed"),
    ]


@pytest.mark.parametrize(
    "value_line", ["3 x 4,64 z 13,92 C", "3 SZT * 4,648 = 13,92 C"],
)
def test_value_lines_with_a_garbled_middle_keep_the_name_above(value_line: str) -> None:
    [(name, qty, _unit, price, _discount, vat)] = _items(["Jogurt naturalny 400g", value_line])
    assert (name, qty, price, vat) == ("Jogurt naturalny 400g", "3", "13.92", "C")
