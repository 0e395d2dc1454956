"""Scoring one parsed receipt against its ground truth, and adding the scores up."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

NAME_SIMILARITY = 0.6  # an item's name must be at least this similar to count as read
#: a shop name this similar to the label (letters and digits only) is a near miss: one or two
#: glyphs misread in a long legal name; reported beside the exact score, never instead of it
SHOP_NEAR = 0.9


def _key(text: str | None) -> str:
    text = (text or "").replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


@dataclass
class Score:
    truth_items: int = 0
    found_items: int = 0
    matched_items: int = 0
    total_ok: bool = False
    date_ok: bool = False
    shop_ok: bool = False
    shop_near: bool = False
    due_ok: bool = False
    problems: list[str] = field(default_factory=list)


def match_items(truth: list[dict[str, Any]], found: list[dict[str, Any]]) -> int:
    """Pairs a found item with a true one when price and discount are equal and the names are
    similar; each item is used once. Returns the number of pairs."""
    used: set[int] = set()
    matched = 0
    for t in truth:
        t_price, t_disc = _amount(t["price"]), _amount(t.get("discount")) or Decimal("0.00")
        best, best_sim = None, NAME_SIMILARITY
        for i, f in enumerate(found):
            if i in used or _amount(f.get("price")) != t_price:
                continue
            if (_amount(f.get("discount")) or Decimal("0.00")) != t_disc:
                continue
            sim = SequenceMatcher(None, _key(t["name"]), _key(f.get("name"))).ratio()
            if sim >= best_sim:
                best, best_sim = i, sim
        if best is not None:
            used.add(best)
            matched += 1
    return matched


def score(truth: dict[str, Any], result: dict[str, Any]) -> Score:
    s = Score()
    if truth.get("items") is not None:  # null: the items of this receipt were not labelled
        t_items, f_items = truth["items"], result.get("items") or []
        s.truth_items, s.found_items = len(t_items), len(f_items)
        s.matched_items = match_items(t_items, f_items)
    s.total_ok = _amount(result.get("total")) == _amount(truth["total"])
    s.date_ok = result.get("date") == truth["date"]
    s.shop_ok = bool(truth["shop"]) and _key(result.get("shop")) == _key(truth["shop"])
    s.shop_near = bool(truth["shop"]) and SequenceMatcher(
        None, _key(result.get("shop")), _key(truth["shop"]), autojunk=False
    ).ratio() >= SHOP_NEAR
    due = result.get("amount_due") or result.get("total")
    s.due_ok = _amount(due) == _amount(truth.get("amount_due") or truth["total"])
    if not s.total_ok:
        s.problems.append(f"total {result.get('total')} != {truth['total']}")
    if not s.date_ok:
        s.problems.append(f"date {result.get('date')} != {truth['date']}")
    if not s.shop_ok:
        s.problems.append(f"shop {result.get('shop')!r} != {truth['shop']!r}")
    if s.matched_items < max(s.truth_items, s.found_items):
        s.problems.append(f"items {s.matched_items} matched of {s.truth_items} true, "
                          f"{s.found_items} found")
    return s


@dataclass
class Tally:
    scores: list[Score] = field(default_factory=list)

    def add(self, s: Score) -> None:
        self.scores.append(s)

    def summary(self) -> dict[str, float]:
        n = len(self.scores) or 1
        matched = sum(s.matched_items for s in self.scores)
        found = sum(s.found_items for s in self.scores)
        true = sum(s.truth_items for s in self.scores)
        precision = matched / found if found else 0.0
        recall = matched / true if true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "item_precision": precision,
            "item_recall": recall,
            "item_f1": f1,
            "total": sum(s.total_ok for s in self.scores) / n,
            "date": sum(s.date_ok for s in self.scores) / n,
            "shop": sum(s.shop_ok for s in self.scores) / n,
            "shop_near": sum(s.shop_near for s in self.scores) / n,
            "amount_due": sum(s.due_ok for s in self.scores) / n,
        }


def by_group(pairs: list[tuple[str, Score]]) -> dict[str, dict[str, float]]:
    groups: dict[str, Tally] = defaultdict(Tally)
    for name, s in pairs:
        groups[name].add(s)
    return {name: tally.summary() for name, tally in sorted(groups.items())}
