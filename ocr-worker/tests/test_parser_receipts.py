"""Whole receipts in realistic OCR text (fixtures/receipts/*.txt) from several chains and
countries, each checked field by field."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ocr_worker.parser import parse_receipt

# name -> expected fields; items as (price, discount, quantity, unit_price, vat)
EXPECTED: dict[str, dict[str, Any]] = {
    "biedronka": {
        "shop": "Biedronka", "nip": "7791011327", "date": "2026-11-20", "time": "10:42",
        "currency": "PLN", "total": "35.55", "amount_due": "35.55", "receipt_number": "172631",
        "payment": {"method": "card", "paid": "35.55", "change": None},
        "items": [
            ("6.58", "0.00", "2", "3.29", "C"), ("4.49", "0.90", "1", "4.49", "C"),
            ("6.60", "0.00", "0.734", "8.99", "C"), ("8.99", "0.00", "1", "8.99", "C"),
            ("11.34", "2.34", "6", "1.89", "A"), ("0.79", "0.00", "1", "0.79", "A"),
        ],
        "names": ["MlekoŁaciate2%1L", "ChlebŻytniRazowy500g", "Pomidory Luz",
                  "MasłoOsełMIDol300g", "WodaŻywiec1,5L", "TorbaFoliowa"],
        "vat": [("A", "23.00", "1.83", "9.79"), ("C", "5.00", "1.23", "25.76")],
    },
    "lidl": {
        "shop": "Lidl", "nip": "7811897358", "date": "2026-11-18", "time": "17:02",
        "currency": "PLN", "total": "32.82", "amount_due": "32.82",
        "payment": {"method": "card", "paid": "32.82", "change": None},
        "items": [
            ("4.86", "0.00", "0.812", "5.99", "C"), ("4.98", "1.00", "2", "2.49", "C"),
            ("7.99", "0.00", "1", "7.99", "C"), ("15.16", "3.16", "4", "3.79", "A"),
            ("3.99", "0.00", "1", "3.99", "C"),
        ],
    },
    "kaufland": {
        "shop": "Kaufland", "date": "2026-11-20", "time": "18:44", "total": "44.18",
        "payment": {"method": "cash", "paid": "50.00", "change": "5.82"},
        "items": [
            ("5.98", "0.00", "2", "2.99", "C"), ("12.99", "2.60", "1", "12.99", "C"),
            ("12.83", "0.00", "0.642", "19.99", "C"), ("14.98", "0.00", "2", "7.49", "A"),
        ],
        "names": ["K-CLASSIC MLEKO 3,2% 1L", "JAJA WOLNY WYBIEG L 10SZT", "SCHAB B/K KG",
                  "COCA COLA 2L"],
    },
    "zabka": {
        "shop": "Żabka", "date": "2026-11-19", "time": "07:58", "total": "28.27",
        "amount_due": "29.27", "deposits": "1.00", "receipt_number": "004812",
        "items": [
            ("8.99", "0.00", "1", "8.99", "B"), ("9.49", "0.00", "1", "9.49", "B"),
            ("8.98", "1.98", "2", "4.49", "A"), ("2.79", "0.00", "1", "2.79", "A"),
        ],
    },
    "biedronka_damaged": {
        "shop": "Biedronka", "date": "2026-11-20", "total": "19.69",
        "items": [
            ("2.84", "0.00", "2", "1.42", "C"), ("1.80", "0.00", "4", "0.45", "C"),
            ("9.06", "0.00", "0.302", "29.99", "C"), ("5.99", "0.00", "1", "5.99", "C"),
        ],
    },
    "dino": {
        "shop": "Dino", "date": "2026-11-20", "total": "29.24", "receipt_number": "3314",
        "payment": {"method": "cash", "paid": "30.00", "change": "0.76"},
        "items": [
            ("12.00", "0.00", "2", "6.00", "C"), ("11.26", "0.00", "0.512", "21.99", "C"),
            ("1.49", "0.00", "1", "1.49", "C"), ("4.99", "0.50", "1", "4.99", "A"),
        ],
        "names": ["Pierogi ruskie 400g", "Kiełbasa podwawelska", "Cebula luz", "Sok Tymbark 1L"],
    },
    "bakery": {
        "shop": 'PIEKARNIA "U JANKA" JAN KOWALSKI', "date": "2026-11-21", "total": "14.90",
        "items": [("6.50", "0.00", "1", "6.50", "C"), ("8.40", "0.00", "3", "2.80", "C")],
    },
    "tesco_uk": {
        "shop": "Tesco", "date": "2026-11-05", "currency": "GBP", "total": "7.41",
        "payment": {"method": "card", "paid": "7.41", "change": "0.00"},
        "items": [
            ("1.45", "0.00", "1", "1.45", None), ("1.40", "0.00", "1", "1.40", None),
            ("0.41", "0.00", "0.525", "0.79", None), ("2.50", "0.75", "1", "2.50", None),
            ("2.40", "0.00", "2", "1.20", None),
        ],
    },
    "walmart_us": {
        "shop": "Walmart", "date": "2026-11-05", "time": "18:42:07", "currency": "USD",
        "total": "19.28", "subtotal": "18.84",
        "items": [
            ("3.28", "0.00", "1", "3.28", "N"), ("1.12", "0.00", "2.49", "0.45", "N"),
            ("4.97", "0.00", "1", "4.97", "N"), ("6.97", "0.00", "1", "6.97", "X"),
            ("2.50", "0.00", "1", "2.50", "N"),
        ],
        "names": ["GV 2% MILK 1G", "BANANAS", "EGGS LARGE 18CT", "PAPER TOWEL", "DORITOS NACHO"],
    },
    "rewe_de": {
        "shop": "REWE", "date": "2026-11-20", "currency": "EUR", "total": "8.65",
        "receipt_number": "4321",
        "items": [
            ("1.49", "0.00", "1", "1.49", "B"), ("2.29", "0.00", "1", "2.29", "B"),
            ("2.58", "0.00", "2", "1.29", "B"), ("0.50", "0.00", "2", "0.25", "A"),
            ("1.79", "0.00", "1", "1.79", "A"),
        ],
    },
    "albert_heijn_nl": {
        "shop": "Albert Heijn", "date": "2026-11-20", "currency": "EUR", "total": "9.95",
        "subtotal": "10.45", "payment": {"method": "card", "paid": "9.95", "change": None},
        "items": [
            ("1.19", "0.00", "1", "1.19", None), ("1.98", "0.00", "2", "0.99", None),
            ("2.49", "0.00", "1", "2.49", None), ("4.79", "0.00", "1", "4.79", None),
        ],
        "names": ["AH HALFVOLLE MELK", "AH BANANEN", "CROISSANTS", "JONGE KAAS"],
    },
    "carrefour_fr": {
        "shop": "Carrefour", "date": "2026-11-20", "currency": "EUR", "total": "7.20",
        "items": [
            ("1.10", "0.00", "1", "1.10", None), ("0.99", "0.00", "1", "0.99", None),
            ("3.11", "0.00", "1.250", "2.49", None), ("2.35", "0.35", "1", "2.35", None),
        ],
    },
    "auchan": {
        "shop": "Auchan", "nip": "5260309174", "date": "2026-11-22", "time": "18:22",
        "total": "53.51", "receipt_number": "0055123",
        "payment": {"method": "card", "paid": "53.51", "change": None},
        "items": [
            ("6.49", "0.00", "1", "6.49", "C"), ("9.87", "1.98", "3", "3.29", "C"),
            ("9.16", "0.00", "0.458", "19.99", "C"), ("14.99", "0.00", "1", "14.99", "A"),
            ("14.98", "0.00", "2", "7.49", "A"),
        ],
        "names": ["SER GOUDA PLASTRY 150G", "JOGURT GRECKI 400G", "SCHAB WIEPRZOWY",
                  "PAPIER TOAL. 8 ROLEK", "PŁYN DO NACZYŃ 1L"],
    },
    "orlen": {
        "shop": "Orlen", "date": "2026-11-23", "time": "07:41", "total": "288.06",
        "items": [
            ("267.58", "0.00", "41.23", "6.49", "A"), ("8.99", "0.00", "1", "8.99", "B"),
            ("11.49", "0.00", "1", "11.49", "B"),
        ],
    },
    "lidl_de": {
        "shop": "Lidl", "date": "2026-11-20", "time": "14:35", "currency": "EUR",
        "total": "6.17", "receipt_number": "4711",
        "payment": {"method": "cash", "paid": "20.00", "change": "13.83"},
        "items": [
            ("0.99", "0.00", "1", "0.99", "A"), ("2.45", "0.00", "1.102", "2.22", "A"),
            ("1.79", "0.00", "1", "1.79", "A"), ("0.25", "0.00", "1", "0.25", "B"),
            ("0.89", "0.20", "1", "0.89", "B"),
        ],
    },
    "mercadona_es": {
        "shop": "Mercadona", "date": "2026-11-22", "currency": "EUR", "total": "13.59",
        "receipt_number": "2345-012-345678",
        "items": [
            ("0.89", "0.00", "1", "0.89", None), ("2.40", "0.00", "2", "1.20", None),
            ("1.35", "0.00", "1", "1.35", None), ("8.95", "0.00", "1", "8.95", None),
        ],
        "names": ["LECHE ENTERA", "PAN DE MOLDE", "TOMATE", "ACEITE OLIVA 1L"],
    },
    "sainsburys_uk": {
        "shop": "Sainsbury's", "date": "2026-11-22", "currency": "GBP", "total": "5.23",
        "payment": {"method": "card", "paid": "5.23", "change": "0.00"},
        "items": [
            ("1.65", "0.00", "1", "1.65", None), ("0.68", "0.00", "1.135", "0.60", None),
            ("2.00", "0.50", "1", "2.00", None), ("1.40", "0.00", "2", "0.70", None),
        ],
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_receipt(name: str, receipt_text: Callable[[str], list[str]]) -> None:
    expected = EXPECTED[name]
    result = parse_receipt(receipt_text(name)).to_json()
    for key in ("shop", "nip", "date", "time", "currency", "total", "amount_due", "subtotal",
                "receipt_number", "deposits", "payment"):
        if key in expected:
            assert result[key] == expected[key], key
    got = [(i["price"], i["discount"], i["quantity"], i["unit_price"], i["vat"])
           for i in result["items"]]
    assert got == expected["items"]
    if "names" in expected:
        assert [i["name"] for i in result["items"]] == expected["names"]
    if "vat" in expected:
        assert [(v["letter"], v["rate"], v["tax"], v["sales"]) for v in result["vat"]] == (
            expected["vat"]
        )
    # every fixture is arithmetically consistent once read correctly
    assert result["checks"]["items_sum_matches_total"] is True
    assert result["checks"]["lines_consistent"] is not False
    assert result["confidence"] >= 0.9
    assert not [w for w in result["warnings"] if not w.startswith("repaired")]


def test_polish_fixtures_cross_check_vat_and_payment(
    receipt_text: Callable[[str], list[str]]
) -> None:
    for name in ("biedronka", "lidl", "kaufland", "zabka", "dino"):
        checks = parse_receipt(receipt_text(name)).to_json()["checks"]
        assert checks["vat_sales_match_total"] is True, name
        assert checks["payment_matches"] is True, name
        assert checks["nip_valid"] is True, name


def test_deposit_moves_amount_due_not_total(receipt_text: Callable[[str], list[str]]) -> None:
    result = parse_receipt(receipt_text("zabka")).to_json()
    assert (result["total"], result["amount_due"]) == ("28.27", "29.27")
    assert result["checks"]["amount_due_matches_deposits"] is True
    assert all("Kaucja" not in item["name"] for item in result["items"])


@pytest.mark.parametrize(
    ("lines", "total"),
    [
        # the rounded figure is what was paid
        (["SHOP", "ITEM A 1 33.92", "TOTAL RM33.92", "ROUNDING ADJUSTMENT -RM0.02",
          "TOTAL ROUNDED RM33.90", "CASH RM50.00", "CHANGE RM16.10"], "33.90"),
        # a tax sum and a pre-tax total are not the total
        (["SHOP", "101869 2 60.00 127.20 SR", "Total Sales (Excluding GST) : 120.00",
          "Total GST : 7.20", "Total Sales (Inclusive of GST) : 127.20", "CASH : 150.00",
          "Change : 22.80", "GST @6% included in total RM 7.20"], "127.20"),
        # the chosen line misread (8 for 9): another total line and the payment agree
        (["SHOP", "Total QTY: 8", "Tota) (Inclusive of GST); 9.60", "TOTAL: 8.60",
          "CASH : 9.60"], "9.60"),
        # German: the MwSt block's sum is not the total; Bar and Rückgeld follow it
        (["REWE", "Milch 1,19 B", "Brot 2,49 B", "SUMME EUR 3,68", "Bar 5,00", "Rückgeld 1,32",
          "Steuer % Netto Steuer Brutto", "B= 7,0% 3,44 0,24 3,68", "Summe MwSt 0,24"], "3.68"),
        # Polish app: Ogółem, the PTU table's own Suma after it
        (["Biedronka", "Masło Extra 200g A 1 x 6,99 6,99", "Ogółem 6,99 PLN", "PTU A 23,00% 1,31",
          "Suma PTU 1,31"], "6.99"),
    ],
)
def test_total_as_real_shops_word_it(lines: list[str], total: str) -> None:
    assert parse_receipt(lines).to_json()["total"] == total


def test_the_ptu_tables_own_suma_is_not_the_total() -> None:
    lines = ["Lidl sp. z o.o. sp.k.", "Nazwa PTU Ilość Cena Wartość",
             "Bułka kajzerka C 1x 0,64 0,64", "Pomidory malinowe luz C 1,182x 8,12 9,60",
             "PTU C 5,00% 0,49", "Suma 0,49", "Razem 10,24", "Gotówka 20,00", "Reszta 9,76"]
    assert parse_receipt(lines).to_json()["total"] == "10.24"
    # SUMA PLN read without its PLN under SUMA PTU is still the receipt's total
    lines = ["SHOP", "Chleb 3,49 A", "SPRZEDAZ OPODATKOWANA A 3,49", "PTU A 23,00 % 0,65",
             "SUMA PTU 0,65", "SUMA 3,49"]
    assert parse_receipt(lines).to_json()["total"] == "3.49"


@pytest.mark.parametrize(
    ("lines", "total"),
    [
        # the tax-inclusive total, then rounding: the plain TOTAL after it is the rounded one
        (["SHOP", "ITEM A 20.98", "Total RM Incl. of GST 20.98", "Rounding Adj 0.02",
          "Total RM 21.00", "CASH 50.00", "CHANGE 29.00"], "21.00"),
        # net total written as one word wins over the tax-inclusive figure above it
        (["SHOP", "ITEM A 28.03", "Total Sales (Incl.GST @6%) RM28.03", "NetTotal RM28.05",
          "Received Cash RM28.05", "Change RM0.00"], "28.05"),
        # a recogniser that drops spaces: CASHRM still is the cash paid
        (["SHOP", "ITEM A 14.30", "ITEM B 5.40", "Total Sales (Inclusive GST) RM 19.90",
          "CASHRM 19.90", "CHANGE RM .00"], "19.90"),
    ],
)
def test_rounded_and_net_totals_win(lines: list[str], total: str) -> None:
    result = parse_receipt(lines).to_json()
    assert result["total"] == total


def test_items_and_other_totals_count_before_the_rounding_adjustment() -> None:
    """Items and the tax-inclusive total add up to the rounded total less the adjustment:
    they confirm it, not repair it to the unrounded figure."""
    lines = ["SHOP", "Iced Tea 1.50", "Fried Rice 21.76", "Total (Inclusive of GST): 23.26",
             "Rounding Adj: -0.01", "TOTAL: 23.25"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "23.25"
    assert result["checks"]["items_sum_matches_total"] is True
    assert not any("repaired" in warning for warning in result["warnings"])


def test_a_rounding_line_with_the_full_figure_is_the_rounded_total() -> None:
    lines = ["SHOP", "TIGER BEER 27.28", "Total Sales (Inclusive GST) RM 27.28",
             "Rounding Adjustment RM .02", "Rounding RM 27.30", "CASH RM 27.30", "CHANGE RM .00"]
    assert parse_receipt(lines).to_json()["total"] == "27.30"
    # the misread rounded total (6 for 5) loses to the payment and subtotal + adjustment
    lines = ["SHOP", "ITEM A 112.47", "Total incl. GST 112.47", "Rounding (RM): -0.02",
             "Total (RM): 112.46", "CASH : 112.45", "Change (RM): 0.00"]
    assert parse_receipt(lines).to_json()["total"] == "112.45"


@pytest.mark.parametrize(
    ("lines", "currency"),
    [
        (["BOOK TA .K (TAMAN DAYA) SDN BHD", "Total: 9.00", "Rounded Total (RM): 9.00",
          "CASH RM10.00"], "MYR"),
        (["Burger Seigneur", "GSTIN 29AAHCB", "CGST 2.5% 13.26", "Net Amount 557.00"], "INR"),
    ],
)
def test_currency_of_malaysian_and_indian_receipts(lines: list[str], currency: str) -> None:
    assert parse_receipt(lines).to_json()["currency"] == currency


def test_the_amount_paid_without_a_method_confirms_the_total() -> None:
    """'Paid Amount' and 'Payment' name no method; paid less change still proves the total,
    so the items (one misread: $8.30 for 58.30) cannot repair it."""
    lines = ["SHOP", "Durafile H399 100 SR $8.30", "Metal Name Badge Clip 1 SR 21.20",
             "Total Amt Payable : 79.50", "Paid Amount: 100.00", "Change : 20.50"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "79.50" and result["checks"]["payment_matches"] is True
    lines = ["SHOP", "1.00 x 15.90 15.90 SR", "Subtotal : 15.90", "Tota Incl. or GST 15.90",
             "Total Amt Rounded 15.00", "Payment : 50.00", "Change Due : 34.10"]
    assert parse_receipt(lines).to_json()["total"] == "15.90"
    # what is still to pay is not what was paid
    lines = ["SHOP", "ITEM 10.00", "TOTAL 10.00", "Amount To Be Paid: 10.00", "CHANGE 0.00"]
    assert parse_receipt(lines).payment.paid is None


def test_the_tax_summarys_total_row_is_not_the_receipts() -> None:
    lines = ["SHOP", "3122 7 29.68 29.68 SR", "Total Sales (Excluding GST) : 28.00",
             "4 Total GST : 1.68", "Total Sales (Inclusive of GST) :", "CASH : 29.68",
             "Change : 0.00", "Tax Code % Amt (RM) Tax (RM)", "SR 6 28.00 1.68",
             "Total : 28.00 1.68"]
    assert parse_receipt(lines).to_json()["total"] == "29.68"


def test_no_item_read_then_total_and_payment_the_tax_table_below_is_not_items() -> None:
    """An illegible item line, then SUBTOTAL, ROUNDING, TOTAL and CASH: the footer's tax table
    rows ('CR 13.21 0.79') are not the items, and the TOTAL above them is the total."""
    lines = ["AIK HUAT HARDWARE ENTERPRISE", "TAX INVOICE", "1795676000 1 14,00: AR ci:",
             "SUBTOTAL (GST) 14.00", "ROUNDING", "TOTAL 14.00", "CASH 14.00", "0.00",
             "*GST @ 6% INCLUDED IN TOTAL", "CR 13.21 0.79", "TAXTOTAL: 0.79"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "14.00"
    assert all(item["name"] not in ("CR", "TAXTOTAL") for item in result["items"])


def test_no_item_read_then_totals_and_a_tax_summary_its_rows_are_not_items() -> None:
    """Item prices without their decimal points, then the totals and a GST summary with no
    payment between: the summary's rate row ('SR 6 10.94 - 0.66') is not an item, so its
    tax (0.66) is not confirmed as the total."""
    lines = ["RESTORAN DE COFFEE O", "TAX INVOICE °°.", "„tem Qty Price AMOUNT —",
             "ŚR: COFFEE O (T. AWAY) 1 230 230 |", "SR: SOYA BEAN (T AWAY) 10210 0 210",
             "ee TOTAL 800, 1180", "m (Excluded GST} Sub Total : 1094", "Totał GST : 0.66 —",
             "TOTAL 11.60 |", "GST SUMMARY „= \" FL. 5", "Tax Code _% __ Amount—-_* GST |",
             "SR 6 10.94 - 0.66 |", "e - Total: .... 10.94 oa 0.66 -"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "11.60"
    assert result["items"] == [] and "no items found" in result["warnings"]


def test_total_paid_is_a_payment_not_the_total() -> None:
    lines = ["SHOP", "Bread 4.15", "Total (Incl GST) RM4.15", "Total Paid RM20.20",
             "Change RM16.05"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "4.15" and result["items"][0]["price"] == "4.15"
    assert parse_receipt(lines).payment.paid == Decimal("20.20")


def test_no_total_legible_the_subtotal_beats_what_was_handed_over() -> None:
    lines = ["RESTORAN IBRAHIM MAJU SB", "QTY DESCRIPTION PRICE AMOUNT",
             "1 MAKANAN 2.30 2.308", "| MAKANAN 1.40 1.408", "Sub Total Incl. GST RM 5.30",
             "found Adjustnt RM 0.00", "otal , | RM 6.30", "Payment CASH RM 10.00",
             "Ghange RM 4.70"]
    result = parse_receipt(lines).to_json()
    assert result["total"] == "5.30"
    assert "total not printed legibly; taken from the subtotal" in result["warnings"]
    # with the change read, paid less change is the total
    lines = ["SHOP", "Sub Total 5.30", "CASH 10.00", "CHANGE 4.70"]
    assert parse_receipt(lines).to_json()["total"] == "5.30"
    lines = ["SHOP", "Sub Total 5.00", "CASH 10.00", "CHANGE 4.70"]
    assert parse_receipt(lines).to_json()["total"] == "5.30"
