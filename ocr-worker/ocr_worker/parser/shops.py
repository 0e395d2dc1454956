"""The shop's name when no chain is recognised (``brands``): the header line that names the
business with its legal form, else the first header line that looks like a name."""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import Hamming

from ocr_worker.parser.text import fold

_ADDRESS = re.compile(
    r"\b(UL|AL|PL|OS|UL\.|STR|STRASSE|STRAAT|ROAD|RD|STREET|ST|AVE|AVENUE|RUE|TEL|FAX|NIP|VAT|"
    r"REGON|KRS|BDO|WWW|HTTP)\b|@|\d{2}-\d{3}"
)
_NOT_A_NAME = re.compile(
    r"PARAGON|FISKALN|RECEIPT|RECHNUNG|KASSENBON|BON\b|FACTURE|TICKET|KASA|KASJER|NIP|"
    r"WELCOME|WITAMY|ZAPRASZAMY|DZIEKUJEMY|THANK|INVOICE"
)
COMPANY_SUFFIX = re.compile(
    r"\b(SP\.?\s?Z\s?O\.?\s?O\.?|SPOLKA|S\.?\s?A\.?|SP\.?\s?K\.?|SP\.?\s?J\.?|GMBH|LTD|LIMITED|PLC|"
    r"INC|LLC|B\.\s?V\.?|N\.\s?V\.?|SARL|SAS|S\.R\.L|& CO\.? KG|OHG|E\.K\.)(\b|$)|\bAG$"
)


_COMPANY_SUFFIX_ANY_CASE = re.compile(COMPANY_SUFFIX.pattern, re.IGNORECASE)


def is_company_line(line: str) -> bool:
    folded = fold(line)
    return bool(COMPANY_SUFFIX.search(folded)) and not re.search(r"\d[.,]\d{2}\b", folded)


#: Malaysian legal forms as OCR reads them: SDN BHD with one glyph wrong in either word ("SON
#: BHO", "SEN 3HD", "Sdn.khd", "SDN RHD"), S/B ("5/B", "S/R"), BHD or BERHAD alone. The name
#: ends there: what follows is a registration number or debris.
_MALAYSIAN_FORM = re.compile(
    r"\b(?P<sdn_bhd>(?:SDN|S\wN|SD\w|\wDN)(?:\.\s?|\s)(?:BHD|B\wD|BH\w|\wHD)\b|SDN\.?BHD\b)\.?"
    r"|\b(?P<s_b>[S5]\s?/\s?[B8R])\b|\b(?P<bhd>BHD)\b|\b(?P<berhad>BERHAD)\b",
    re.IGNORECASE,
)
_FORM_SPELLING = {"sdn_bhd": "SDN BHD", "s_b": "S/B", "bhd": "BHD", "berhad": "BERHAD"}
#: Words that name a business where the line has no legal form (English and Malay: "trading",
#: "restaurant", "company", "shop", "business").
_BUSINESS_WORD = re.compile(
    r"\b(?:ENTERPRISES?|TRADING|RESTAURANTS?|RESTORAN|SYARIKAT|PERNIAGAAN|KEDAI)\b"
)
#: Words of business names that OCR damages ("INTERNATIGNAL"): a damaged reading of one is put
#: right when nothing else is as close.
BUSINESS_WORDS = (
    "INTERNATIONAL", "ENTERPRISE", "ENTERPRISES", "TRADING", "HARDWARE", "STATIONERY",
    "RESTAURANT", "RESTORAN", "PERNIAGAAN", "SYARIKAT", "MARKETING", "SUPERMARKET",
    "HYPERMARKET", "MINIMARKET", "BAKERIES", "BAKERY", "INDUSTRIES", "CORPORATION", "MALAYSIA",
    "HOLDINGS", "RESOURCES", "SERVICES", "ELECTRICAL", "PHARMACY", "FARMASI", "BOOKSTORE",
    "MANAGEMENT", "ENGINEERING", "FURNITURE", "GALLERY", "CONFECTIONERY", "DEPARTMENT",
    "AUTOMOBILE", "ELECTRONICS", "PHOTOGRAPHY", "CATERING", "DISTRIBUTION", "DISTRIBUTOR",
    "HANDELS",
    "DROGERIE", "SUPERMARKT", "APOTHEKE", "BACKEREI", "METZGEREI", "PIEKARNIA", "APTEKA",
    "DELIKATESY", "POLSKA", "DEUTSCHLAND", "VERTRIEB",
)


def _mend_word(word: str) -> str:
    """An OCR-damaged business word put right ("INTERNATIGNAL" → "INTERNATIONAL",
    "SIAIIONERY" → "STATIONERY"): upper case words of seven letters or more, a glyph wrong in
    five at most, never a letter more or less ("SERVICE" is not "SERVICES")."""
    if len(word) < 7 or not word.isupper() or word in BUSINESS_WORDS:
        return word
    same_length = [known for known in BUSINESS_WORDS if len(known) == len(word)]
    match = process.extractOne(word, same_length, scorer=Hamming.distance,
                               score_cutoff=max(1, len(word) // 5))
    return match[0] if match else word


def _is_noise_token(token: str) -> bool:
    """OCR debris at a line's edge: no letter or digit, a stray lower-case letter or two, or a
    lone accented capital in an unaccented line ("Ą KFA SUPPLY": a speck read as a letter)."""
    core = token.strip(".,:;!|'\"`()[]{}*=_-~°")
    return not any(ch.isalnum() for ch in token) or (len(core) <= 2 and core.islower()) or (
        len(core) == 0
    ) or (len(core) == 1 and not core.isascii())


def trim_edge_noise(line: str) -> str:
    """The line without OCR debris at its edges: marks and stray letters, quote marks glued
    to the first word ("„SANYU"), a lone character at the end ("KFA SUPPLY s 4") and a label
    before the name ("N: SANYU SUPPLY", "Dimiliki: ...", owned by)."""
    tokens = line.split()
    while tokens and _is_noise_token(tokens[0]):
        tokens.pop(0)
    while tokens and (_is_noise_token(tokens[-1]) or (
            len(tokens[-1].strip("°:;.,'\"")) == 1 and len(tokens) > 2)):
        tokens.pop()
    label_end = next((i for i, token in enumerate(tokens[:2])
                      if token.endswith(":") and token[:-1].isalpha()), None)
    if label_end is not None and len(tokens) > label_end + 2:
        del tokens[:label_end + 1]
    if len(tokens) > 2 and tokens[-2].endswith(",") and len(tokens[-1]) <= 2:
        del tokens[-1]  # "DOMINO'S PIZZA , SE"
    if tokens:
        tokens[0] = tokens[0].lstrip("„“”\"'‘’`[({<>»«")
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


_DIGIT_IN_WORD = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "|": "I", "¥": "Y"})
#: "(M)" (Malaysia) before the legal form, its M read as H, W, N or KH
_MALAYSIA_MARK = re.compile(r"\((?:[HWN]|KH|NH|HM|IM|RN)\)(?= SDN BHD$)")
#: the owner's legal name under the shop's own, on the line after "Owned By:" ("SANYU
#: STATIONERY SHOP" ... "Owned By:" / "SANYU SUPPLY SDN BHD"): the shop is the first name
_OWNER = re.compile(r"\bOWNE?D?\s?BY\b|\bDIMILIKI\b|\bOPERATED BY\b|\bBETRIEBEN VON\b|"
                    # the label with its first letters cut off at the paper's edge: "med By :"
                    r"\b[A-Z]{0,3}[NM]ED\s?BY\s?:")
#: the document's title: the header (and the search for the shop's name) ends there
_DOCUMENT_TITLE = re.compile(r"\b(?:TAX INVOICE|CASH SALES?|CASH BILL|INVOICE|RECEIPT)\b")
#: a registration number after the legal form: "(139386 X)", "862725-U", "(CO.REG 933109-X)"
_REGISTRATION_TAIL = re.compile(r"[\s(\[{]*(?:CO\.?\s?REG\.?\s?(?:NO\.?)?:?\s*)?"
                                r"\d[\d\s-]{3,}[A-Z]?[)\]}]?\W*$", re.IGNORECASE)
#: a legal-name line that continues the line above ("AIK HUAT HARDWARE" / "ENTERPRISE (SETIA
#: ALAM) SDN BHD", "THE COFFEE BEAN" / "& TEA LEAF (M) SDN. BHD.", with & read as 8)
#: business words that end a name, not start it (Malay puts SYARIKAT, KEDAI first)
_TRAILING_WORDS = [word for word in BUSINESS_WORDS
                   if word not in ("SYARIKAT", "PERNIAGAAN", "RESTORAN", "POLSKA")]
_CONTINUATION = re.compile(
    rf"^(?:&|8\s|C[O0D]\.|SDN|S/B|\(M\)|BHD|GMBH|SP\.|(?:{'|'.join(_TRAILING_WORDS)})\b)",
    re.IGNORECASE)


def _letters_for_digits(name: str) -> str:
    """``MR. D.1.Y.`` → ``MR. D.I.Y.``: a digit inside a word of letters is a misread letter."""
    def fix(token: str) -> str:
        letters = sum(ch.isalpha() for ch in token)
        digits = sum(ch.isdigit() for ch in token)
        return token.translate(_DIGIT_IN_WORD) if letters and letters >= digits else token
    words = [fix(word) for word in name.split()]
    # a lone 8 between words of a name is an ampersand ("THE COFFEE BEAN 8 TEA LEAF")
    name = " ".join("&" if word == "8" and 0 < i < len(words) - 1 else word
                    for i, word in enumerate(words))
    return _MALAYSIA_MARK.sub("(M)", name)


def _end_at_legal_form(name: str) -> str:
    """The name up to its Malaysian legal form, the form spelled right; European legal forms
    are left out of the name, as the brand names are."""
    form = _MALAYSIAN_FORM.search(name)
    if form is not None:
        name = f"{name[:form.start()].rstrip()} {_FORM_SPELLING[str(form.lastgroup)]}"
    else:
        name = _REGISTRATION_TAIL.sub("", name).strip()
    return re.sub(r"\s{2,}", " ", _COMPANY_SUFFIX_ANY_CASE.sub("", name)).strip(" ,-*")


def _clean_legal_name(line: str) -> str:
    tokens = trim_edge_noise(line).split()
    # a lone digit before the name is debris of the logo ("7 LIAN HING STATIONERY SDN BHD");
    # an 8 is an ampersand that continues the line above ("8 TEA LEAF (M) SDN BHD")
    if len(tokens) > 2 and len(tokens[0]) == 1 and tokens[0].isdigit() and tokens[0] != "8":
        tokens = tokens[1:]
    return _end_at_legal_form(" ".join(_mend_word(token) for token in tokens))


def legal_name_line(lines: list[str], header_size: int = 10, *, owner: bool = False
                    ) -> str | None:
    """The header's legal name (see `legal_name_at`)."""
    found = legal_name_at(lines, header_size, owner=owner)
    return found[1] if found else None


def legal_name_at(lines: list[str], header_size: int = 10, *, owner: bool = False
                  ) -> tuple[int, str] | None:
    """The header line that names the business with its legal form (``... SDN BHD``), joined
    to the line above when it only continues it; the owner's (under "Owned by") only with
    ``owner``."""
    for index, line in enumerate(lines[:header_size]):
        folded = fold(line)
        if index >= 3 and not owner and _DOCUMENT_TITLE.search(folded) \
                and not _OWNER.search(folded):
            break  # below the title: items ("RESTAURANT ORDER CHIT"), not the seller
        if re.search(r"\d[.,]\d{2}\b", folded) or _NOT_A_NAME.search(folded):
            continue
        if not owner and index > 0 and _OWNER.search(fold(lines[index - 1])):
            continue
        if not (_MALAYSIAN_FORM.search(folded) or _BUSINESS_WORD.search(folded)
                or COMPANY_SUFFIX.search(folded)):
            continue
        name = _clean_legal_name(line)
        if name.count("(") > name.count(")") and index + 1 < len(lines):
            # "ENTERPRISE (SETIA" / "ALAM) SDN BHD": the bracket closes on the next line
            below = _clean_legal_name(lines[index + 1]).split()
            closing = next((i for i, word in enumerate(below) if ")" in word), None)
            if closing is not None and "(" not in " ".join(below[:closing + 1]):
                # letters before the closing word short enough to be specks ("X. ALAM)")
                while closing and len(below[0].strip(".,")) <= 2:
                    below.pop(0)
                    closing -= 1
                name = f"{name} {' '.join(below)}"
        if index > 0 and _CONTINUATION.match(name):
            name = re.sub(r"^C[0D]\.", "CO.", name)  # "POPULAR BOOK" / "CD. (M) SDN BHD"
            above = trim_edge_noise(lines[index - 1])
            folded_above = fold(above)
            if not any(ch.isdigit() for ch in above) and not _ADDRESS.search(folded_above) \
                    and not _NOT_A_NAME.search(folded_above) and _looks_like_name(above):
                name = f"{above} {name}"
        name = _letters_for_digits(name)
        if _looks_like_name(name):
            return index, name
    return None


def fallback_shop_name(lines: list[str]) -> str | None:
    """The business named with its legal form in the header, else the first header line that
    looks like a business name (no brand recognised)."""
    return legal_name_line(lines) or header_shop_name(lines)


def header_shop_name(lines: list[str], header_size: int = 6) -> str | None:
    """The first header line that looks like a business name, else the owner's legal name
    (for a header with no legal name of the shop's own: see `legal_name_line`). Where an
    owner is named, the line that shares a word with the owner's name is the shop's, not
    logo debris above it."""
    names = [name for name in (_header_name(lines, index) for index in range(header_size))
             if name is not None]
    owner = legal_name_line(lines, owner=True)
    if not names:
        return owner
    if owner is None:
        return names[0]
    mended = [mend_from_owner(name, owner) for name in names]
    owners_words = {word for word in owner.split() if len(word) >= 4}
    return next((name for name in mended if owners_words & set(name.split())), mended[0])


def _header_name(lines: list[str], index: int) -> str | None:
    """Header line ``index`` as a business name, None when it does not look like one."""
    if index >= len(lines):
        return None
    line = lines[index]
    folded = fold(trim_edge_noise(line))
    if any(ch.isdigit() for ch in folded):
        return None  # numbers belong to addresses, phone and shop numbers, not to names
    if _ADDRESS.search(folded) or _NOT_A_NAME.search(folded) or _OWNER.search(folded):
        return None
    if index > 0 and _OWNER.search(fold(lines[index - 1])):
        return None  # the owner's name: see `legal_name_line`
    name = trim_edge_noise(line)
    if line.rstrip(" .,").endswith("&") and index + 1 < len(lines):
        name = f"{name} & {trim_edge_noise(lines[index + 1])}"  # "HARDWARE &" / "ELECTRICAL"
    name = _COMPANY_SUFFIX_ANY_CASE.sub("", name).strip(" ,.-*")
    name = re.sub(r"\s{2,}", " ", name)
    return name if _looks_like_name(name) else None


def mend_from_owner(name: str, owner: str) -> str:
    """The shop's name with a word put right from its owner's legal name, where the two
    share it ("SANYO STATIONERY SHOP" owned by "SANYU SUPPLY SDN BHD"): the large display
    type of the name reads worse than the body type of the owner's line. A word of four
    letters or more, one glyph apart, never a letter more or less; a word glued to the
    next ("SANYOSTATIONERY") is mended and split."""
    known = [word for word in owner.split() if len(word) >= 4 and word.isalpha()]
    mended = []
    for token in name.split():
        for word in known:
            head = token[:len(word)]
            if head == word or not head.isupper() or len(head) < len(word):
                continue
            if Hamming.distance(head, word) == 1 and (
                len(token) == len(word) or len(token) >= len(word) + 4
            ):
                token = word if len(token) == len(word) else f"{word} {token[len(word):]}"
                break
        mended.append(token)
    return " ".join(mended)
