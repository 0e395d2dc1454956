"""Real Tesseract output of generated photos (fixtures/ocr_text/NAME.txt) parsed into the
fields of NAME.json: shop, date, total, amount due, currency and every item."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ocr_worker.parser import parse_receipt
from ocr_worker.parser.brands import match_brand

FIXTURES = Path(__file__).parent / "fixtures" / "ocr_text"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.txt"))


@pytest.mark.parametrize("name", NAMES)
def test_ocr_text_fixture(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["expected"]
    receipt = parse_receipt((FIXTURES / f"{name}.txt").read_text(encoding="utf-8").splitlines())
    got = receipt.to_json()
    for field in ("shop", "date", "total", "amount_due", "currency"):
        assert got[field] == expected[field], field
    items = [(i["price"], i["discount"], i["quantity"], i["vat"]) for i in got["items"]]
    want = [(i["price"], i["discount"], i["quantity"], i["vat"]) for i in expected["items"]]
    assert items == want
    assert got["checks"]["items_sum_matches_total"] is True


def test_copyright_sign_after_quantity_and_unit_is_the_equals_sign() -> None:
    receipt = parse_receipt(["PARAGON FISKALNY", "Torba", "3x 1,22 © 3,66 A", "SUMA PLN 3,66"])
    assert [(str(i.quantity), str(i.unit_price), str(i.price)) for i in receipt.items] == [
        ("3", "1.22", "3.66")
    ]


def test_illegible_discount_amount_is_taken_from_the_total_with_a_warning() -> None:
    lines = ["PARAGON FISKALNY", "Chleb 1*4,00 4,00C", "Rabat ASIC", "Mleko 1*3,00 3,00C",
             "SUMA PLN 6,50"]
    receipt = parse_receipt(lines)
    assert [str(i.discount) for i in receipt.items] == ["0.50", "0"]
    assert any("discount 0.50 inferred" in w for w in receipt.warnings)


def test_illegible_discount_is_left_alone_when_a_line_is_misread() -> None:
    lines = ["PARAGON FISKALNY", "Chleb 2*4,00 8,50C", "Rabat ASIC", "SUMA PLN 7,50"]
    receipt = parse_receipt(lines)
    assert all(i.discount == 0 for i in receipt.items)


@pytest.mark.parametrize(
    "line", ["Lid! sp. z 0.0. sp.k.", "UDL sp. z o.o. sp. k.", "L!DL Sp. z 0.0."]
)
def test_short_brand_with_look_alike_glyphs(line: str) -> None:
    brand, confidence = match_brand([line])
    assert brand is not None and brand.name == "Lidl" and confidence < 1


@pytest.mark.parametrize("line", ["Udo Kowalski", "L!DL", "Lido Bar sp. z o.o.", "UDL SUMA 12,00"])
def test_look_alike_brand_needs_the_whole_word(line: str) -> None:
    assert match_brand([line])[0] is None


def _items(lines: list[str]) -> list[tuple[str, str, str, str]]:
    receipt = parse_receipt(lines)
    return [(str(i.quantity), str(i.unit_price), str(i.price), str(i.discount))
            for i in receipt.items]


def test_value_without_its_comma_and_the_discount_under_it() -> None:
    lines = ["PARAGON FISKALNY", "Mleko", "3x 3,73 = 11,19 C", "Pasztet drobiowy 195g",
             "3x4,17=1251C", "Promocja -1.25", "SUMA PLN 21,45"]
    assert _items(lines) == [("3", "3.73", "11.19", "0"), ("3", "4.17", "12.51", "1.25")]


def test_digits_after_qty_x_unit_that_do_not_multiply_are_not_a_value() -> None:
    lines = ["PARAGON FISKALNY", "Pasztet", "3x4,17=1261C", "SUMA PLN 12,51"]
    assert parse_receipt(lines).items[0].source == "computed"


@pytest.mark.parametrize(
    ("line", "quantity"),
    [("Papier 8 rolek 41 x14,23 14,23A", "1"), ("Ogórki luz 6,902 x6,47 5,84C", "0.902")],
)
def test_quantity_one_slip_away_is_repaired_by_the_line(line: str, quantity: str) -> None:
    receipt = parse_receipt(["PARAGON FISKALNY", line])
    assert str(receipt.items[0].quantity) == quantity
    assert any("quantity" in w and "read as" in w for w in receipt.warnings)


def test_quantity_is_left_alone_when_two_readings_fit() -> None:
    receipt = parse_receipt(["PARAGON FISKALNY", "Woda 8 x 0,00 0,00A"])
    assert str(receipt.items[0].quantity) == "8"


def test_vat_summary_decides_between_two_equally_likely_repairs() -> None:
    lines = ["PARAGON FISKALNY", "Kanapka 1 x16,53 16,53B", "Baton 1 x6,47 6,47A",
             "Sok 4 x4,68 18,72A", "SPRZEDAŻ OPODATKOWANA A 25,19", "PTU A 23,00 % 4,71",
             "SPRZEDAŻ OPODATKOWANA B 10,53", "PTU B 8,00 % 0,78", "SUMA PLN 35,72"]
    assert [str(i.price) for i in parse_receipt(lines).items] == ["10.53", "6.47", "18.72"]


def test_no_repair_when_the_vat_summary_cannot_decide() -> None:
    lines = ["PARAGON FISKALNY", "Kanapka 1 x16,53 16,53A", "Baton 1 x6,47 6,47A",
             "SUMA PLN 17,00"]
    assert [str(i.price) for i in parse_receipt(lines).items] == ["16.53", "6.47"]


def test_two_zeros_read_as_six_are_repaired_when_one_pair_fits_the_total() -> None:
    lines = ["PARAGON FISKALNY", "Piwo jasne 0,5L 4,96 A", "Chleb 3,35 C", "Bułka 6,49 C",
             "SUMA PLN 8,74"]
    assert [str(i.price) for i in parse_receipt(lines).items] == ["4.90", "3.35", "0.49"]


def test_two_sixes_are_left_alone_when_several_pairs_fit() -> None:
    lines = ["PARAGON FISKALNY", "Piwo 6,66 A", "Chleb 6,66 A", "SUMA PLN 7,26"]
    assert [str(i.price) for i in parse_receipt(lines).items] == ["6.66", "6.66"]


def test_quantity_line_under_the_price_proves_a_misread_price() -> None:
    lines = ["CHEESE 7.36 X", "2 AT 1 FOR 3.69", "MILK 2.00 X", "TOTAL $9.38"]
    receipt = parse_receipt(lines)
    assert _items(lines) == [("2", "3.69", "7.38", "0"), ("1", "2.00", "2.00", "0")]
    assert any("7.36 read as 7.38" in w for w in receipt.warnings)


def test_a_misread_deposit_does_not_outvote_the_printed_total() -> None:
    lines = ["PARAGON FISKALNY", "Sok 4 SZT * 5,43 = 21,72 A", "Chleb 1 SZT * 9,21 = 9,21 C",
             "SUMA PLN 30,93", "NIEFISKALNY", "Kaucja butelka 4 x9,50 2,60",
             "DO ZAPŁATY 32,93 PLN", "Karta płatnicza 32,93"]
    assert str(parse_receipt(lines).total) == "30.93"


def test_two_item_repair_must_agree_with_the_vat_summary() -> None:
    lines = ["PARAGON FISKALNY", "Chipsy 1 SZT * 6,73 = 6,73 A",
             "Kanapka 4 SZT * 10,62 = 46,68 B", "SPRZEDAŻ OPODATKOWANA A 6,73",
             "SPRZEDAŻ OPODATKOWANA B 40,08", "SUMA PLN 46,81"]
    assert str(parse_receipt(lines).items[0].price) == "6.73"


def test_price_over_the_total_is_qty_times_unit_then_the_sum_repairs_the_rest() -> None:
    lines = ["PARAGON FISKALNY", "Bułka kajzerka 1 * 0,75 8,75 C", "Jabłka luz",
             "1,766 x 3,61 = 5,36 C", "Pączek z różą 4 * 2,53 168,12 B", "SUMA PLN 16,17"]
    receipt = parse_receipt(lines)
    assert [str(i.price) for i in receipt.items] == ["0.75", "5.30", "10.12"]
    assert receipt.checks["items_sum_matches_total"] is True


def test_quantity_line_with_a_misread_unit_under_a_misread_price() -> None:
    lines = ["WHEAT BREAD 2.08 X", "PAPER TOWELS 6RL 20.66 X", "2 AT 1 FOR 16.30",
             "TOTAL $22.68"]
    assert _items(lines) == [("1", "2.08", "2.08", "0"), ("2", "10.30", "20.60", "0")]


def test_weighed_quantity_line_does_not_rewrite_the_price_above() -> None:
    lines = ["BANANAS LOOSE £6.16", "6.152 kg @ £1.05/kg", "TOTAL £6.16"]
    assert parse_receipt(lines).items[0].price == Decimal("6.16")


def test_two_misread_lines_are_the_pair_even_with_a_misread_vat_figure() -> None:
    lines = ["PARAGON FISKALNY", "Woda", "1 x 1,86 = 1,86 A", "Torba", "1 x 1,67 = 1,87 A",
             "Ryż 1kg", "1 x 6,18 = 6,16 C", "Hot-dog", "1 x 7,36 = 7,36 C",
             "SPRZEDAŻ OPODATKOWANA A 2,93", "SPRZEDAŻ OPODATKOWANA C 13,49", "SUMA PLN 16,39"]
    assert [str(i.price) for i in parse_receipt(lines).items] == ["1.86", "1.07", "6.10", "7.36"]


def test_discount_over_the_price_is_the_one_reading_below_it() -> None:
    lines = ["PARAGON FISKALNY", "Mleko UHT 1 SZT * 2,69 = 2,69 C", "Rabat -6,81 C",
             "Pasztet 1 SZT * 3,87 = 3,87 C", "SUMA PLN 5,75"]
    receipt = parse_receipt(lines)
    assert [(str(i.price), str(i.discount)) for i in receipt.items] == [
        ("2.69", "0.81"), ("3.87", "0")
    ]
