"""Line-level repairs of typical Tesseract damage on receipts, applied before parsing.

Each rule is narrow: it fires only in the shape where the damage was observed (around a
quantity × unit price, or at the end of a price line), so ordinary text is left alone.
"""

from __future__ import annotations

import re

from ocr_worker.parser.amounts import repair_numeric_tokens
from ocr_worker.parser.text import clean_line

_QUOTES = re.compile(r"(?<=[\dx×*=])\s*[‘’'`´\"“”„]+|[‘’'`´\"“”„]+\s*(?=[\dx×*=])")
_COLON_BEFORE_X = re.compile(r"(?<=\d)\s*[:;]\s*(?=[xX×*]\s?\d)")
_GUILLEMET_AS_X = re.compile(r"(?<=\d)\s*[«»]\s*(?=\d)")
_MULTIPLIED = re.compile(r"\d\s*[xX×*]\s*\d")
_COPYRIGHT_AS_AT = re.compile(r"(?<=\d)\s*[©®]\s*(?=[£$€]?\d)")
_BAR_AS_ONE = re.compile(r"(?:(?<=\s)|^)[|!]\s?(?=[x×*]\s?\d)")
_SLASH_DECIMAL = re.compile(r"(?<=[x×*])(\s?\d{1,4})[/;:](\d{2})(?!\d)")
_STRAY_MARKS = re.compile(r"(?<=\s)[_|¦]+(?=\s)")
_DOT_BEFORE_VAT = re.compile(r"(?<=\d[.,]\d{2})\s*[.,:;]\s*(?=[A-G]$)")
_SYMBOL_AS_C = re.compile(r"(?<=\d[.,]\d{2})\s*[.,:;]?\s*[©€¢(]\s*$")
_THIRD_DECIMAL = re.compile(r"(?<=\d[.,]\d{2})(?P<d>\d)$")
_THIRD_DECIMAL_BEFORE_VAT = re.compile(r"(?<=\d[.,]\d{2})\d(?=\s?[A-G]$)")
_DIGIT_AS_VAT = {"0": "C", "4": "A", "8": "B"}
_GLUED_VAT_DIGIT = re.compile(r"[A-Za-z]{2}.*\s\d+[.,]\d{2}[48]$")
_SPACED_DIGIT_AS_VAT = re.compile(r"(?<=\d[.,]\d{2})\s+(?P<d>[048])$")
_MINUS_BEFORE_VAT = re.compile(r"(?<=\d[.,]\d{2})-(?=[A-G]$)")
# "10:32 X": a colon for the decimal separator of a price that ends the line with its VAT flag
_COLON_DECIMAL = re.compile(r"(?<=\s)(\d{1,3}):(?=\d{2}\s?[A-Z]$)")


# double-height print read letter by letter: "S U M A P L N 3 6 , 4 7"
_SPACED_RUN = re.compile(r"(?<!\S)(?:\S ){4,}\S(?!\S)")
_LABEL_GLUED_TO_CODE = re.compile(r"(SUMA|RAZEM|TOTAL|SUMME|TOTAAL)(?=PLN|EUR|ZL|GBP|USD)")
# a recogniser that drops spaces glues a label to its currency ("CASHRM 19.90", "TOTALRM33.90")
_LABEL_GLUED_TO_RM = re.compile(r"\b(CASH|CHANGE|TOTAL|ROUNDED|TUNAI|BAKI)(?=RM\b|RM\d)", re.I)


def _join_spaced(match: re.Match[str]) -> str:
    text = match.group(0).replace(" ", "")
    text = re.sub(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])", " ", text)  # letters | digits
    return _LABEL_GLUED_TO_CODE.sub(r"\1 ", text)


def _guillemet(match: re.Match[str]) -> str:
    """``«`` is a misread ``x`` after a quantity, or ``=`` after a unit price."""
    before = match.string[: match.start()]
    return " = " if _MULTIPLIED.search(before) else " x"


def _copyright(match: re.Match[str]) -> str:
    """``©`` is a misread ``@`` (``2 © £1.20``), or ``=`` after a quantity × unit price
    (``3x 1,22 © 3,66``)."""
    before = match.string[: match.start()]
    return " = " if _MULTIPLIED.search(before) else " @ "


def repair_line(line: str, *, polish: bool) -> str:
    line = clean_line(line)
    line = _SPACED_RUN.sub(_join_spaced, line)
    line = _LABEL_GLUED_TO_RM.sub(r"\1 ", line)
    line = _QUOTES.sub(" ", line)
    line = _COLON_BEFORE_X.sub(" ", line)
    line = _GUILLEMET_AS_X.sub(_guillemet, line)
    line = _COPYRIGHT_AS_AT.sub(_copyright, line)
    line = _BAR_AS_ONE.sub("1 ", line)
    line = _SLASH_DECIMAL.sub(r"\1,\2", line)
    line = _STRAY_MARKS.sub(" ", line)
    line = clean_line(repair_numeric_tokens(clean_line(line)))
    line = _DOT_BEFORE_VAT.sub(" ", line)
    line = _MINUS_BEFORE_VAT.sub(" ", line)  # "3,20-B": a dash before the VAT letter
    line = _COLON_DECIMAL.sub(r"\1,", line)
    line = _SPACED_DIGIT_AS_VAT.sub(lambda m: " " + _DIGIT_AS_VAT[m["d"]], line)
    if not polish and _GLUED_VAT_DIGIT.search(line):
        # "Toilettenpapier 8 Rollen 5,724": the VAT letter A (or B) glued on and misread
        line = line[:-1] + _DIGIT_AS_VAT[line[-1]]
    if polish:
        # a Polish price is always followed by its VAT letter; C is often read as ©, € or 0
        line = _SYMBOL_AS_C.sub(" C", line)
        line = _THIRD_DECIMAL_BEFORE_VAT.sub("", line)
        match = _THIRD_DECIMAL.search(line)
        if match and not re.search(r"[x×*]\s?\d+[.,]\d{3}$", line):
            letter = _DIGIT_AS_VAT.get(match["d"], "")
            line = line[: match.start()] + letter
    return clean_line(line)
