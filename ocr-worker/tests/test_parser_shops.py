"""Shop, company, NIP and receipt number from header lines, including OCR damage."""

from __future__ import annotations

import pytest

from ocr_worker.parser.header import find_company, find_nip, find_receipt_number, nip_is_valid
from ocr_worker.parser.shops import fallback_shop_name, match_brand


@pytest.mark.parametrize(
    ("header", "shop"),
    [
        (["Jeronimo Martins Polska S.A.", "ul. Żniwna 5"], "Biedronka"),
        (["JER0NIMO MARTlNS POLSKA S.A."], "Biedronka"),
        (["Jeronimo Martins Drogerie i Farmacja sp. z o.o."], "Hebe"),
        (["BIEDR0NKA 3342"], "Biedronka"),
        (["Lidl sp. z o.o. sp.k.", "Jankowice"], "Lidl"),
        (["www.lidl.pl"], "Lidl"),
        (["Kaufland Polska Markety sp. z o.o. sp.k."], "Kaufland"),
        (["ŻABKA", "Żabka Polska sp. z o.o."], "Żabka"),
        (["ZABKA POLSKA SP Z O O"], "Żabka"),
        (["AUCHAN POLSKA SP. Z O.O."], "Auchan"),
        (["Carrefour Polska sp. z o.o."], "Carrefour"),
        (["Rossmann SDP sp. z o.o."], "Rossmann"),
        (["DINO POLSKA S.A.", "Market Dino"], "Dino"),
        (["NETTO Sp. z o.o.", "ul. Szczecińska 1"], "Netto"),
        (["Stokrotka sp. z o.o."], "Stokrotka"),
        (["LEWIATAN"], "Lewiatan"),
        (["TESCO", "Superstore"], "Tesco"),
        (["Sainsbury's Supermarkets Ltd"], "Sainsbury's"),
        (["Walmart", "Save money. Live better."], "Walmart"),
        (["REWE Markt GmbH"], "REWE"),
        (["ALDI SÜD"], "ALDI SÜD"),
        (["ALDI", "Filiale 123"], "Aldi"),
        (["Albert Heijn"], "Albert Heijn"),
        (["CARREFOUR MARKET"], "Carrefour"),
        (["KAUFLANO"], "Kaufland"),  # one letter misread: fuzzy match
        (["Wesco", "Express"], "Tesco"),  # a short name, alone on its line
    ],
)
def test_brand_from_header(header: list[str], shop: str) -> None:
    brand, confidence = match_brand(header)
    assert brand is not None
    assert brand.name == shop
    assert confidence > 0.5


def test_ambiguous_words_are_not_brands_outside_the_header() -> None:
    lines = ["SKLEP SPOŻYWCZY ANNA", "ul. Długa 1", "", "", "", "", "", "", "",
             "Netto 10,00", "Spar ziemniaki 2,00", "Target 3"]
    assert match_brand(lines) == (None, 0.0)
    assert match_brand(["Steuer % Netto Steuer Brutto"] + [""] * 8)[0] is None
    assert match_brand(["Hello", "SALES", "TOTAL", "LIDI"])[0] is None


def test_fallback_shop_name_skips_addresses_and_titles() -> None:
    lines = ["PARAGON", "ul. Długa 5", 'PIEKARNIA "U JANKA" Sp. z o.o.', "NIP 525-000-00-15"]
    assert fallback_shop_name(lines) == 'PIEKARNIA "U JANKA"'
    assert fallback_shop_name(["12345", "ul. Długa 5"]) is None


@pytest.mark.parametrize(
    ("line", "nip"),
    [
        ("NIP 779-10-11-327", "7791011327"),
        ("NIP: 7791011327", "7791011327"),
        ("NIP PL 779 101 13 27", "7791011327"),
        ("N1P 779-1O-11-327", "7791011327"),
    ],
)
def test_nip(line: str, nip: str) -> None:
    assert find_nip(["Sklep", line]) == nip
    assert nip_is_valid(nip)


def test_nip_prefers_valid_checksum() -> None:
    assert find_nip(["NIP 779-10-11-328", "NIP 779-10-11-327"]) == "7791011327"
    assert not nip_is_valid("7791011328")
    assert not nip_is_valid("12345")


def test_company_line() -> None:
    assert find_company(["ŻABKA", "Żabka Polska sp. z o.o.", "ul. Matyi 8"]) == (
        "Żabka Polska sp. z o.o."
    )
    assert find_company(["Jeronimo Martins Polska", "S.A.", "Kostrzyn"]) == (
        "Jeronimo Martins Polska S.A."
    )
    assert find_company(["POMMES 1,250 kg x 2,49 3,11"]) is None


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("2026-11-20 14:35 nr wydr.172631", "172631"),
        ("PARAGON FISKALNY nr: 3314", "3314"),
        ("20.11.2026 19:04 Bon-Nr.:4321", "4321"),
        ("05/11/26 18:22 ST:2214 TR:4456", "4456"),
        ("7563 #Kasa 5 Kasjer nr 38", "7563"),
    ],
)
def test_receipt_number(line: str, number: str) -> None:
    assert find_receipt_number(["Sklep", line]) == number


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        # a handwritten note above the printed header; OCR's "SON BHO" for SDN BHD
        (["tan woon yann :", "BOOK TA .K (TAMAN DAYA) SON BHO", "789417-W"],
         "BOOK TA .K (TAMAN DAYA) SDN BHD"),
        # debris at the edges and the registration number after the legal form
        ([": LIGHTROOM GALLERY SDN BHD (139386 X) a", "NO 28"], "LIGHTROOM GALLERY SDN BHD"),
        # a digit read inside a word
        (["31802041 |", "MR. D.1.Y. (M) SDN BHO", "(CO.REG :860871-0)"],
         "MR. D.I.Y. (M) SDN BHD"),
        # the name over two lines, & read as 8
        (["THE COFFEE BEAN", "8 TEA LEAF (M) SDN. BHD.", "LOT 1"],
         "THE COFFEE BEAN & TEA LEAF (M) SDN. BHD."),
        (["AIK HUAT HARDWARE", "ENTERPRISE (SETIA ALAM) SDN BHD"],
         "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"),
    ],
)
def test_fallback_prefers_the_line_with_a_legal_form(lines: list[str], name: str) -> None:
    assert fallback_shop_name(lines) == name


def test_fallback_skips_lower_case_and_debris_lines() -> None:
    assert fallback_shop_name(["noz NZ", "tan woon yann", "Yam Fresh bo", "NO 1"]) == "Yam Fresh"
    assert fallback_shop_name(["ee ar ow", "|:", "12 JALAN 3"]) is None
