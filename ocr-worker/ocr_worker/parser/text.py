"""Text folding helpers: compare OCR lines with keywords regardless of case, diacritics and
the usual OCR look-alikes."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

_EXTRA_ASCII = str.maketrans({"Ł": "L", "ł": "l", "ß": "SS", "Ø": "O", "ø": "o", "Æ": "AE",
                              "æ": "ae", "Œ": "OE", "œ": "oe", "€": "E", "£": "L"})
# Digits that OCR puts in words, mapped back to the letters they stand for.
_DIGIT_TO_LETTER = str.maketrans({"0": "O", "1": "I", "|": "I", "5": "S", "8": "B", "$": "S"})
_WS = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    """ASCII-fold letters: ``Żółć`` → ``Zolc``."""
    text = text.translate(_EXTRA_ASCII)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Upper-case ASCII with single spaces: the form keyword regexes are written against."""
    return _WS.sub(" ", strip_accents(text).upper()).strip()


def letters_key(text: str) -> str:
    """Only letters, with digit look-alikes turned into letters (``B1EDR0NKA`` → ``BIEDRONKA``)."""
    return re.sub(r"[^A-Z]", "", fold(text).translate(_DIGIT_TO_LETTER))


def clean_line(text: str) -> str:
    """Collapse whitespace and drop characters OCR invents at line edges."""
    text = text.replace("\u00a0", " ").replace("\t", " ")
    text = _WS.sub(" ", text).strip()
    return text.strip("|¦_~`'\" ")


def similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def fuzzy_find(haystack: str, needle: str, threshold: float) -> bool:
    """True if some window of ``haystack`` (letters keys) is at least ``threshold`` similar."""
    if not needle or not haystack:
        return False
    if needle in haystack:
        return True
    n = len(needle)
    if len(haystack) < n - 1:
        return False
    for size in (n - 1, n, n + 1):
        if size <= 0 or size > len(haystack):
            continue
        for start in range(len(haystack) - size + 1):
            if similar(haystack[start:start + size], needle) >= threshold:
                return True
    return False
