"""Purchase date and time: every common numeric and named-month format, day-first or
month-first by locale."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ocr_worker.parser.repair import CONFUSED_DIGITS
from ocr_worker.parser.text import fold

_MONTHS = {
    # English, German, Dutch, French, Polish, Spanish, Italian (abbreviations by prefix)
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8,
    "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
    "JAE": 1, "MAE": 3, "MRZ": 3, "MAI": 5, "OKT": 10, "DEZ": 12, "MRT": 3, "MEI": 5,
    "JANV": 1, "FEV": 2, "MARS": 3, "AVR": 4, "JUIN": 6, "JUIL": 7, "AOUT": 8, "DECE": 12,
    "STY": 1, "LUT": 2, "KWI": 4, "MAJ": 5, "CZE": 6, "LIP": 7, "SIE": 8, "WRZ": 9,
    "PAZ": 10, "LIS": 11, "GRU": 12, "ENE": 1, "ABR": 4, "AGO": 8, "DIC": 12, "GEN": 1,
    "GIU": 6, "LUG": 7, "SET": 9, "OTT": 10,
}
_MONTH_WORD = r"[A-Z]{3,10}\.?"

#: the end of a year: no digit follows, unless it is the time glued on ("10Apr201818:21",
#: "04/05/20177:19:43AM": a recogniser that drops spaces)
_YEAR_END = r"(?:(?!\d)|(?=\d{1,2}:\d\d))"
_GLUED_TIME = re.compile(r"(?<=(?:[-/.]|[A-Z])(?:19|20)\d\d)(?=\d{1,2}:\d\d)")
_ISO = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s?[-./]\s?(?P<m>\d{1,2})\s?[-./]\s?(?P<d>\d{1,2})(?!\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d.,])(?P<a>\d{1,2})\s?(?P<s>[-./])\s?(?P<b>\d{1,2})\s?(?P=s)\s?"
    rf"(?:(?P<y4>\d{{4}}){_YEAR_END}|(?P<y>\d{{2}})"
    # "25/10/20:7": a four-digit year with a digit read as a colon, not the year 2020
    r"(?![\d,]|\.\d|:\d(?!\d)))"
)
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\.?[ -]?(?P<mon>{_MONTH_WORD})[ ,-]?\s?(?P<y>\d{{4}}|\d{{2}})"
    rf"{_YEAR_END}"
)
_MONTH_NAME_DAY = re.compile(
    rf"(?<![A-Z])(?P<mon>{_MONTH_WORD})\s?(?P<d>\d{{1,2}})(?:ST|ND|RD|TH)?,?\s(?P<y>\d{{4}})(?!\d)"
)
#: a date printed without its separators, or with one lost ("21032018", "3003/2018"): read
#: only as a repair, when no regular date stands on the receipt
_COMPACT = re.compile(
    r"(?<![\d.,/-])(?P<d>[0-3]\d)(?P<m>[01]\d)[/.-]?(?P<y>20\d\d)(?![\d.,])"
    # the second separator read as a 7 or a 1 ("15/1172017")
    r"|(?<![\d.,/-])(?P<d2>[0-3]?\d)/(?P<m2>[01]?\d)[71](?P<y2>20\d\d)(?![\d.,])"
)
TIME_RE = re.compile(
    r"(?<![\d:])(?P<h>[01]?\d|2[0-3])\s?:\s?(?P<m>[0-5]\d)(?:\s?:\s?(?P<s>[0-5]\d))?(?![\d:])"
    r"(?:\s?(?P<ampm>[AP])\.?M\b)?"
)
_NOT_PURCHASE = re.compile(
    r"WAZN|VALID|EXPIR|BEST BEFORE|USE BY|GULTIG|GELDIG|TERMIN|ZWROT DO|RETURN BY|DATA WAZ|"
    r"DO DNIA|BIS ZUM|UNTIL|NAJLEPIEJ"
)
_DATE_LABEL = re.compile(r"\bDATA\b|\bDATE\b|\bDATUM\b|\bFECHA\b|\bLE \d")


@dataclass(frozen=True)
class DateHit:
    value: date
    line_index: int
    score: int


def is_month_first(currency: str | None) -> bool:
    """Dates are read month first on US receipts only."""
    return currency == "USD"


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _month(word: str) -> int | None:
    word = word.rstrip(".")
    for length in (4, 3):
        if word[:length] in _MONTHS:
            return _MONTHS[word[:length]]
    return None


def _make(year: int, month: int, day: int) -> date | None:
    # a receipt is not printed years ahead: 2087 is a misread 2017, not a date
    if not 1990 <= year <= date.today().year + 1:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _field_readings(text: str) -> list[tuple[str, int]]:
    """The field as read (cost 0) and every reading one confusable digit away (cost 1)."""
    readings = [(text, 0)]
    for position, char in enumerate(text):
        for other in CONFUSED_DIGITS.get(char, ""):
            readings.append((text[:position] + other + text[position + 1:], 1))
    return readings


def _digit_fixes(year: int, month: str, day: str) -> list[date]:
    """Valid, not future dates an impossible one may stand for: each field with at most one
    confusable digit changed (``2024-12-80``, ``07-08-2624``, ``66/67/2626``); only the readings
    with the fewest changes are kept."""
    latest = date.today().year + 1
    best: dict[int, set[date]] = {}
    for y, y_cost in _field_readings(str(year)):
        if not 2000 <= int(y) <= latest:
            continue
        for m, m_cost in _field_readings(month):
            for d, d_cost in _field_readings(day):
                value = _make(int(y), int(m), int(d))
                if value:
                    best.setdefault(y_cost + m_cost + d_cost, set()).add(value)
    return sorted(best[min(best)]) if best else []


def _make_or_fix(year: int, month: str, day: str, repair: bool) -> date | None:
    value = _make(year, int(month), int(day))
    if value is None and repair:
        fixes = _digit_fixes(year, month, day)
        if len(fixes) == 1:
            return fixes[0]
    return value


_SPLIT_DAY = re.compile(r"(?<![\d.,])([0-3])[.,](\d)(?=[-./]\d{1,2}[-./]\d{4}(?!\d))")


def dates_in_line(line: str, *, month_first: bool, repair: bool = False) -> list[date]:
    """All plausible dates in one line (in order of appearance). With ``repair``, an
    impossible date one misread digit away from exactly one valid date counts as that."""
    text = fold(line)
    if repair:
        text = _SPLIT_DAY.sub(r"\1\2", text)  # "1.1.05.2024": a stray dot inside the day
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []
    for m in _ISO.finditer(text):
        value = _make_or_fix(int(m["y"]), m["m"], m["d"], repair)
        if value:
            found.append((m.start(), value))
            taken.append(m.span())
    for m in _NUMERIC.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        a, b, year = int(m["a"]), int(m["b"]), _year(m["y4"] or m["y"])
        first_is_month = month_first
        if a > 12 >= b and a <= 31:
            first_is_month = False
        elif b > 12 >= a and b <= 31:
            first_is_month = True  # (a misread field beyond 31 decides nothing)
        month, day = (m["a"], m["b"]) if first_is_month else (m["b"], m["a"])
        value = _make_or_fix(year, month, day, repair)
        if value:
            found.append((m.start(), value))
            taken.append(m.span())
    for pattern in (_DAY_MONTH_NAME, _MONTH_NAME_DAY):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in taken):
                continue
            month = _month(m["mon"])
            if month is None:
                continue
            value = _make_or_fix(_year(m["y"]), f"{month:02d}", m["d"], repair)
            if value:
                found.append((m.start(), value))
                taken.append(m.span())
    if repair and not found:
        for m in _COMPACT.finditer(text):
            fields = ("y", "m", "d") if m["y"] else ("y2", "m2", "d2")
            value = _make(*(int(m[name]) for name in fields))
            if value:
                found.append((m.start(), value))
    return [value for _, value in sorted(found, key=lambda pair: pair[0])]


def _unglued(line: str) -> str:
    """The folded line with a space between a year and the time glued to it."""
    return _GLUED_TIME.sub(" ", fold(line))


def find_time(line: str) -> str | None:
    match = TIME_RE.search(_unglued(line))
    if not match:
        return None
    hour = int(match["h"])
    if match["ampm"] == "P" and hour < 12:
        hour += 12
    elif match["ampm"] == "A" and hour == 12:
        hour = 0
    return f"{hour:02d}:{match['m']}" + (f":{match['s']}" if match["s"] else "")


def _date_hits(lines: list[str], *, month_first: bool, repair: bool) -> list[DateHit]:
    hits: list[DateHit] = []
    for index, line in enumerate(lines):
        folded = _unglued(line)
        if _NOT_PURCHASE.search(folded):
            continue
        for value in dates_in_line(folded, month_first=month_first, repair=repair):
            score = 1
            if TIME_RE.search(folded):
                score += 2
            if _DATE_LABEL.search(folded):
                score += 1
            hits.append(DateHit(value, index, score))
    return hits


class PurchaseDate(NamedTuple):
    value: date | None
    time: str | None
    confidence: float  # 0..1
    line_index: int | None  # the line the date was read from


def find_purchase_date(lines: list[str], *, month_first: bool) -> PurchaseDate:
    """The purchase date, its time (same or neighbouring line) and a confidence in 0..1."""
    def rank(hit: DateHit) -> tuple[int, int]:
        return hit.score, -hit.line_index

    hits = _date_hits(lines, month_first=month_first, repair=False)
    repaired_hits = _date_hits(lines, month_first=month_first, repair=True)
    repaired = False
    if repaired_hits and (
        not hits or max(repaired_hits, key=rank).score > max(hits, key=rank).score
    ):
        # a misread date beside the time ("2624.11.16 12:10") beats a stray unlabelled one
        hits, repaired = repaired_hits, True
    if not hits:
        return PurchaseDate(None, None, 0.0, None)
    best = max(hits, key=rank)
    time_text = find_time(lines[best.line_index])
    if time_text is None:
        for neighbour in (best.line_index + 1, best.line_index - 1):
            if 0 <= neighbour < len(lines):
                time_text = find_time(lines[neighbour])
                if time_text:
                    break
    if time_text is None:
        for index, line in enumerate(lines):
            if index != best.line_index and not _NOT_PURCHASE.search(fold(line)):
                time_text = find_time(line)
                if time_text:
                    break
    agreeing = sum(1 for hit in hits if hit.value == best.value)
    confidence = min(1.0, 0.6 + 0.15 * best.score + 0.1 * (agreeing - 1))
    if repaired:
        confidence = 0.5
    return PurchaseDate(best.value, time_text, round(confidence, 2), best.line_index)
