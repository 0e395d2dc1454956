"""Chains recognised by name, legal name or tax id, tolerant of OCR damage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocr_worker.parser.shops import COMPANY_SUFFIX
from ocr_worker.parser.tax_ids import find_tax_ids
from ocr_worker.parser.text import fold, letters_key


@dataclass(frozen=True)
class Brand:
    name: str
    keys: tuple[str, ...]  # letters keys (see text.letters_key) that identify the brand
    country: str | None = None  # ISO code of the usual country, a hint for currency/date order
    strict: bool = False  # short or ambiguous word: match whole words in the header only
    #: tax ids the chain prints (Polish NIP, EU VAT id with its country prefix): a reading of
    #: one names the chain when its logo is an image the OCR cannot read
    tax_ids: tuple[str, ...] = ()


BRANDS: tuple[Brand, ...] = (
    Brand("Hebe", ("JERONIMOMARTINSDROGERIE",), "PL", tax_ids=("PL2090001776",)),
    Brand("Biedronka", ("BIEDRONKA", "JERONIMOMARTINS"), "PL", tax_ids=("PL7791011327",)),
    # Lidl Germany prints the VAT id of its regional company: two seen on real receipts
    Brand("Lidl", ("LIDL",), None, strict=True,
          tax_ids=("PL7811897358", "DE250063577", "DE813388807")),
    Brand("Kaufland", ("KAUFLAND",), tax_ids=("PL8992367273",)),
    Brand("Żabka", ("ZABKA", "ZABKAPOLSKA"), "PL", tax_ids=("PL5223071241",)),
    Brand("Auchan", ("AUCHAN",), tax_ids=("PL5260309174",)),
    Brand("Carrefour", ("CARREFOUR",), tax_ids=("PL9370008168",)),
    Brand("Rossmann", ("ROSSMANN",), tax_ids=("PL7270019183",)),
    Brand("Dino", ("DINOPOLSKA", "DINO"), "PL", strict=True, tax_ids=("PL6211766191",)),
    Brand("Netto", ("NETTO",), None, strict=True, tax_ids=("PL8521021463",)),
    Brand("Stokrotka", ("STOKROTKA",), "PL", tax_ids=("PL7121008323",)),
    Brand("Lewiatan", ("LEWIATAN",), "PL"),
    Brand("Polomarket", ("POLOMARKET",), "PL", tax_ids=("PL5562125117",)),
    Brand("Delikatesy Centrum", ("DELIKATESYCENTRUM",), "PL"),
    Brand("Intermarché", ("INTERMARCHE",)),
    Brand("E.Leclerc", ("LECLERC",)),
    Brand("Hebe", ("HEBE",), "PL", strict=True),
    Brand("Pepco", ("PEPCO",), tax_ids=("PL7822131157",)),
    Brand("Orlen", ("ORLEN",), "PL", tax_ids=("PL7740001454",)),
    Brand("Circle K", ("CIRCLEK",), tax_ids=("PL7790001083",)),
    Brand("IKEA", ("IKEA",), None, strict=True),
    Brand("Decathlon", ("DECATHLON",), tax_ids=("PL9511855233",)),
    Brand("Castorama", ("CASTORAMA",), tax_ids=("PL5261009959",)),
    Brand("Leroy Merlin", ("LEROYMERLIN",)),
    Brand("Media Markt", ("MEDIAMARKT",)),
    Brand("Empik", ("EMPIK",), "PL", tax_ids=("PL5260207427",)),
    Brand("CCC", ("CCC",), "PL", strict=True, tax_ids=("PL6922200609",)),
    Brand("Media Expert", ("MEDIAEXPERT",), "PL", tax_ids=("PL7671004218",)),
    Brand("RTV EURO AGD", ("RTVEUROAGD", "EURONET"), "PL", tax_ids=("PL5270005984",)),
    Brand("Selgros", ("SELGROS", "TRANSGOURMET"), "PL", tax_ids=("PL7811011998",)),
    Brand("Tesco", ("TESCO",), tax_ids=("PL5261037737",)),
    Brand("ALDI SÜD", ("ALDISUD", "ALDISUED"), "DE", tax_ids=("DE813192189",)),
    Brand("ALDI Nord", ("ALDINORD",), "DE"),
    Brand("Aldi", ("ALDI",), None, strict=True, tax_ids=("PL1070002973",)),
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
    Brand("REWE", ("REWE",), "DE", strict=True, tax_ids=("DE812706034",)),
    Brand("EDEKA", ("EDEKA",), "DE"),
    Brand("Penny", ("PENNY",), None, strict=True),
    Brand("dm", ("DMDROGERIE",), "DE"),
    # real prints itself lower case, by its legal name ("real GmbH", "real,- SB-Warenhaus
    # GmbH"); the word alone is too common to name it
    Brand("real", ("REALGMBH", "REALSBWARENHAUS"), "DE"),
    Brand("Kaufhof", ("GALERIAKAUFHOF", "KAUFHOF"), "DE"),
    Brand("Saturn", ("SATURN",), "DE", strict=True),
    Brand("OBI", ("OBI",), None, strict=True),
    Brand("Bauhaus", ("BAUHAUS",), "DE"),
    Brand("Hornbach", ("HORNBACH",), "DE"),
    Brand("toom", ("TOOM",), "DE", strict=True),
    Brand("tegut", ("TEGUT",), "DE"),
    Brand("famila", ("FAMILA",), "DE", strict=True),
    Brand("Marktkauf", ("MARKTKAUF",), "DE"),
    Brand("Müller", ("MULLERHANDELS", "MUELLERHANDELS", "MULLERDROGERIE"), "DE"),
    Brand("Budni", ("BUDNIKOWSKY",), "DE"),
    Brand("Tchibo", ("TCHIBO",), "DE"),
    Brand("Deichmann", ("DEICHMANN",), None),
    Brand("Thalia", ("THALIA",), None, strict=True),
    Brand("Fressnapf", ("FRESSNAPF",), None),
    Brand("Kik", ("KIKTEXTILIEN",), None),
    Brand("Woolworth", ("WOOLWORTH",), None),
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
    Brand("FamilyMart", ("FAMILYMART",)),
)


_WORD = re.compile(r"[A-Z0-9|$]+")
_NOT_A_BRAND_LINE = re.compile(r"STEUER|BRUTTO|MWST|\bVAT\b|SUMME|TOTAL|\bSUMA\b|\d[.,]\d{2}\b")
#: Confidence of a chain named only below the header: it may be where the shop stands.
BRAND_BELOW_HEADER = 0.85
#: a line in brackets says where the shop stands ("(MR DIY TESCO TERBAU)"), not who it is
_WHERE = re.compile(r"^\W{0,3}\(")
_BY_TAX_ID = {tax_id: brand for brand in BRANDS for tax_id in brand.tax_ids}


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
    if not COMPANY_SUFFIX.search(folded.replace("0", "O")):
        return False
    target = shape_key(key)
    words = [shape_key(word.strip(".,;:'\"()")) for word in line.split()]
    return target in words


def _fuzzy_words(line: str, brand: Brand, key: str) -> bool:
    """Some run of whole words in ``line`` reads as ``key`` with an OCR slip or two (one in
    eight letters). A run of fewer words than the brand's name must hold all of its letters
    (OCR merged the words), so "CIRCLE FRESH MART" is not "Circle K" short of its K."""
    words = [w for w in (letters_key(word) for word in line.split()) if w]
    allowed = max(1, len(key) // 8)
    brand_words = len(brand.name.split())
    for start in range(len(words)):
        joined = ""
        for count, word in enumerate(words[start:], start=1):
            joined += word
            if len(joined) > len(key) + allowed:
                break
            if len(joined) < len(key) - allowed or (count < brand_words and len(joined) < len(key)):
                continue
            if Levenshtein.distance(joined, key, score_cutoff=allowed) <= allowed:
                return True
    return False


def _spells(line: str, key: str, brand: Brand, *, strict_too: bool) -> bool:
    """``line`` (``key``: its letters) spells one of ``brand``'s names exactly; a strict
    brand's (short, ambiguous) only with ``strict_too``."""
    return any((strict_too and _strict_match(line, k)) if brand.strict else k in key
               for k in brand.keys)


def brand_named_in(line: str, brand: Brand) -> bool:
    """``line`` spells one of the brand's names (the exact test of ``match_brand``)."""
    return not _WHERE.match(line) and _spells(line, letters_key(line), brand, strict_too=True)


def brand_by_tax_id(lines: list[str]) -> Brand | None:
    """The chain whose tax id (NIP, VAT id) the receipt prints."""
    for tax_id in find_tax_ids(lines):
        if tax_id in _BY_TAX_ID:
            return _BY_TAX_ID[tax_id]
    return None


def match_brand(lines: list[str], header_size: int = 8) -> tuple[Brand | None, float]:
    """The brand named in ``lines`` and a confidence; header lines are searched first, then
    the tax id, then look-alike spellings in the header."""
    header = lines[:header_size]
    for exact_lines, confidence in ((header, 1.0), (lines, BRAND_BELOW_HEADER)):
        for line in exact_lines:
            if _WHERE.match(line):
                continue
            key = letters_key(line)
            for brand in BRANDS:
                if _spells(line, key, brand, strict_too=exact_lines is header):
                    return brand, confidence
    by_tax_id = brand_by_tax_id(lines)
    if by_tax_id is not None:
        return by_tax_id, 0.9
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
                        Levenshtein.distance(key, brand_key) <= 1
                    ):
                        return brand, 0.6
                elif _fuzzy_words(line, brand, brand_key):
                    return brand, 0.7
    return None, 0.0
