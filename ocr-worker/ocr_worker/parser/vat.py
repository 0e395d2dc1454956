"""The tax block: ``SPRZEDAŻ OPODATKOWANA A 27,61``, ``PTU A 23,00 % 5,16``, ``SUMA PTU``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ocr_worker.parser.amounts import AMOUNT_RE, match_value
from ocr_worker.parser.model import VatRate
from ocr_worker.parser.text import fold

# Polish statutory rates by letter (D/E: 0 % and exempt are the usual settings).
DEFAULT_RATES = {"A": Decimal("23"), "B": Decimal("8"), "C": Decimal("5"), "D": Decimal("0")}

_LETTER = re.compile(
    r"(?:\bP[TI1][UVY]|KWOTA|\bVAT|\bMWST|OPODATKOWANA|OPOD\w*\.?|SP\.?\s?OP\w*\.?|SPRZED\w*\.?)"
    r"\s*[:.]?\s*(?P<letter>[A-G])(?![A-Z])"
)
_RATE = re.compile(r"(?P<rate>\d{1,2}(?:[.,]\d{1,2})?)\s?%")
_SALES = re.compile(r"SPRZED|OPOD|SP\.?\s?OP")
_TAX_TOTAL = re.compile(
    r"S\s?[UV]\s?[MHNW]{1,2}\s?A\s*P\s?[TI1][UVYL]|LACZNA KWOTA P[TI1]U|PTU SUMA|PODATEK P[TI1]U|"
    r"TOTAL (?:VAT|TAX)"
)


@dataclass
class VatBlock:
    rates: list[VatRate] = field(default_factory=list)
    total_tax: Decimal | None = None


def _amount_not_rate(text: str) -> Decimal | None:
    rate_spans = [m.span("rate") for m in _RATE.finditer(text)]
    values = [
        match_value(m) for m in AMOUNT_RE.finditer(text)
        if not any(s <= m.start() < e for s, e in rate_spans)
    ]
    return values[-1] if values else None


def parse_vat_block(lines: list[str], start: int = 0) -> VatBlock:
    block = VatBlock()
    by_letter: dict[str, VatRate] = {}
    for line in lines[start:]:
        folded = fold(line)
        if _TAX_TOTAL.search(folded):
            value = _amount_not_rate(folded)
            if value is not None and block.total_tax is None:
                block.total_tax = value
            continue
        match = _LETTER.search(folded)
        if not match:
            continue
        letter = match["letter"]
        entry = by_letter.setdefault(letter, VatRate(letter))
        value = _amount_not_rate(folded[match.end():])
        rate_match = _RATE.search(folded)
        if rate_match:
            entry.rate = Decimal(rate_match["rate"].replace(",", "."))
        if _SALES.search(folded[: match.end()]):
            if value is not None and entry.sales is None:
                entry.sales = value
        elif value is not None and entry.tax is None:
            entry.tax = value
    for letter, entry in by_letter.items():
        if entry.rate is None and letter in DEFAULT_RATES and (entry.tax or entry.sales):
            entry.rate = DEFAULT_RATES[letter]
    block.rates = [
        by_letter[k] for k in sorted(by_letter) if by_letter[k].tax or by_letter[k].sales
    ]
    return block
