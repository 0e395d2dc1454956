"""Shop (brand) detection from header and company lines, tolerant of OCR damage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocr_worker.parser.text import fold, fuzzy_find, letters_key, similar


@dataclass(frozen=True)
class Brand:
    name: str
    keys: tuple[str, ...]  # letters keys (see text.letters_key) that identify the brand
    country: str | None = None  # ISO code of the usual country, a hint for currency/date order
    strict: bool = False  # short or ambiguous word: match whole words in the header only


BRANDS: tuple[Brand, ...] = (
    Brand("Hebe", ("JERONIMOMARTINSDROGERIE",), "PL"),
    Brand("Biedronka", ("BIEDRONKA", "JERONIMOMARTINS"), "PL"),
    Brand("Lidl", ("LIDL",), None, strict=True),
    Brand("Kaufland", ("KAUFLAND",)),
    Brand("Żabka", ("ZABKA", "ZABKAPOLSKA"), "PL"),
    Brand("Auchan", ("AUCHAN",)),
    Brand("Carrefour", ("CARREFOUR",)),
    Brand("Rossmann", ("ROSSMANN",)),
    Brand("Dino", ("DINOPOLSKA", "DINO"), "PL", strict=True),
    Brand("Netto", ("NETTO",), None, strict=True),
    Brand("Stokrotka", ("STOKROTKA",), "PL"),
    Brand("Lewiatan", ("LEWIATAN",), "PL"),
    Brand("Polomarket", ("POLOMARKET",), "PL"),
    Brand("Delikatesy Centrum", ("DELIKATESYCENTRUM",), "PL"),
    Brand("Intermarché", ("INTERMARCHE",)),
    Brand("E.Leclerc", ("LECLERC",)),
    Brand("Hebe", ("HEBE",), "PL", strict=True),
    Brand("Pepco", ("PEPCO",)),
    Brand("Orlen", ("ORLEN",), "PL"),
    Brand("Circle K", ("CIRCLEK",)),
    Brand("IKEA", ("IKEA",), None, strict=True),
    Brand("Decathlon", ("DECATHLON",)),
    Brand("Castorama", ("CASTORAMA",)),
    Brand("Leroy Merlin", ("LEROYMERLIN",)),
    Brand("Media Markt", ("MEDIAMARKT",)),
    Brand("Empik", ("EMPIK",), "PL"),
    Brand("Tesco", ("TESCO",)),
    Brand("ALDI SÜD", ("ALDISUD", "ALDISUED"), "DE"),
    Brand("ALDI Nord", ("ALDINORD",), "DE"),
    Brand("Aldi", ("ALDI",), None, strict=True),
    Brand("Sainsbury's", ("SAINSBURY",), "GB"),
    Brand("Asda", ("ASDA",), "GB", strict=True),
    Brand("Morrisons", ("MORRISONS",), "GB"),
    Brand("Waitrose", ("WAITROSE",), "GB"),
    Brand("Marks & Spencer", ("MARKSSPENCER", "MARKSANDSPENCER"), "GB"),
    Brand("Co-op", ("COOPFOOD", "COOPERATIVE"), "GB"),
    Brand("Walmart", ("WALMART",), "US"),
    Brand("Target", ("TARGET",), "US", strict=True),
    Brand("Costco", ("COSTCO",), "US"),
    Brand("Kroger", ("KROGER",), "US"),
    Brand("Whole Foods", ("WHOLEFOODS",), "US"),
    Brand("Trader Joe's", ("TRADERJOE",), "US"),
    Brand("Walgreens", ("WALGREENS",), "US"),
    Brand("CVS", ("CVS",), "US", strict=True),
    Brand("REWE", ("REWE",), "DE", strict=True),
    Brand("EDEKA", ("EDEKA",), "DE"),
    Brand("Penny", ("PENNY",), None, strict=True),
    Brand("dm", ("DMDROGERIE",), "DE"),
    Brand("Globus", ("GLOBUS",), None, strict=True),
    Brand("Norma", ("NORMA",), "DE", strict=True),
    Brand("Spar", ("SPAR", "EUROSPAR", "INTERSPAR"), None, strict=True),
    Brand("Billa", ("BILLA",), None, strict=True),
    Brand("Hofer", ("HOFER",), "AT", strict=True),
    Brand("Migros", ("MIGROS",), "CH"),
    Brand("Albert Heijn", ("ALBERTHEIJN",), "NL"),
    Brand("Jumbo", ("JUMBO",), "NL", strict=True),
    Brand("Dirk", ("DIRKVANDENBROEK",), "NL"),
    Brand("Hoogvliet", ("HOOGVLIET",), "NL"),
    Brand("Plus", ("PLUSRETAIL",), "NL"),
    Brand("Delhaize", ("DELHAIZE",), "BE"),
    Brand("Colruyt", ("COLRUYT",), "BE"),
    Brand("Monoprix", ("MONOPRIX",), "FR"),
    Brand("Franprix", ("FRANPRIX",), "FR"),
    Brand("Mercadona", ("MERCADONA",), "ES"),
    Brand("McDonald's", ("MCDONALD",)),
    Brand("Starbucks", ("STARBUCKS",)),
)

_WORD = re.compile(r"[A-Z0-9|$]+")
_ADDRESS = re.compile(
    r"\b(UL|AL|PL|OS|UL\.|STR|STRASSE|STRAAT|ROAD|RD|STREET|ST|AVE|AVENUE|RUE|TEL|FAX|NIP|VAT|"
    r"REGON|KRS|BDO|WWW|HTTP)\b|@|\d{2}-\d{3}"
)
_NOT_A_NAME = re.compile(
    r"PARAGON|FISKALN|RECEIPT|RECHNUNG|KASSENBON|BON\b|FACTURE|TICKET|KASA|KASJER|NIP|"
    r"WELCOME|WITAMY|ZAPRASZAMY|DZIEKUJEMY|THANK"
)
_COMPANY_SUFFIX = re.compile(
    r"\b(SP\.?\s?Z\s?O\.?\s?O\.?|SPOLKA|S\.?\s?A\.?|SP\.?\s?K\.?|SP\.?\s?J\.?|GMBH|LTD|LIMITED|PLC|"
    r"INC|LLC|B\.\s?V\.?|N\.\s?V\.?|SARL|SAS|S\.R\.L|& CO\.? KG|OHG|E\.K\.)(\b|$)|\bAG$"
)


_NOT_A_BRAND_LINE = re.compile(r"STEUER|BRUTTO|MWST|\bVAT\b|SUMME|TOTAL|\bSUMA\b|\d[.,]\d{2}\b")

_COMPANY_SUFFIX_ANY_CASE = re.compile(_COMPANY_SUFFIX.pattern, re.IGNORECASE)


def _strict_match(line: str, key: str) -> bool:
    if _NOT_A_BRAND_LINE.search(fold(line)):
        return False
    words = [letters_key(word) for word in _WORD.findall(fold(line))]
    joined = "".join(words)
    if key in words:
        return True
    # a multi-word key such as DINOPOLSKA matches the concatenation of neighbouring words
    return len(key) >= 8 and key in joined


# Glyph shapes Tesseract swaps in short header words: thin verticals (l, I, 1, |, !), and two
# thin verticals read as one U ("LIDL" → "UDL"); compared only whole word against whole key,
# and only on the company line (a legal-form suffix: "Lid! sp. z 0.0. sp.k.").
_THIN = str.maketrans({"L": "I", "1": "I", "|": "I", "!": "I", "J": "I", "0": "O", "5": "S",
                       "$": "S", "8": "B"})


def shape_key(word: str) -> str:
    return fold(word).translate(_THIN).replace("II", "U")


def _shape_match(line: str, key: str) -> bool:
    folded = fold(line)
    if len(key) < 4 or _NOT_A_BRAND_LINE.search(folded):
        return False
    if not _COMPANY_SUFFIX.search(folded.replace("0", "O")):
        return False
    target = shape_key(key)
    words = [shape_key(word.strip(".,;:'\"()")) for word in line.split()]
    return target in words


def match_brand(lines: list[str], header_size: int = 8) -> tuple[Brand | None, float]:
    """The brand named in ``lines`` and a confidence; header lines are searched first."""
    header = lines[:header_size]
    for exact_lines, confidence in ((header, 1.0), (lines, 0.85)):
        for line in exact_lines:
            key = letters_key(line)
            for brand in BRANDS:
                for brand_key in brand.keys:
                    if brand.strict:
                        if exact_lines is header and _strict_match(line, brand_key):
                            return brand, confidence
                    elif brand_key in key:
                        return brand, confidence
    for line in header:
        for brand in BRANDS:
            if brand.strict and any(_shape_match(line, k) for k in brand.keys):
                return brand, 0.6
    for line in header:
        key = letters_key(line)
        for brand in BRANDS:
            for brand_key in brand.keys:
                if brand.strict or len(brand_key) < 6:
                    # a short name only when it is the whole line: "WESCO" for "TESCO"
                    if len(brand_key) >= 5 and len(key) == len(brand_key) and (
                        similar(key, brand_key) >= 0.8
                    ):
                        return brand, 0.6
                elif fuzzy_find(key, brand_key, 0.84):
                    return brand, 0.7
    return None, 0.0


def is_company_line(line: str) -> bool:
    folded = fold(line)
    return bool(_COMPANY_SUFFIX.search(folded)) and not re.search(r"\d[.,]\d{2}\b", folded)


def fallback_shop_name(lines: list[str], header_size: int = 6) -> str | None:
    """First header line that looks like a business name (no brand recognised)."""
    for line in lines[:header_size]:
        folded = fold(line)
        letters = sum(ch.isalpha() for ch in folded)
        if letters < 3 or any(ch.isdigit() for ch in folded):
            continue  # numbers belong to addresses, phone and shop numbers, not to names
        if _ADDRESS.search(folded) or _NOT_A_NAME.search(folded):
            continue
        name = _COMPANY_SUFFIX_ANY_CASE.sub("", line).strip(" ,.-*")
        name = re.sub(r"\s{2,}", " ", name)
        if len(name) >= 3:
            return name
    return None
