"""Real Tesseract output of generated photos (fixtures/ocr_text/NAME.txt) parsed into the
fields of NAME.json: shop, date, total, amount due, currency and every item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_worker.parser import parse_receipt
from ocr_worker.parser.shops import match_brand

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
