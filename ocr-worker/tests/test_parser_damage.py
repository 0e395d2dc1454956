"""OCR damage on whole receipts: what arithmetic proves is repaired, what it cannot prove is
flagged, never silently invented."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ocr_worker.parser import parse_receipt

Loader = Callable[[str], list[str]]


def _replace(lines: list[str], old: str, new: str) -> list[str]:
    assert any(old in line for line in lines), old
    return [line.replace(old, new) for line in lines]


def test_label_and_amount_split_over_two_lines(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN\n44,18")
    result = parse_receipt("\n".join(lines).splitlines()).to_json()
    assert result["total"] == "44.18"
    assert result["checks"]["items_sum_matches_total"] is True


@pytest.mark.parametrize("damaged", ["SUHA PTU 4,19", "SUMA PTV 4,19", "SUMA PTL 4,19"])
def test_tax_sum_is_never_the_total(receipt_text: Loader, damaged: str) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PTU 4,19", damaged)
    result = parse_receipt(lines).to_json()
    assert result["total"] == "44.18"
    assert len(result["items"]) == 4


def test_paragon_header_damage(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("lidl"), "PARAGON FISKALNY", "PARACON FISKAL NY")
    result = parse_receipt(lines).to_json()
    assert len(result["items"]) == 5
    assert result["total"] == "32.82"


def test_letters_for_digits_in_amounts(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "2 SZT * 7,49 = 14,98 A", "2 SZT * 7,4O = l4,9B A")
    lines = _replace(lines, "SUMA PLN 44,18", "SUMA PLN 44,1B")
    result = parse_receipt(lines).to_json()
    assert result["items"][-1]["price"] == "14.98"
    assert result["items"][-1]["unit_price"] == "7.49"
    assert result["total"] == "44.18"


def test_illegible_total_taken_from_two_agreeing_sources(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN ###")
    result = parse_receipt(lines).to_json()
    assert result["total"] == "44.18"  # items, VAT sales and cash − change agree
    assert any("total not printed legibly" in w for w in result["warnings"])


def test_total_with_lost_separator(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN 44718")
    assert parse_receipt(lines).to_json()["total"] == "44.18"


def test_total_one_digit_off_is_corrected_by_agreeing_evidence(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN 44,16")
    result = parse_receipt(lines).to_json()
    assert result["total"] == "44.18"
    assert any("repaired total" in w for w in result["warnings"])


def test_item_price_repaired_only_when_the_total_proves_it(receipt_text: Loader) -> None:
    # "ChlebŻytniRazowy500g" has no unit price on its line in this variant: only the sum can tell
    lines = _replace(receipt_text("tesco_uk"), "HOVIS WHOLEMEAL 800G £1.40", "HOVIS 800G £7.40")
    result = parse_receipt(lines).to_json()
    assert result["items"][1]["price"] == "1.40"
    assert any("sum of items = total" in w for w in result["warnings"])


def test_unprovable_damage_is_flagged_not_invented(receipt_text: Loader) -> None:
    # two prices wrong at once: no single change explains the total
    lines = _replace(receipt_text("tesco_uk"), "HOVIS WHOLEMEAL 800G £1.40", "HOVIS 800G £7.40")
    lines = _replace(lines, "MILK SEMI SKIMMED 2PT £1.45", "MILK 2PT £1.95")
    result = parse_receipt(lines).to_json()
    assert [i["price"] for i in result["items"][:2]] == ["1.95", "7.40"]
    assert result["checks"]["items_sum_matches_total"] is False
    assert result["confidence"] < 0.9
    assert any("differs from total" in w for w in result["warnings"])


def test_missing_item_section_marker_and_noise(receipt_text: Loader) -> None:
    lines = [line for line in receipt_text("zabka") if "PARAGON" not in line]
    lines.insert(3, "~~ ,. ~")
    result = parse_receipt(lines).to_json()
    assert [i["price"] for i in result["items"]] == ["8.99", "9.49", "8.98", "2.79"]


def test_empty_and_garbage_input() -> None:
    empty = parse_receipt([]).to_json()
    assert empty["items"] == [] and empty["total"] is None
    assert "no text found on the image" in empty["warnings"]
    assert empty["confidence"] == 0
    garbage = parse_receipt(["@@@ ###", "lorem ipsum dolor", "1234"]).to_json()
    assert garbage["items"] == [] and garbage["total"] is None and garbage["date"] is None


def test_value_computed_from_legible_quantity_and_unit_price() -> None:
    lines = ["TESCO", "MILK 2L rails ills)", "4 @ £1.38 EOI Zz", "BREAD £1.40", "TOTAL £6.92",
             "VISA £6.92", "20/11/2026 10:00"]
    result = parse_receipt(lines).to_json()
    assert [(i["name"], i["price"], i["quantity"]) for i in result["items"]] == [
        ("MILK 2L rails ills)", "5.52", "4"), ("BREAD", "1.40", "1"),
    ]
    assert result["checks"]["items_sum_matches_total"] is True
    assert any("computed from quantity" in w for w in result["warnings"])


def test_single_illegible_price_inferred_from_total(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("biedronka"), "MasłoOsełMIDol300g C 1 x8,99 8,99C",
                     "MasłoOsełMIDol300g WAGs (UE.")
    result = parse_receipt(lines).to_json()
    assert [i["price"] for i in result["items"]] == [
        "6.58", "4.49", "6.60", "8.99", "11.34", "0.79"
    ]
    assert result["items"][3]["name"].startswith("MasłoOsełMIDol300g")
    assert any("inferred from the total" in w for w in result["warnings"])


def test_two_illegible_prices_are_not_guessed(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("biedronka"), "MasłoOsełMIDol300g C 1 x8,99 8,99C",
                     "MasłoOsełMIDol300g WAGs (UE.")
    lines = _replace(lines, "Pomidory Luz C 0,734 x8,99 6,60C", "Pomidory Luz C ~~ ;;")
    result = parse_receipt(lines).to_json()
    assert len(result["items"]) == 4
    assert result["checks"]["items_sum_matches_total"] is False


def test_illegible_suma_with_deposit_keeps_fiscal_total(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("zabka"), "SUMA PLN 28,27", "SUMA PLN ey, Alig)")
    result = parse_receipt(lines).to_json()
    # DO ZAPŁATY and the card both say 29,27; the deposit of 1,00 is not part of the total
    assert (result["total"], result["amount_due"], result["deposits"]) == (
        "28.27", "29.27", "1.00"
    )


def test_verified_item_lines_stand_in_for_an_illegible_total(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN Ag), ES")
    lines = _replace(lines, "GOTÓWKA 50,00", "GOTÓWKA 56,00")  # cash misread too
    lines = [line for line in lines if not line.startswith(("SPRZED", "PTU"))]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "44.18"
    assert result["field_confidence"]["total"] == 0.5


def test_date_with_one_misread_digit_in_the_year(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("dino"), "20-11-2026 12:15", "20-11-2826 12:15")
    result = parse_receipt(lines).to_json()
    assert result["date"] == "2026-11-20"
    assert result["field_confidence"]["date"] == 0.5


def test_sum_repair_prefers_the_line_that_is_already_inconsistent() -> None:
    from decimal import Decimal

    from ocr_worker.parser.model import Item, Receipt
    from ocr_worker.parser.repair import repair_items_against_total

    misread = Item("Cola", Decimal("14.38"), Decimal("2"), Decimal("7.43"), quantity_printed=True)
    plain = Item("Chleb", Decimal("5.38"), unit_price=Decimal("5.38"))
    receipt = Receipt(items=[plain, misread])
    # both 14.38 -> 14.98 and 5.38 -> 5.98 would balance the sum; the line already known to
    # be misread (2 x 7,43 != 14,38) is the one changed
    note = repair_items_against_total(receipt, Decimal("20.36"))
    assert note is not None
    assert (plain.price, misread.price) == (Decimal("5.38"), Decimal("14.98"))


def test_junk_digits_in_front_of_a_price(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("tesco_uk"), "PG TIPS 80S £2.50", "PG TIPS 80S 372.50")
    result = parse_receipt(lines).to_json()
    assert result["items"][3]["price"] == "2.50"


def test_item_dearer_than_the_receipt_is_dropped(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("tesco_uk"), "PG TIPS 80S £2.50", "PG TIPS 80S 3720.49")
    lines = _replace(lines, "HOVIS WHOLEMEAL 800G £1.40", "HOVIS WHOLEMEAL 800G £1.90")
    result = parse_receipt(lines).to_json()
    assert "PG TIPS 80S" not in [i["name"] for i in result["items"]]
    assert any("exceeds the total" in w for w in result["warnings"])


def test_total_whose_separator_became_a_space(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("kaufland"), "SUMA PLN 44,18", "SUMA PLN 44 18")
    assert parse_receipt(lines).to_json()["total"] == "44.18"


def test_sales_tax_without_subtotal_is_not_blamed_on_an_item() -> None:
    lines = ["Walmart", "MILK 3.28 N", "BREAD 5.29 X", "TAX 1 7.250 % 0.38", "TOTAL 8.95",
             "VISA TEND 8.95", "11/05/2026 10:00"]
    result = parse_receipt(lines).to_json()
    assert [i["price"] for i in result["items"]] == ["3.28", "5.29"]
    assert (result["total"], result["subtotal"]) == ("8.95", "8.57")
    assert result["checks"]["items_sum_matches_total"] is True


def test_payment_alone_stands_in_for_an_illegible_total(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("lidl"), "SUMA PLN 32,82", "SUMA PLN DAG 7 BS")
    lines = _replace(lines, "Chleb tostowy 1 * 3,99 3,99 C", "Chleb tostowy 1 * 3,99 93,99 C")
    lines = [line for line in lines if not line.startswith(("SPRZED", "PTU", "SUMA PTU"))]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "32.82"
    assert result["field_confidence"]["total"] <= 0.6


def test_single_quantity_line_disagreeing_with_itself_is_settled_by_the_sum(
    receipt_text: Loader,
) -> None:
    lines = _replace(receipt_text("lidl"), "Ser Gouda plastry 1 * 7,99 7,99 C",
                     "Ser Gouda plastry 1 * 7,09 7,99 C")
    result = parse_receipt(lines).to_json()
    assert (result["items"][2]["price"], result["items"][2]["unit_price"]) == ("7.99", "7.99")
    assert result["checks"]["lines_consistent"] is True
    lines = _replace(receipt_text("lidl"), "Ser Gouda plastry 1 * 7,99 7,99 C",
                     "Ser Gouda plastry 1 * 7,99 7,09 C")
    result = parse_receipt(lines).to_json()
    assert result["items"][2]["price"] == "7.99"  # here the value was the misread copy


def test_total_with_an_extra_digit_is_corrected_by_the_items(receipt_text: Loader) -> None:
    lines = _replace(receipt_text("tesco_uk"), "TOTAL £7.41", "TOTAL £67.41")
    lines = _replace(lines, "VISA DEBIT £7.41", "VISA DEBIT £7.47")
    result = parse_receipt(lines).to_json()
    assert result["total"] == "7.41"
    assert any("(sum of items)" in w for w in result["warnings"])


def test_suma_glued_to_pln_is_the_fiscal_total_not_the_amount_due() -> None:
    lines = ["LIDL", "PARAGON FISKALNY", "Czekolada mleczna 100g 1*4,844,84A",
             "Baton proteinowy 45g 2*4,699,38A", "SPRZEDAŻ OPODATKOWANAA 14,22",
             "PTU A 23,00 % 2,66", "SUMA PTU 2,66", "SUMAPLN 14,22", "NIEFISKALNY",
             "Kaucja butelka 6 x0.50 3,00", "DO ZAPŁATY 17,22 PLN"]
    result = parse_receipt(lines).to_json()
    assert (result["total"], result["amount_due"]) == ("14.22", "17.22")
    assert result["checks"]["items_sum_matches_total"] is True


def test_total_bottle_deposit_is_not_the_total_and_balance_to_pay_is() -> None:
    lines = ["TRADER JOE'S", "MILK ORGANIC GALLON WHOL $6.79", "T Bottle Deposit $0.40",
             "Tax: $7.89 @ 8.625% $0.68", "Total Bottle Deposit $0.40",
             "Balance to pay $7.87", "Visa Debit $7.87"]
    assert parse_receipt(lines).to_json()["total"] == "7.87"


def test_net_amount_closes_a_receipt_whose_items_have_no_decimals() -> None:
    lines = ["Khileshwori Trading Pvt. Ltd.", "Sn| Particulars |Qty| Rate | Amount|",
             "1 COLGATE DENTAL 1 95 95", "2 PATANJALI ANTI 1 70 70",
             "Gross Amount : 165.00", "Discount : 0.00", "Net Amount : 165.00",
             "Tender : 165.00", "Change : 0.00"]
    result = parse_receipt(lines).to_json()
    assert (result["total"], result["items"]) == ("165.00", [])


@pytest.mark.parametrize(
    ("printed", "expected"),
    [("557", "557.00"),  # subtotal + GST + round-off, printed in whole rupees
     ("5570", None)],    # more than 30 % above the subtotal: nothing proves either reading
)
def test_total_printed_without_decimals_is_read_in_whole_units_only_against_a_subtotal(
    printed: str, expected: str | None
) -> None:
    lines = ["BURGER SEIGNEUR", "Ripper 1 400.00", "Coke 300 ML 1 130.00", "SubTotal: 530.00",
             "GST@5% 26.50", "Round Off: 0.50", f"Total Invoice Value: {printed}"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == expected


def test_a_lost_comma_in_a_polish_total_is_not_taken_for_whole_units() -> None:
    lines = ["PARAGON FISKALNY", "Mleko UHT 1 x3,49 3,49 C", "Chleb 1 x4,50 4,50 C",
             "SUMA PLN 799"]
    assert parse_receipt(lines).to_json()["total"] == "7.99"
