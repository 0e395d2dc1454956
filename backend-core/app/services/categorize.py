"""Assign a spending category to a receipt item name from the keyword table."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CategoryKeyword

DEFAULT_CATEGORY = "other"
_SHORT = 3  # keywords this short must be a whole word ("rum" is not "rumianek")
_SPLIT = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[0-9]+x?|[a-z]+")  # "2xMLEKO" is the words 2x, mleko; "300g" is 300, g
_POLISH = str.maketrans({"ł": "l", "Ł": "l"})


def _ascii_lower(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_POLISH).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, ASCII, letters and digits only: 'Masło Ext.' → 'masloext'."""
    return _SPLIT.sub("", _ascii_lower(text))


class Categorizer:
    """A keyword matches where a word of the name begins (it may run on into the word's ending,
    or into the next words: "pastadozebow"), never inside a word: "cola" is not in "Chocolate".
    The keyword found earliest in the name wins; among those, the longest one.

    "Sok pomarańczowy" → drinks (sok comes first), "Serwetki" → household (serwet is longer
    than ser at the same place). Short keywords (≤ 3 letters) must be a whole word.
    """

    def __init__(self, keywords: Mapping[str, str]) -> None:
        self._keywords = {normalize(k): c for k, c in keywords.items() if normalize(k)}

    @classmethod
    def from_db(cls, session: Session) -> Categorizer:
        rows = session.execute(select(CategoryKeyword.keyword, CategoryKeyword.category)).all()
        return cls({keyword: category for keyword, category in rows})

    def categorize(self, name: str) -> str:
        words = _WORD.findall(_ascii_lower(name))
        compact = "".join(words)
        bounds: set[tuple[int, int]] = set()  # (start, end) of each word in `compact`
        offset = 0
        for word in words:
            bounds.add((offset, offset + len(word)))
            offset += len(word)
        starts = {start for start, _ in bounds}
        best: tuple[int, int, str] | None = None
        for keyword, category in self._keywords.items():
            pos = compact.find(keyword)
            while pos >= 0 and not (
                (pos, pos + len(keyword)) in bounds
                if len(keyword) <= _SHORT else pos in starts
            ):
                pos = compact.find(keyword, pos + 1)
            if pos < 0:
                continue
            rank = (pos, -len(keyword), category)
            if best is None or rank < best:
                best = rank
        return best[2] if best else DEFAULT_CATEGORY
