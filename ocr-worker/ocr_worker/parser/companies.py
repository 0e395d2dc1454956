"""Chain companies known by the registered name they print at the top of their receipts and
the numbers under it (Malaysia: company no. and GST id): a name read with glyphs wrong is put
right, a header whose name is illegible is named by its numbers.

Where a receipt is issued by a company it names first, above the chain's brand ("Gerbang Alaf
Restaurants Sdn Bhd" / "Licensee of McDonald's", "IKANO HANDEL SDN BHD" / "IKEA Cheras"), that
company is the seller; a chain that prints its brand first is a ``brands.Brand``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocr_worker.parser.text import fold


@dataclass(frozen=True)
class Company:
    name: str  # as printed, the legal form spelled the usual way
    #: company registration no. ("860671-D": digits and check letter) and GST id (12 digits),
    #: as the company prints them under its name; read with every digit right only
    numbers: tuple[str, ...] = ()


# Numbers as printed on the chains' receipts (the same on every branch's slip).
COMPANIES: tuple[Company, ...] = (
    Company("MR. D.I.Y. (M) SDN BHD", ("860671-D", "000306020352")),
    Company("MR. D.I.Y. (KUCHAI) SDN BHD", ("750441-W", "000473792512")),
    Company("MR. D.I.Y. SDN BHD", ("704427-T", "001092886528")),
    Company("99 SPEED MART S/B", ("519537-X", "000181747712")),
    Company("POPULAR BOOK CO. (M) SDN BHD", ("113825-W", "001492992000")),
    Company("GARDENIA BAKERIES (KL) SDN BHD", ("139386-X", "000381399040")),
    Company("GUARDIAN HEALTH AND BEAUTY SDN BHD", ("1101083-T",)),
    Company("AEON CO. (M) BHD", ("126926-H", "002017394688")),
    Company("AEON BIG (M) SDN BHD"),
    Company("GERBANG ALAF RESTAURANTS SDN BHD", ("65351-M", "000504664064")),  # McDonald's
    Company("IKANO HANDEL SDN BHD", ("1074617-K", "000115154944")),  # IKEA
    Company("DOMINO'S PIZZA", ("001694261248",)),
    Company("TESCO STORES (MALAYSIA) SDN BHD"),
    Company("GCH RETAIL (MALAYSIA) SDN BHD"),  # Giant
    Company("7-ELEVEN MALAYSIA SDN BHD"),
    Company("WATSON'S PERSONAL CARE STORES SDN BHD"),
    Company("MYDIN MOHAMED HOLDINGS BHD"),
    Company("BERJAYA STARBUCKS COFFEE COMPANY SDN BHD"),
)

_NUMBER = re.compile(r"(?<![\dA-Z])(\d{5,7})\s?-?\s?([A-Z])\b|(?<!\d)(\d{12})(?!\d)")
_BY_NUMBER = {number: company for company in COMPANIES for number in company.numbers}


def _key(text: str) -> str:
    """Letters and digits only: the spelling the names are compared in."""
    return re.sub(r"[^A-Z0-9]", "", fold(text))


_BY_KEY = {_key(company.name): company for company in COMPANIES}


def company_by_number(lines: list[str]) -> tuple[int, Company] | None:
    """The company whose registration no. or GST id the header prints, and its line."""
    for index, line in enumerate(lines):
        for match in _NUMBER.finditer(fold(line)):
            number = f"{match[1]}-{match[2]}" if match[1] else match[3]
            if number in _BY_NUMBER:
                return index, _BY_NUMBER[number]
    return None


def company_by_name(name: str) -> Company | None:
    """The company whose registered name ``name`` is, a glyph wrong in six at most ("KR.
    O.I.Y. (M) SDN BHD", "GARDENIA BAKERIES (Ki.) SDN BHD"), or whose name it begins with
    (eight letters or more: "POPULAR BOOK"); a name as near to two companies is neither
    ("MR. D.I.Y. (JOHOR) SDN BHD" is no branch in the table)."""
    # logo debris before the name: a run of digits ("000 MR. D.E.Y. (M) SDN BHD")
    key = _key(re.sub(r"^\W*0+\W+", "", name))
    if not key:
        return None
    trading = [company for known, company in _BY_KEY.items()
               if len(key) >= 8 and known.startswith(key)]
    if len(trading) == 1:
        return trading[0]  # the chain's name without its legal form ("POPULAR BOOK")
    allowed = max(1, len(key) // 6)
    distances = ((Levenshtein.distance(key, known, score_cutoff=allowed), company)
                 for known, company in _BY_KEY.items())
    near = sorted((pair for pair in distances if pair[0] <= allowed), key=lambda pair: pair[0])
    if not near or (len(near) > 1 and near[1][0] == near[0][0]):
        return None
    return near[0][1]
