"""Shop, company, NIP and receipt number from header lines, including OCR damage."""

from __future__ import annotations

import pytest

from ocr_worker.parser.brands import BRANDS, match_brand
from ocr_worker.parser.header import find_company, find_receipt_number
from ocr_worker.parser.receipt import parse_receipt
from ocr_worker.parser.shops import fallback_shop_name
from ocr_worker.parser.tax_ids import find_nip, find_tax_ids, nip_is_valid


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
        # German chains by their names and legal names
        (["real GmbH", "Musterstr. 1"], "real"),
        (["LOGO", "real,- SB-Warenhaus GmbH"], "real"),
        (["SATURN", "Saturn Electro-Handelsgesellschaft mbH"], "Saturn"),
        (["OBI GmbH & Co. Deutschland KG"], "OBI"),
        (["HORNBACH Baumarkt AG"], "Hornbach"),
        (["Müller Handels GmbH & Co. KG"], "Müller"),
        (["GALERIA Kaufhof GmbH"], "Kaufhof"),
    ],
)
def test_brand_from_header(header: list[str], shop: str) -> None:
    brand, confidence = match_brand(header)
    assert brand is not None
    assert brand.name == shop
    assert confidence > 0.5


def test_real_alone_is_a_word_not_the_chain() -> None:
    assert match_brand(["Wir bieten real gute Preise", "Kasse 3"])[0] is None
    assert match_brand(["REAL ESTATE SDN BHD"])[0] is None


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
         "THE COFFEE BEAN & TEA LEAF (M) SDN BHD"),
        (["AIK HUAT HARDWARE", "ENTERPRISE (SETIA ALAM) SDN BHD"],
         "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"),
    ],
)
def test_fallback_prefers_the_line_with_a_legal_form(lines: list[str], name: str) -> None:
    assert fallback_shop_name(lines) == name


def test_fallback_skips_lower_case_and_debris_lines() -> None:
    assert fallback_shop_name(["noz NZ", "tan woon yann", "Yam Fresh bo", "NO 1"]) == "Yam Fresh"
    assert fallback_shop_name(["ee ar ow", "|:", "12 JALAN 3"]) is None


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        # SDN BHD with a glyph wrong in either word; what follows the form is not the name
        (["SUPER SEVEN CASH & CARRY SEN 3HD >? 5 Ok"], "SUPER SEVEN CASH & CARRY SDN BHD"),
        (["Segi Cash & Carry Sdn.khd", "(317041-W)"], "Segi Cash & Carry SDN BHD"),
        (["GARDENIA BAKERIES (KL) SDN RHD (139386 X)"], "GARDENIA BAKERIES (KL) SDN BHD"),
        (["MR. D.I.Y. SDN BHD °C"], "MR. D.I.Y. SDN BHD"),
        (['" 99 SPEED MART 5/B (519537-X) |'], "99 SPEED MART S/B"),
        (["Abe 148", "AEON CO. (M) BHD (126926-H)"], "AEON CO. (M) BHD"),
        # Malay business words name the business without a legal form
        (["NEONODE aT", "31801 017 ,", "| SYARIKAT PERNIAGAAN GIN KEE", "| (81109-A)"],
         "SYARIKAT PERNIAGAAN GIN KEE"),
        # a damaged business word is put right, a name word is not
        (["- UNIHAKKA INTERNATIGNAL SDN BHD : w"], "UNIHAKKA INTERNATIONAL SDN BHD"),
        # debris of the logo before the name, a label before it, quote marks glued to it
        (["7 LIAN HING STATIONERY SDN BHD"], "LIAN HING STATIONERY SDN BHD"),
        (["N: SANYU SUPPLY SDN BHD"], "SANYU SUPPLY SDN BHD"),
        (["„„SANYU SUPPLY SDN BHD"], "SANYU SUPPLY SDN BHD"),
        (["Ą KFA SUPPLY s 4", "(ROC : SA0416111-K)"], "KFA SUPPLY"),
        # the name goes on after an ampersand
        (["HOME MASTER HARDWARE &", "ELECTRICAL", "NQ.113G & 115G, JALAN"],
         "HOME MASTER HARDWARE & ELECTRICAL"),
        (["Thank You, Please come again.", "TAX INVOICE", "DOMINO'S PIZZA"], "DOMINO'S PIZZA"),
    ],
)
def test_legal_names_as_ocr_reads_them(lines: list[str], name: str) -> None:
    assert fallback_shop_name(lines) == name


def test_words_that_only_look_like_a_legal_form_are_not_one() -> None:
    assert fallback_shop_name(["SUNWAY VELOCITY", "SEN SAN 12"]) == "SUNWAY VELOCITY"


def test_fuzzy_brand_needs_whole_words() -> None:
    # "CIRCLE" is Circle K short of its K, inside another business's name
    assert match_brand(["DE LUXE CIRCLE FRESH MART SDN BHD :"])[0] is None
    brand, confidence = match_brand(["MEDIA MARKI TV-Hifi-Elektro GmbH"])
    assert brand is not None and brand.name == "Media Markt" and confidence < 1


@pytest.mark.parametrize(
    ("lines", "shop"),
    [
        # the logo is an image OCR cannot read: the tax id names the chain
        (["~~ ~~", "ul. Żniwna 5", "62-025 Kostrzyn", "NIP 779-10-11-327"], "Biedronka"),
        (["Sklep nr 689", "NIP: 7270019183"], "Rossmann"),
        (["Markt 4711", "Hauptstr. 1", "UID Nr.: DE812706034"], "REWE"),
        (["Filiale", "UST-ID-NR: DE 250 063 577"], "Lidl"),
    ],
)
def test_brand_from_tax_id(lines: list[str], shop: str) -> None:
    brand, confidence = match_brand(lines)
    assert brand is not None and brand.name == shop and confidence == 0.9


def test_tax_ids_are_read_with_their_country_and_checked() -> None:
    assert find_tax_ids(["NIP 779-10-11-327", "USt-IdNr.: DE 812 706 034"]) == [
        "PL7791011327", "DE812706034"]
    assert find_tax_ids(["NIP 779-10-11-328"]) == []  # checksum fails: a misreading
    assert find_tax_ids(["TEL 03 5542 3208", "GST ID: 000381399040"]) == []


def test_every_chain_tax_id_passes_its_check_digit() -> None:
    def german_vat_ok(digits: str) -> bool:  # ISO 7064 MOD 11,10
        product = 10
        for digit in digits[:8]:
            total = (int(digit) + product) % 10 or 10
            product = (2 * total) % 11
        return (11 - product) % 10 == int(digits[8])

    for brand in BRANDS:
        for tax_id in brand.tax_ids:
            country, digits = tax_id[:2], tax_id[2:]
            assert {"PL": nip_is_valid, "DE": german_vat_ok}[country](digits), (brand, tax_id)


def test_a_chain_named_below_the_header_is_where_the_shop_stands() -> None:
    lines = ["MR D.I.Y. (JOHOR) SDN BHD", "(CO.REG : 933109-X)", "LOT 1851-A, JALAN KPB 6",
             "43300 SERI KEMBANGAN", "GST ID: 000801771520", "TAX INVOICE", "Cashier: 1",
             "Date: 02/03/2018", "ITEM 5.00", "TESCO PUTRA NILAI", "TOTAL 5.00"]
    assert parse_receipt(lines).shop == "MR D.I.Y. (JOHOR) SDN BHD"
    assert parse_receipt(["TESCO", "Superstore", "TOTAL 5.00"]).shop == "Tesco"


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        # the name over two lines: a business word or "CO." goes on from the line above, a
        # damaged business word is mended first
        (["LIAN CHI PU TIAN VEGETARIAN", "RESTAURANT SDN BHD", "11095514-X"],
         "LIAN CHI PU TIAN VEGETARIAN RESTAURANT SDN BHD"),
        (["| POPULAR BOOK", "CO. (M) SDN BHD", "(Co. No. 113825-W)"],
         "POPULAR BOOK CO. (M) SDN BHD"),
        (["NC”", "WESTERN EASTERN", "SIAIIONERY SON. BHO", "CO REG WO : 21003b-K"],
         "WESTERN EASTERN STATIONERY SDN BHD"),
        # Malay names start with SYARIKAT: the line above is not part of them
        (["LTE TI", "SYARIKAT PERNIAGAAN GIN KEE", "(81109-A)"], "SYARIKAT PERNIAGAAN GIN KEE"),
        # a word one letter longer than a business word is a different word
        (["ELKEN SERVICE SDN BHD"], "ELKEN SERVICE SDN BHD"),
        # (M) for Malaysia read as (H); ¥ for Y; a name with a colon is not a label
        (["MR. D.I.Y. (H) SDN BHD A E"], "MR. D.I.Y. (M) SDN BHD"),
        (["MR. D.I.¥. (M) SDN BHD"], "MR. D.I.Y. (M) SDN BHD"),
        (["MR. D.I.Y: (M) SDN BHD"], "MR. D.I.Y: (M) SDN BHD"),
        # the owner's legal name under "Owned By:" is not the shop's
        # ... and the shop's name shares a word with it: the owner's plainer type spells it
        (["_ SANYO STATIONERY SHOP", "NO. 31G&33G, JALAN SETIA INDAH", "Owned By:",
          "SANYU SUPPLY SDN BHD"], "SANYU STATIONERY SHOP"),
        (["Kii GASI REN rl", "SANYOSTATIONERYSHOP ~~", "NO. 31G&33G, JALAN SETIA INDAH",
          "GST ID No: 001531760640 TAX INVOICE", "med By :", "SANYU SUPPLY SDN BHD (1135772-K)"],
         "SANYU STATIONERYSHOP"),
        (["Owned By:", "SANYU SUPPLY SDN BHD"], "SANYU SUPPLY SDN BHD"),
        # a different word is not mended, a longer one is not cut
        (["KEDAI MAJU", "Owned By:", "MAJA TRADING SDN BHD"], "KEDAI MAJU"),
        (["SANYO STATIONERY SHOP", "Owned By:", "SANYUX SUPPLY SDN BHD"],
         "SANYO STATIONERY SHOP"),
        # a business word below the document's title names items, not the seller
        (["SANYO STATIONERY SHOP", "NO. 31G&33G, JALAN SETIA INDAH", "40170 SETIA ALAM",
          "Tel: +603-3362 4137", "TAX INVOICE", "CASH SALES COUNTER",
          "7. 2012-0028 RESTAURANT ORDER CHIT NCR"], "SANYO STATIONERY SHOP"),
        # a legal name whose bracket closes on the next line, specks before the close
        (["\"AIK HUAT HARDWARE | 2:", "= ENTERPRISE (SETIA 2°:", "X. ALAM) SDN BHD. 2°",
          "SEKSYEN U13, 40170 SHAH ALAM"],
         "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD"),
        # CO. read as CD. at the start of the legal-form line continues the line above
        (["POPULAR BOOK", ") CD. (M) SDN BHD", "{Company No. 113825-W)"],
         "POPULAR BOOK CO. (M) SDN BHD"),
    ],
)
def test_legal_names_over_lines_and_owners(lines: list[str], name: str) -> None:
    assert fallback_shop_name(lines) == name


def test_a_chain_in_brackets_is_where_the_shop_stands() -> None:
    lines = ["MR D.I.Y. (JOHOR) SDN BHD", "(CO.REG :933109-X)", "(MR DIY TESCO TERBAU)"]
    assert match_brand(lines)[0] is None
