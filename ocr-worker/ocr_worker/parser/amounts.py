"""Money and quantity tokens: find them in a line, repair OCR look-alikes, parse to Decimal."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

# A money amount: optional sign, integer part (optionally with . or , thousands), two decimals.
AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<sign>-\s?)?(?P<int>\d{1,3}(?:[.,]\d{3})+|\d{1,7})"
    r"(?P<sep>[.,])(?P<dec>\d{2})(?![.,]?\d)(?P<tsign>-)?"
)
# Same, allowing a space as thousands separator ("1 249,99"); only used on total lines.
SPACED_AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<sign>-\s?)?(?P<int>\d{1,3}(?: \d{3})+)(?P<sep>[.,])(?P<dec>\d{2})(?![.,]?\d)"
)

_CONFUSABLE = "OoDUIl|ZzŻżSB"
_CONFUSABLE_TO_DIGIT = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "U": "0", "I": "1", "l": "1", "|": "1", "Z": "2", "z": "2",
     "Ż": "2", "ż": "2", "S": "5", "B": "8"}
)
_NUMERIC_TOKEN = re.compile(
    rf"(?P<pre>[x×X*=@]?)(?P<sign>-?)(?P<int>[0-9{_CONFUSABLE}]{{1,7}})(?P<sep>[.,])"
    rf"(?P<dec>[0-9{_CONFUSABLE}]{{2,3}})(?P<vat>[A-G]?)(?P<tsign>-?)"
)
# "19 ,39C" is always one amount; "6, 64B" only with its VAT letter ("Woda 1, 5l" is a size)
_SPACE_BEFORE_SEPARATOR = re.compile(r"(?<=\d) ([.,])(?=\d{2}(?!\d))")
_SPACE_AFTER_SEPARATOR = re.compile(
    rf"(?<=\d)([.,]) (?=[0-9{_CONFUSABLE}]{{2}}[.,:;]?\s?[A-G](?:\s|$)|[0-9{_CONFUSABLE}]{{3}}$)"
)
_SEMICOLON_SEPARATOR = re.compile(rf"(?<=\d);(?=[0-9{_CONFUSABLE}]{{2}}[A-G]?(?:\s|$))")
_LOOSE_END_AMOUNT = re.compile(r"(?<![\d.,])(\d{1,6})\s?[.,]\s?(\d{2})\s*$")


def repair_numeric_tokens(line: str) -> str:
    """Turn look-alike letters inside amount-shaped tokens into digits.

    ``1,4Ż`` → ``1,42``, ``lO,99`` → ``10,99``, ``12,OOA`` → ``12,00A``. A token is touched only
    when it has the shape of an amount and a real digit, so words stay words, and units such
    as ``1,5l`` stay as they are.
    """
    out: list[str] = []
    line = _SPACE_AFTER_SEPARATOR.sub(r"\1", line)
    line = _SEMICOLON_SEPARATOR.sub(",", line)
    for token in line.split(" "):
        match = _NUMERIC_TOKEN.fullmatch(token)
        if match and any(ch.isdigit() for ch in token) and not token.endswith(("l", "L")):
            dec, vat = match["dec"], match["vat"]
            if len(dec) == 3 and dec[2] == "B" and not vat:
                dec, vat = dec[:2], "B"  # "2,18B": a price and its VAT letter B
            fixed_int = match["int"].translate(_CONFUSABLE_TO_DIGIT)
            fixed_dec = dec.translate(_CONFUSABLE_TO_DIGIT)
            token = (
                f"{match['pre']}{match['sign']}{fixed_int}{match['sep']}{fixed_dec}"
                f"{vat}{match['tsign']}"
            )
        out.append(token)
    line = " ".join(out)
    return _SPACE_BEFORE_SEPARATOR.sub(r"\1", line)


_CURRENCY_TOKENS = re.compile(
    r"(?i)(?<![A-Za-z])(?:PLN|z[łl]|EUR|USD|GBP|CHF|CZK|SEK|NOK|DKK)(?![A-Za-z])|[€£$]"
)


def strip_currency(line: str) -> str:
    """The line without currency codes and symbols (``£1.20`` → ``1.20``)."""
    return re.sub(r"\s{2,}", " ", _CURRENCY_TOKENS.sub(" ", line)).strip()


def parse_amount(text: str) -> Decimal | None:
    """Parse one amount token (``1.234,56``, ``1,234.56``, ``-3,00``, ``3,00-``) to Decimal."""
    raw = text.strip().replace(" ", "").replace("\u00a0", "")
    negative = raw.startswith("-") or raw.endswith("-")
    raw = raw.strip("-+")
    match = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+|\d+)([.,])(\d{1,2})", raw)
    if not match:
        if re.fullmatch(r"\d+", raw):
            value = Decimal(raw)
            return -value if negative else value
        return None
    integer = re.sub(r"[.,]", "", match.group(1))
    try:
        value = Decimal(f"{integer}.{match.group(3)}")
    except InvalidOperation:
        return None
    return -value if negative else value


def match_value(match: re.Match[str]) -> Decimal:
    integer = re.sub(r"[., ]", "", match["int"])
    value = Decimal(f"{integer}.{match['dec']}")
    negative = bool(match["sign"]) or bool(match.groupdict().get("tsign"))
    return -value if negative else value


def find_amounts(line: str, *, spaced: bool = False) -> list[tuple[Decimal, re.Match[str]]]:
    """All money amounts in ``line``, left to right."""
    found = [(match_value(m), m) for m in AMOUNT_RE.finditer(line)]
    if spaced:
        spaced_found = [(match_value(m), m) for m in SPACED_AMOUNT_RE.finditer(line)]
        if spaced_found:
            return spaced_found + [
                (v, m) for v, m in found
                if not any(s.start() <= m.start() < s.end() for _, s in spaced_found)
            ]
    return found


def label_amount(line: str) -> Decimal | None:
    """The amount ending a label line (total, payment), also when OCR split its decimals off
    with a space (``SUMA PLN 32, 94``)."""
    found = find_amounts(line, spaced=True)
    if found:
        return max(found, key=lambda pair: pair[1].end())[0]
    loose = _LOOSE_END_AMOUNT.search(line)
    return Decimal(f"{loose[1]}.{loose[2]}") if loose else None


def parse_quantity(text: str) -> Decimal | None:
    raw = text.strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value > 0 else None


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal | None) -> str | None:
    return None if value is None else f"{money(value):.2f}"


def format_quantity(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return format(value, "f")  # as printed: "2", "0.360", "2.000"
