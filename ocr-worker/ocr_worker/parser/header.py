"""Seller identity and document numbers from the receipt header: company, receipt no. (the NIP
is read in ``tax_ids``)."""

from __future__ import annotations

import re

from ocr_worker.parser.shops import is_company_line
from ocr_worker.parser.text import fold

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
