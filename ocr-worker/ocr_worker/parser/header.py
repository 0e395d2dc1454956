"""Seller identity and document numbers from the receipt header: NIP, company, receipt no."""

from __future__ import annotations

import re

from ocr_worker.parser.shops import is_company_line
from ocr_worker.parser.text import fold

_NIP_LABEL = re.compile(r"\bN[I1l|]P\b\s*(?:PL)?\s*[:.]?\s*(?P<num>[0-9OoIl|\- ]{10,16})")
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_NUMBER_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_RECEIPT_NO: tuple[re.Pattern[str], ...] = (
    re.compile(r"NR\s?WYDR\w*\.?\s*[:.]?\s*(?P<num>\d{2,12})"),
    re.compile(r"PARAGON\s*(?:FISKALNY\s*)?NR\.?\s*[:.]?\s*(?P<num>\d{2,12})"),
    re.compile(
        r"\b(?:BON|BELEG|RECEIPT|TICKET|TRANS(?:ACTION|AKCJA)?|DOKUMENT|INVOICE|RECHNUNG|"
        r"FACTURA(?: SIMPLIFICADA)?)[\s-]*(?:NR|NO|NUMBER|NUMMER|#)?\.?\s*[:.]?\s*"
        r"(?P<num>\d(?:[\d-]{0,20}\d)?)\b"
    ),
    re.compile(r"(?:^|\s)(?P<num>\d{3,12})\s?#\s?KASA"),
    re.compile(r"\bTR(?:N|ANS)?\s?[#:]\s?(?P<num>\d{3,12})"),
)


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


def find_company(lines: list[str], header_size: int = 8) -> str | None:
    for index, line in enumerate(lines[:header_size]):
        if is_company_line(line):
            stripped = line.strip(" ,")
            # "Jeronimo Martins Polska" / "S.A." split over two lines
            if len(re.sub(r"[^A-Za-z]", "", stripped)) <= 4 and index > 0:
                return f"{lines[index - 1].strip()} {stripped}"
            return stripped
    return None


def find_receipt_number(lines: list[str]) -> str | None:
    for pattern in _RECEIPT_NO:
        for line in lines:
            match = pattern.search(fold(line))
            if match:
                return match["num"]
    return None
