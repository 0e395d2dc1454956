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


#: Legal forms that mark the line naming the business (Malaysian "SDN BHD" as OCR reads it:
#: "SON BHO", "SDN.BHD"; "S/B"; German, Polish and English forms in ``_COMPANY_SUFFIX``).
_LEGAL_LINE = re.compile(
    r"\bS[DO0]N\.?\s?B[HN][DO0]\b|\bS/B\b|\bBERHAD\b|\bENTERPRISES?\b|\bTRADING\b|"
    r"\bRESTAURANTS?\b|\bRESTORAN\b"
)
_SDN_BHD = re.compile(r"\bS[DO0]N(\.?\s?)B[HN][DO0]\b", re.IGNORECASE)


def _is_noise_token(token: str) -> bool:
    """OCR debris at a line's edge: no letter or digit, or a stray lower-case letter or two."""
    core = token.strip(".,:;!|'\"`()[]{}*=_-~°")
    return not any(ch.isalnum() for ch in token) or (len(core) <= 2 and core.islower()) or (
        len(core) == 0
    )


def trim_edge_noise(line: str) -> str:
    tokens = line.split()
    while tokens and _is_noise_token(tokens[0]):
        tokens.pop(0)
    while tokens and _is_noise_token(tokens[-1]):
        tokens.pop()
    return " ".join(tokens).strip(" ,:;|=*-_~")


def _looks_like_name(text: str) -> bool:
    """Mostly letters, and one word of three letters or more that starts upper-case (printed
    headers do; a handwritten note above them and OCR debris rarely do)."""
    letters = [ch for ch in text if ch.isalpha()]
    visible = [ch for ch in text if ch.isalnum()]
    if len(letters) < 3 or len(letters) < 0.7 * len(visible):
        return False
    return any(len(word) >= 3 and word.isalpha() and word[0].isupper()
               for word in re.split(r"[^\w]+", text))


_DIGIT_IN_WORD = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "|": "I"})
#: a registration number after the legal form: "(139386 X)", "862725-U", "(CO.REG 933109-X)"
_REGISTRATION_TAIL = re.compile(r"[\s(\[{]*(?:CO\.?\s?REG\.?\s?(?:NO\.?)?:?\s*)?"
                                r"\d[\d\s-]{3,}[A-Z]?[)\]}]?\W*$", re.IGNORECASE)
#: a legal-name line that continues the line above ("AIK HUAT HARDWARE" / "ENTERPRISE (SETIA
#: ALAM) SDN BHD", "THE COFFEE BEAN" / "& TEA LEAF (M) SDN. BHD.", with & read as 8)
_CONTINUATION = re.compile(r"^(?:&|8\s|ENTERPRISE|TRADING|SDN|S/B|\(M\)|BHD|GMBH|SP\.)",
                           re.IGNORECASE)


def _letters_for_digits(name: str) -> str:
    """``MR. D.1.Y.`` → ``MR. D.I.Y.``: a digit inside a word of letters is a misread letter."""
    def fix(token: str) -> str:
        letters = sum(ch.isalpha() for ch in token)
        digits = sum(ch.isdigit() for ch in token)
        return token.translate(_DIGIT_IN_WORD) if letters and letters >= digits else token
    words = [fix(word) for word in name.split()]
    # a lone 8 between words of a name is an ampersand ("THE COFFEE BEAN 8 TEA LEAF")
    return " ".join("&" if word == "8" and 0 < i < len(words) - 1 else word
                    for i, word in enumerate(words))


def _clean_legal_name(line: str) -> str:
    name = _SDN_BHD.sub(lambda m: f"SDN{m[1]}BHD", trim_edge_noise(line))
    name = _REGISTRATION_TAIL.sub("", name).strip()
    # European legal forms are left out of the shop's name, as the brand names are
    return re.sub(r"\s{2,}", " ", _COMPANY_SUFFIX_ANY_CASE.sub("", name)).strip(" ,-*")


def legal_name_line(lines: list[str], header_size: int = 10) -> str | None:
    """The header line that names the business with its legal form (``... SDN BHD``), joined
    to the line above when it only continues it."""
    for index, line in enumerate(lines[:header_size]):
        folded = fold(line)
        if re.search(r"\d[.,]\d{2}\b", folded) or _NOT_A_NAME.search(folded):
            continue
        if not (_LEGAL_LINE.search(folded) or _COMPANY_SUFFIX.search(folded)):
            continue
        name = _clean_legal_name(line)
        if index > 0 and _CONTINUATION.match(name):
            above = trim_edge_noise(lines[index - 1])
            folded_above = fold(above)
            if not any(ch.isdigit() for ch in above) and not _ADDRESS.search(folded_above) \
                    and not _NOT_A_NAME.search(folded_above) and _looks_like_name(above):
                name = f"{above} {name}"
        name = _letters_for_digits(name)
        if _looks_like_name(name):
            return name
    return None


def fallback_shop_name(lines: list[str], header_size: int = 6) -> str | None:
    """The business named with its legal form in the header, else the first header line that
    looks like a business name (no brand recognised)."""
    legal = legal_name_line(lines)
    if legal is not None:
        return legal
    for line in lines[:header_size]:
        folded = fold(line)
        if any(ch.isdigit() for ch in folded):
            continue  # numbers belong to addresses, phone and shop numbers, not to names
        if _ADDRESS.search(folded) or _NOT_A_NAME.search(folded):
            continue
        name = _COMPANY_SUFFIX_ANY_CASE.sub("", trim_edge_noise(line)).strip(" ,.-*")
        name = re.sub(r"\s{2,}", " ", name)
        if _looks_like_name(name):
            return name
    return None
