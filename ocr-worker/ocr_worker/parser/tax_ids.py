"""Seller tax ids printed on receipts: the Polish NIP and EU VAT ids with a country prefix."""

from __future__ import annotations

import re

from ocr_worker.parser.text import fold

_NIP_LABEL = re.compile(r"\bN[I1l|]P\b\s*(?:PL)?\s*[:.]?\s*(?P<num>[0-9OoIl|\- ]{10,16})")
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_NUMBER_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
#: VAT ids as printed ("USt-IdNr.: DE 812 706 034", "UID ATU12345678", "NIP PL7791011327"),
#: by country prefix; the digits may be grouped with spaces, dots or hyphens.
_VAT_ID = re.compile(
    r"\b(?P<country>DE|PL|ATU|NL|BE|FR|CZ|SK|IT|ES|DK|LU)\s?[:.]?\s?"
    r"(?P<num>[0-9A-Z](?:[\s.-]?[0-9]){7,11}(?:B[0-9]{2})?)\b"
)
#: digits after the prefix, by country (FR also has two check characters before its SIREN)
_VAT_LENGTHS = {"DE": (9,), "PL": (10,), "ATU": (8,), "NL": (12,), "BE": (9, 10), "FR": (11,),
                "CZ": (8, 9, 10), "SK": (10,), "IT": (11,), "ES": (9,), "DK": (8,), "LU": (8,)}


def nip_is_valid(digits: str) -> bool:
    if not re.fullmatch(r"\d{10}", digits):
        return False
    checksum = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=False)) % 11
    return checksum == int(digits[9])


def find_nip(lines: list[str]) -> str | None:
    """The seller's NIP (10 digits); a valid checksum wins over an invalid reading."""
    candidates: list[str] = []
    for line in lines:
        for match in _NIP_LABEL.finditer(fold(line).replace("PL ", "PL")):
            digits = re.sub(r"[\- ]", "", match["num"].translate(_NUMBER_FIX))
            digits = re.sub(r"\D", "", digits)[:10]
            if len(digits) == 10:
                candidates.append(digits)
    for digits in candidates:
        if nip_is_valid(digits):
            return digits
    return candidates[0] if candidates else None


def find_tax_ids(lines: list[str]) -> list[str]:
    """Every tax id the receipt prints, as ``PL7791011327`` / ``DE812706034`` (country prefix
    and the digits, no separators); a NIP with a failing checksum is left out."""
    found: list[str] = []
    nip = find_nip(lines)
    if nip is not None and nip_is_valid(nip):
        found.append(f"PL{nip}")
    for line in lines:
        for match in _VAT_ID.finditer(fold(line)):
            country = match["country"]
            number = re.sub(r"[\s.-]", "", match["num"])
            digits = number[:-3] if country == "NL" else number
            if len(digits) not in _VAT_LENGTHS[country]:
                continue
            if country == "PL" and not nip_is_valid(number):
                continue
            tax_id = f"{country}{number}"
            if tax_id not in found:
                found.append(tax_id)
    return found
