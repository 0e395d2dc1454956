"""Currency of the receipt from symbols, codes and Polish fiscal wording."""

from __future__ import annotations

import re
from collections import Counter

from ocr_worker.parser.text import fold

_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PLN", re.compile(r"\bPLN\b|\d\s?ZL\b|\bZL\b|PARAGON|\bPTU\b|\bNIP\b|SPRZEDAZ|\bSUMA\b")),
    ("EUR", re.compile(r"\bEUR\b|€|\bEURO\b")),
    ("GBP", re.compile(r"\bGBP\b|£")),
    # "$" only beside an amount with cents: OCR reads S as "$" in codes ("Bill NO: $137482")
    ("USD", re.compile(r"\bUSD\b|\$\s?\d{1,7}[.,]\d{2}(?!\d)|\d[.,]\d{2}\s?\$")),
    ("CHF", re.compile(r"\bCHF\b|\bSFR\b")),
    ("CZK", re.compile(r"\bCZK\b|\bKC\b")),
    ("SEK", re.compile(r"\bSEK\b")),
    ("NOK", re.compile(r"\bNOK\b")),
    ("DKK", re.compile(r"\bDKK\b")),
    ("HUF", re.compile(r"\bHUF\b|\d\s?FT\b")),
    ("RON", re.compile(r"\bRON\b|\d\s?LEI\b")),
    # Malaysian ringgit: RM beside an amount ("RM33.90", "-RM0.02", "(RM)"), Sdn Bhd companies
    ("MYR", re.compile(r"\bMYR\b|\bRM\s?-?\d|\d\s?RM\b|\(RM\)|\bS[DO0]N\.?\s?BHD\b")),
    ("INR", re.compile(r"\bINR\b|₹|\bGSTIN\b|\bCGST\b|\bSGST\b")),
)
COUNTRY_CURRENCY = {
    "PL": "PLN", "GB": "GBP", "US": "USD", "DE": "EUR", "NL": "EUR", "BE": "EUR", "FR": "EUR",
    "AT": "EUR", "ES": "EUR", "IT": "EUR", "CH": "CHF",
}


def detect_currency(lines: list[str], country: str | None) -> tuple[str | None, float]:
    counts: Counter[str] = Counter()
    for line in lines:
        raw = line.upper()
        folded = fold(line)
        for code, pattern in _CUES:
            counts[code] += len(pattern.findall(raw)) + len(pattern.findall(folded))
    if counts:
        code, hits = counts.most_common(1)[0]
        if hits > 0:
            return code, 1.0 if hits >= 2 else 0.7
    if country and country in COUNTRY_CURRENCY:
        return COUNTRY_CURRENCY[country], 0.6
    return None, 0.0
