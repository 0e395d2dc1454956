"""Item lines assembled into items: a name waits for its value line, a quantity line attaches
to the item above when it multiplies out, a discount and the value after it go to the item they
follow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ocr_worker.parser.amounts import money, parse_amount, parse_quantity, strip_currency
from ocr_worker.parser.item_lines import LEADING_QTY, UNREADABLE_NAME, ParsedLine, classify
from ocr_worker.parser.model import Item
from ocr_worker.parser.repair import (
    digit_variants,
    repair_discount_over_price,
    repair_item_line,
)

__all__ = ["ItemsResult", "Orphan", "classify", "parse_items"]


_LOOSE_QTY = re.compile(
    r"^\s*(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)\s*(?:[^\d]{1,10}?)?\s*(?P<unit>\d{1,6}[.,]\d{2})"
    r"\s*(?:/\s*[A-Za-z]{1,3})?$"
)


def _rounding(quantity: Decimal) -> Decimal:
    return Decimal("0") if quantity == quantity.to_integral_value() else Decimal("0.01")


# what is left of an illegible "qty x unit value" tail on a name line
_NOISE_TAIL = re.compile(r"\s+(?:\d{1,4}(?:[.,]\d{1,3})?\s*[x×X*@«]|\d{5,}|[^\w\s]{2,}).*$")


@dataclass
class Orphan:
    """A name line inside the item list whose price line was illegible."""

    name: str
    position: int  # where in the item list it belongs
    line_index: int


@dataclass
class ItemsResult:
    items: list[Item]
    unparsed: list[str]
    repairs: list[str]
    orphans: list[Orphan]
    # items under a discount line whose amount was illegible ("Rabat ASIC")
    blank_discounts: list[Item] = field(default_factory=list)


class _Assembler:
    """Feeds classified lines in order and keeps what a later line may complete."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.unparsed: list[str] = []
        self.repairs: list[str] = []
        self.orphans: list[Orphan] = []
        self.blank_discounts: list[Item] = []
        self.pending_name: str | None = None
        self.pending_index = -1
        self.pending_qty: ParsedLine | None = None
        self.pending_discount: Decimal | None = None
        self.after_discount = False

    def flush(self) -> None:
        """Close a pending name (and quantity line) that never got its price line."""
        qty = self.pending_qty
        if qty is not None and qty.quantity is not None and qty.unit_price is not None and (
            self.pending_name is not None
        ):
            price = money(qty.quantity * qty.unit_price)
            item = _make_item(_NOISE_TAIL.sub("", self.pending_name), price, qty.quantity,
                              qty.unit_price, qty.vat, self.pending_index)
            item.source = "computed"
            self.items.append(item)
            self.repairs.append(
                f"item '{item.name}': price {price} computed from quantity × unit price "
                "(value illegible)"
            )
        elif self.pending_name is not None and self.items:
            name = _NOISE_TAIL.sub("", self.pending_name)
            self.orphans.append(Orphan(name, len(self.items), self.pending_index))
        self.pending_name, self.pending_qty, self.pending_discount = None, None, None

    def attach_loose_quantity(self, line: str) -> bool:
        """``6 = 3,05`` or ``1,071 Egz 1,35`` under an item: a quantity line whose sign OCR
        garbled, recognised only because quantity × unit price equals the item's value."""
        match = _LOOSE_QTY.match(strip_currency(line))
        previous = self.items[-1] if self.items else None
        if not match or previous is None or previous.quantity_printed or self.pending_name:
            return False
        quantity, unit = parse_quantity(match["qty"]), parse_amount(match["unit"])
        if not quantity or not unit or quantity == 1:
            return False
        if abs(money(quantity * unit) - previous.price) > _rounding(quantity):
            return False
        previous.quantity, previous.unit_price, previous.quantity_printed = quantity, unit, True
        leading = LEADING_QTY.match(previous.name)
        if leading and Decimal(leading["qty"]) == quantity:
            previous.name = previous.name[leading.end():]
        return True

    def feed(self, parsed: ParsedLine, line: str, index: int) -> None:
        was_after_discount, self.after_discount = self.after_discount, False
        if parsed.kind not in ("discount", "amount_only"):
            self.pending_discount = None
        handler = getattr(self, f"_on_{parsed.kind}")
        handler(parsed, line, index, was_after_discount)

    def _on_skip(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        return

    def _on_name(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        if self.pending_name is not None and self.pending_qty is None and _continues(
            self.pending_name, parsed.name
        ):
            self.pending_name = f"{self.pending_name.rstrip('-')} {parsed.name}".strip()
            return
        self.flush()
        self.pending_name, self.pending_index = parsed.name, index

    def _on_discount(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        if self.pending_qty is not None and self.pending_name is not None:
            self.flush()  # "3x4,17=12?1C" then "Promocja -1,25": the discount is this item's
        if self.pending_name is not None and self.pending_qty is None and parsed.price:
            # the item's own price line was illegible: "Rabat -1,12" then "6,35A" still
            # give its price (value after discount + discount)
            self.pending_discount = parsed.price
        elif self.items:
            if parsed.price:
                self.items[-1].discount += parsed.price
            else:
                self.blank_discounts.append(self.items[-1])
            self.after_discount = True
        else:
            self.unparsed.append(line)

    def _on_qty_only(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        previous = self.items[-1] if self.items else None
        reading = None
        if (
            previous is not None and not parsed.name and self.pending_name is None
            and not previous.quantity_printed and parsed.quantity and parsed.unit_price
        ):
            reading = _below_price_reading(parsed.quantity, parsed.unit_price, previous.price)
        if previous is not None and reading is not None and parsed.quantity is not None:
            # REWE/Tesco style: "2 Stk x 1,29" printed under the item's price line; whole
            # quantities also prove a price or unit one misread digit away ("7,36 X" over
            # "2 AT 1 FOR 3,69", "20,66 X" over "2 AT 1 FOR 16,30")
            unit, value = reading
            if value != previous.price or unit != parsed.unit_price:
                unit_note = (
                    f", unit price {parsed.unit_price} read as {unit}"
                    if unit != parsed.unit_price else ""
                )
                self.repairs.append(
                    f"item '{previous.name}': price {previous.price} read as {value}{unit_note}"
                    " (quantity line below the price)"
                )
                previous.price = value
                parsed.unit_price = unit
            previous.quantity = parsed.quantity
            previous.unit_price = parsed.unit_price
            previous.quantity_printed = True
            leading = LEADING_QTY.match(previous.name)
            if leading and Decimal(leading["qty"]) == parsed.quantity:
                previous.name = previous.name[leading.end():]
            return
        if self.pending_qty is not None or parsed.name:
            self.flush()
        self.pending_qty = parsed
        if parsed.name:
            self.pending_name, self.pending_index = parsed.name, index

    def _on_amount_only(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        if self.pending_discount is not None and self.pending_name is not None and parsed.price:
            item = _make_item(self.pending_name, parsed.price + self.pending_discount, None,
                              None, parsed.vat, index)
            item.discount = self.pending_discount
            self.items.append(item)
            self.pending_name, self.pending_discount = None, None
        elif self.pending_qty is not None or self.pending_name is not None:
            qty = self.pending_qty
            self.items.append(_make_item(
                self.pending_name or "", parsed.price, qty.quantity if qty else None,
                qty.unit_price if qty else None, parsed.vat or (qty.vat if qty else None), index,
            ))
            self.pending_name, self.pending_qty = None, None
        elif after and self.items:
            _apply_value_after_discount(self.items[-1], parsed.price)
        else:
            self.unparsed.append(line)

    def _on_price_only(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        if self.pending_name is None and not self.items:
            self.unparsed.append(line)
            return
        self.items.append(_make_item(
            self.pending_name or "", parsed.price, parsed.quantity, parsed.unit_price,
            parsed.vat, index,
        ))
        self.pending_name, self.pending_qty = None, None

    def _on_full(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        self.flush()
        name = parsed.name
        leading = LEADING_QTY.match(name)
        if leading and leading["qty"] == "1" and parsed.quantity is None:
            name = name[leading.end():]
        self.items.append(
            _make_item(name, parsed.price, parsed.quantity, parsed.unit_price, parsed.vat, index)
        )


def _below_price_reading(
    quantity: Decimal, unit: Decimal, price: Decimal
) -> tuple[Decimal, Decimal] | None:
    """(unit price, value) that make a quantity line fit the price line above it: as read,
    or, for a whole quantity, the only fit with one misread digit in the unit price and/or
    the value."""
    if money(quantity * unit) == price:
        return unit, price
    if quantity != quantity.to_integral_value():
        return None
    fits = {
        (u, money(quantity * u)) for u in {unit} | digit_variants(unit)
        if money(quantity * u) in digit_variants(price) | {price}
    }
    if len(fits) > 1:
        return unit, price  # the line is this item's, but which digit slipped is open
    return fits.pop() if fits else None


def _continues(first: str, second: str) -> bool:
    """Is ``second`` the wrapped end of the item name ``first``? (a hyphen at the break, a
    lower-case start, or a short tail such as a size)"""
    return first.endswith("-") or second[:1].islower() or len(second) <= 12


def parse_items(lines: list[str], first_index: int = 0) -> ItemsResult:
    """Assemble items from the lines of the item section."""
    assembler = _Assembler()
    for offset, line in enumerate(lines):
        if assembler.attach_loose_quantity(line):
            continue
        assembler.feed(classify(line), line, first_index + offset)
    assembler.flush()
    repairs = assembler.repairs + [
        note for item in assembler.items
        for note in (repair_item_line(item), repair_discount_over_price(item)) if note
    ]
    return ItemsResult(
        assembler.items, assembler.unparsed, repairs, assembler.orphans, assembler.blank_discounts
    )


def _make_item(
    name: str, price: Decimal | None, quantity: Decimal | None, unit: Decimal | None,
    vat: str | None, index: int,
) -> Item:
    assert price is not None
    printed = quantity is not None and unit is not None
    return Item(
        name=name.strip() or UNREADABLE_NAME,
        price=price,
        quantity=quantity if quantity is not None else Decimal("1"),
        unit_price=unit if unit is not None else (price if quantity is None else None),
        vat=vat,
        quantity_printed=printed,
        line_index=index,
    )


def _apply_value_after_discount(item: Item, value: Decimal | None) -> None:
    """``Rabat -1,00`` followed by ``5,98C``: the printed value after the discount wins when
    the discount amount itself was misread."""
    if value is None:
        return
    implied = item.price - value
    if implied != item.discount and Decimal("0") < implied < item.price:
        item.discount = implied
