"""Arithmetic repair of OCR misreadings: a reading is changed only when the receipt's own
arithmetic (qty × unit = price, Σ items = total) proves the alternative."""

from __future__ import annotations

from decimal import Decimal

from ocr_worker.parser.amounts import money
from ocr_worker.parser.model import Item, Receipt

# Digits Tesseract confuses on thermal print, both ways.
CONFUSED_DIGITS: dict[str, str] = {
    "0": "869", "1": "74", "2": "7", "3": "859", "4": "19", "5": "638",
    "6": "5808", "7": "12", "8": "0369", "9": "8035",
}


def digit_variants(value: Decimal) -> set[Decimal]:
    """Amounts one confusable digit away from ``value`` (same number of digits)."""
    text = f"{abs(value):.2f}"
    sign = -1 if value < 0 else 1
    variants: set[Decimal] = set()
    for position, char in enumerate(text):
        for other in CONFUSED_DIGITS.get(char, ""):
            candidate = text[:position] + other + text[position + 1:]
            if candidate.startswith("0") and not candidate.startswith("0."):
                continue
            variants.add(sign * Decimal(candidate))
    variants.discard(value)
    return variants


def _tolerance(quantity: Decimal) -> Decimal:
    """Whole quantities multiply exactly; weighed ones may be rounded either way by a till."""
    return Decimal("0") if quantity == quantity.to_integral_value() else Decimal("0.01")


def one_edit_variants(value: Decimal) -> set[Decimal]:
    """Amounts one OCR slip away: a confusable digit, or one digit too many (``£10.79`` read
    as ``160.79``)."""
    text = f"{abs(value):.2f}"
    integer, cents = text.split(".")
    dropped = {
        Decimal(f"{integer[:k] + integer[k + 1:] or '0'}.{cents}") for k in range(len(integer))
    } if len(integer) > 1 else set()
    return (digit_variants(abs(value)) | dropped) - {abs(value)}


def line_matches(item: Item) -> bool | None:
    if not item.quantity_printed or item.unit_price is None:
        return None
    return abs(money(item.quantity * item.unit_price) - item.price) <= _tolerance(item.quantity)


def _quantity_variants(quantity: Decimal) -> set[Decimal]:
    """Quantities one OCR slip away: a confusable digit, or one junk digit (``41`` for ``1``)."""
    text = f"{quantity.normalize():f}"
    variants = set()
    for position, char in enumerate(text):
        others = [*CONFUSED_DIGITS.get(char, ""), ""] if char.isdigit() else []
        for other in others:
            candidate = text[:position] + other + text[position + 1:]
            if candidate and candidate[0].isdigit() and candidate[-1].isdigit():
                value = Decimal(candidate)
                if value > 0 and not (len(candidate) > 1 and candidate[0] == "0"
                                      and candidate[1] != "."):
                    variants.add(value)
    variants.discard(quantity)
    return variants


def _repair_quantity(item: Item) -> str | None:
    """``41 x 14,23 14,23``, ``6,902 x 6,47 5,84``: the price and unit price agree with each
    other through exactly one quantity one slip away from the printed one."""
    assert item.unit_price is not None
    fits = [q for q in _quantity_variants(item.quantity)
            if abs(money(q * item.unit_price) - item.price) <= _tolerance(q)]
    if len(fits) != 1:
        return None
    old, item.quantity = item.quantity, fits[0]
    return f"item '{item.name}': quantity {old} read as {fits[0]} (qty × unit price)"


def repair_item_line(item: Item) -> str | None:
    """Make qty × unit = price by changing one confusable digit of price or unit price, or
    one slip of the quantity."""
    if line_matches(item) is not False:
        return None
    assert item.unit_price is not None
    if item.quantity != 1:
        quantity_note = _repair_quantity(item)
        if quantity_note:
            return quantity_note
    if item.quantity == 1:
        return None  # "1 x 6,09 = 6,99": either copy may be the misread one; the sum decides
    expected = money(item.quantity * item.unit_price)
    if expected in digit_variants(item.price):
        old = item.price
        item.price = expected
        return f"item '{item.name}': price {old} read as {expected} (qty × unit price)"
    units = [u for u in digit_variants(item.unit_price)
             if abs(money(item.quantity * u) - item.price) <= _tolerance(item.quantity)]
    if len(units) == 1:
        old = item.unit_price
        item.unit_price = units[0]
        return f"item '{item.name}': unit price {old} read as {units[0]} (qty × unit price)"
    return None


def repair_discount_over_price(item: Item) -> str | None:
    """A discount larger than its item's price is misread: the only reading one confusable
    digit away that is below the price (``6,81`` off ``2,69`` is ``0,81``)."""
    if item.discount <= item.price:
        return None
    fits = [d for d in digit_variants(item.discount) if Decimal("0") < d < item.price]
    if len(fits) != 1:
        return None
    old, item.discount = item.discount, fits[0]
    return f"item '{item.name}': discount {old} read as {fits[0]} (more than the price)"


def _suffix_variants(value: Decimal) -> set[Decimal]:
    """``3720.49`` may be ``20.49`` with junk glued in front: drop leading digits."""
    text = f"{value:.2f}"
    integer, cents = text.split(".")
    return {Decimal(f"{integer[k:]}.{cents}") for k in range(1, len(integer))}


def _tier(item: Item, candidate: Decimal) -> int | None:
    """How believable changing this item's price to ``candidate`` is (lower is better)."""
    if line_matches(item) is False:
        return 0  # the line is already known to be misread
    if not item.quantity_printed or item.unit_price is None:
        return 1  # nothing on the line contradicts the change
    if item.quantity == 1 and item.unit_price == item.price:
        return 1  # "1 x 4,9B 4,9B": both copies misread alike
    fixed = abs(money(item.quantity * item.unit_price) - candidate) <= _tolerance(item.quantity)
    return 1 if fixed else None  # never break a line that proved itself


def _vat_group_matches(receipt: Receipt, changed: Item, candidate: Decimal) -> bool:
    """Would the items of ``changed``'s VAT letter add up to that letter's printed sales?"""
    sales = [rate.sales for rate in receipt.vat if rate.letter == changed.vat]
    if changed.vat is None or len(sales) != 1 or sales[0] is None:
        return False
    group = sum(
        ((candidate if item is changed else item.price) - item.discount
         for item in receipt.items if item.vat == changed.vat),
        Decimal("0"),
    )
    return group == sales[0]


def repair_items_against_total(receipt: Receipt, total: Decimal) -> str | None:
    """If exactly one change of one item's price (a confusable digit, or junk digits in
    front) makes Σ(price − discount) = ``total`` (the items' target), apply it."""
    difference = total - receipt.items_net_sum()
    if difference == 0:
        return None
    tiers: dict[int, list[tuple[Item, Decimal]]] = {}
    for item in receipt.items:
        for candidate in digit_variants(item.price) | _suffix_variants(item.price):
            tier = _tier(item, candidate)
            if candidate - item.price == difference and tier is not None:
                tiers.setdefault(tier, []).append((item, candidate))
    if not tiers:
        return None
    chosen = tiers[min(tiers)]
    if len(chosen) > 1:
        # "16,53 B" or "6,47 A" may both be the misread one: the VAT summary's sales for the
        # item's letter tell which change makes its group add up
        chosen = [(item, c) for item, c in chosen if _vat_group_matches(receipt, item, c)]
    if len(chosen) != 1:
        return None
    item, candidate = chosen[0]
    old = item.price
    if item.quantity == 1 and item.unit_price == item.price:
        item.unit_price = candidate
    item.price = candidate
    return f"item '{item.name}': price {old} read as {candidate} (sum of items = total)"


def _zero_readings(value: Decimal) -> set[Decimal]:
    """``value`` with one or more of its 6s and 8s read back as 0s (a thresholded dotted or
    slashed zero)."""
    text = f"{value:.2f}"
    positions = [k for k, ch in enumerate(text) if ch in "68"]
    readings: set[Decimal] = set()
    for mask in range(1, 2 ** len(positions)):
        chars = list(text)
        for bit, k in enumerate(positions):
            if mask >> bit & 1:
                chars[k] = "0"
        candidate = "".join(chars)
        if not (candidate.startswith("0") and not candidate.startswith("0.")):
            readings.add(Decimal(candidate))
    return readings


def repair_two_items_against_total(receipt: Receipt, total: Decimal) -> str | None:
    """Two items with a ``0`` read as ``6`` (the most common misreading): if exactly one pair
    of such readings makes Σ(price − discount) = ``total``, and no line contradicts it,
    apply both."""
    difference = total - receipt.items_net_sum()
    if difference >= 0:
        return None
    options = [
        (item, candidate) for item in receipt.items for candidate in _zero_readings(item.price)
        if _tier(item, candidate) is not None
    ]
    pairs = [
        (first, second) for i, first in enumerate(options) for second in options[i + 1:]
        if first[0] is not second[0] and (first[1] - first[0].price)
        + (second[1] - second[0].price) == difference
    ]
    if not pairs:
        return None
    # lines already known to be misread are the likelier pair (as for a single repair)
    rank = {id(pair): sum(_tier(item, c) or 0 for item, c in pair) for pair in pairs}
    best = min(rank.values())
    pairs = [pair for pair in pairs if rank[id(pair)] == best]
    pairs = [pair for pair in pairs if _pair_fits_vat(receipt, pair, strict=len(pairs) > 1)]
    if len(pairs) != 1:
        return None
    notes = []
    for item, candidate in pairs[0]:
        old = item.price
        if item.quantity == 1 and item.unit_price == item.price:
            item.unit_price = candidate
        item.price = candidate
        notes.append(f"item '{item.name}': price {old} read as {candidate}")
    return "; ".join(notes) + " (sum of items = total)"


def _pair_fits_vat(
    receipt: Receipt, pair: tuple[tuple[Item, Decimal], ...], *, strict: bool
) -> bool:
    """Do the changed items' VAT groups add up to their printed sales? Unless ``strict``
    (several pairs to choose from), a group passes when it has no sales figure, or when its
    figure matched neither before nor after the change (the figure is misread too); a
    change that breaks a group that added up never passes."""
    changes = {id(item): candidate for item, candidate in pair}
    letters = {item.vat for item, _ in pair}
    for letter in letters:
        sales = [rate.sales for rate in receipt.vat if rate.letter == letter]
        if letter is None or len(sales) != 1 or sales[0] is None:
            if strict:
                return False
            continue
        group = sum(
            (changes.get(id(item), item.price) - item.discount
             for item in receipt.items if item.vat == letter),
            Decimal("0"),
        )
        before = sum(
            (item.price - item.discount for item in receipt.items if item.vat == letter),
            Decimal("0"),
        )
        if group != sales[0] and (strict or before == sales[0]):
            return False
    return True


def settle_single_quantity_lines(receipt: Receipt) -> None:
    """Once the sum matches, a ``1 x unit = value`` line that disagrees had its unit misread."""
    for item in receipt.items:
        if item.quantity == 1 and line_matches(item) is False:
            item.unit_price = item.price


def reprice_impossible_items(receipt: Receipt, total: Decimal) -> list[str]:
    """An item dearer than the whole receipt is a misreading: its value is qty × unit price
    when those were printed and fit under the total."""
    notes = []
    for item in receipt.items:
        if item.net > total and item.quantity_printed and item.unit_price is not None:
            value = money(item.quantity * item.unit_price)
            if Decimal("0") < value - item.discount <= total:
                notes.append(f"repaired item '{item.name}': price {item.price} read as {value} "
                             "(exceeds the total; qty × unit price)")
                item.price = value
    return notes


def drop_impossible_items(receipt: Receipt, total: Decimal) -> list[str]:
    """An item still dearer than the whole receipt is a misreading nothing could repair."""
    dropped = [item for item in receipt.items if item.net > total]
    receipt.items = [item for item in receipt.items if item.net <= total]
    return [f"dropped item '{item.name}': price {item.price} exceeds the total" for item in dropped]
