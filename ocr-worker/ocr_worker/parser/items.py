"""Item lines: one-line, two-line (name, then ``qty x unit price``), weighed goods, quantity
lines printed after the price, discounts and the value after a discount."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ocr_worker.parser.amounts import AMOUNT_RE, money, parse_amount, parse_quantity
from ocr_worker.parser.dates import dates_in_line
from ocr_worker.parser.keywords import DISCOUNT, SKIP_IN_ITEMS
from ocr_worker.parser.model import Item
from ocr_worker.parser.repair import repair_item_line
from ocr_worker.parser.text import fold

_CURRENCY_TOKENS = re.compile(
    r"(?i)(?<![A-Za-z])(?:PLN|z[łl]|EUR|USD|GBP|CHF|CZK|SEK|NOK|DKK)(?![A-Za-z])|[€£$]"
)
_QTY = r"(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)[.,]?"
_QUNIT = (
    r"(?:\s*(?P<qunit>[Ss][Zz][A-Za-z0-9.]{0,2}|sztuk|kg|KG|Kg|g|G|l|L|op\.?|OP\.?|opak\.?|st\.?|"
    r"St\.?|ST\.?|Stk\.?|STK\.?|stk\.?|pcs|PCS|ea|EA|lb|LB))?"
)
_MUL = r"\s*(?:[x×X*@]|AT(?:\s+1\s+FOR)?|at|je)\s*"
_UNIT = r"(?P<unit>\d{1,6}[.,]\d{2})(?:\s*/\s*(?:kg|KG|Kg|szt|SZT|l|L|st|St|Stk|STK|lb|LB|ea|EA))?"
_PRICE = r"(?P<price>-?\d{1,6}[.,]\d{2}-?)"
_VAT = r"(?:\s*(?P<vat>[A-Z])\)?|\s+(?P<flag>[a-z]))?(?:\s*[*#])?"

# between unit price and value: "=", or the damage OCR makes of it
_EQ = r"(?:\s*[=:;~.-]{1,3}\s*|\s*[mn]?\s+)?"
FULL = re.compile(rf"^(?P<head>.*?)\s*(?:{_QTY}{_QUNIT}{_MUL}{_UNIT}{_EQ})?{_PRICE}{_VAT}\s*$")
QTY_ONLY = re.compile(rf"^(?P<head>.*?)\s*{_QTY}{_QUNIT}{_MUL}{_UNIT}{_VAT}\s*$")
# "3 @ £5.04 EU5_12": quantity and unit price legible, the value after them not
QTY_THEN_NOISE = re.compile(
    rf"^(?P<head>.*?)\s*{_QTY}{_QUNIT}{_MUL}{_UNIT}(?![\d.,])(?P<rest>.*)$"
)
_TRAILING_VAT = re.compile(r"\s+(?P<vat>[A-G])$")
_LEADING_JUNK = re.compile(r"^[\W_]+|^\d{1,3}[.)]\s+(?=\D)")
_LETTERS = re.compile(r"[A-Za-zÀ-ž]")
UNREADABLE_NAME = "?"  # an item whose price was read but whose name line was not
# "2 Scharreleieren 10st  6,08" (quantity column before the name)
_LEADING_QTY = re.compile(r"^(?P<qty>\d{1,3})\s+(?=[A-Za-zÀ-ž])")


@dataclass
class ParsedLine:
    kind: str  # full | price_only | qty_only | amount_only | name | discount | skip
    name: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    price: Decimal | None = None
    vat: str | None = None


def strip_currency(line: str) -> str:
    return re.sub(r"\s{2,}", " ", _CURRENCY_TOKENS.sub(" ", line)).strip()


# amounts and operators never end a product name: "Kanapka 3 SZ0I 5 4,32" keeps "Kanapka 3 SZ0I"
_TRAILING_AMOUNTS = re.compile(r"(?:\s+(?:\d{1,6}[.,]\d{2}|[x×*=@]|\d{1,3}))*\s+\d{1,6}[.,]\d{2}$")
_ARTICLE_CODE = re.compile(r"\s\d{8,14}\b.*$")  # UPC/EAN and the flags printed after it


def _clean_name(head: str, *, strip_amounts: bool = True) -> tuple[str, str | None]:
    """Item name without the VAT letter some printers put before the quantity, without
    article codes and (unless told otherwise) without amounts left at its end."""
    head = _ARTICLE_CODE.sub("", head).strip(" =:-|")
    if strip_amounts:
        head = _TRAILING_AMOUNTS.sub("", head)
    vat = None
    match = _TRAILING_VAT.search(head)
    if match and len(head) > 3:
        vat = match["vat"]
        head = head[: match.start()]
    head = _LEADING_JUNK.sub("", head).strip(" =:-|")
    return head, vat


def _has_name(text: str) -> bool:
    return len(_LETTERS.findall(text)) >= 2


def classify(line: str) -> ParsedLine:
    """What one line of the item section is."""
    folded = fold(line)
    text = strip_currency(line)
    has_amount = bool(AMOUNT_RE.search(text))
    discount = DISCOUNT.search(folded)
    if SKIP_IN_ITEMS.search(folded) and not discount:
        return ParsedLine("skip")
    if not has_amount and dates_in_line(line, month_first=False):
        return ParsedLine("skip")
    if discount and not QTY_ONLY.match(text):
        value = _last_price(text) if has_amount else None
        full = FULL.match(text)
        priced_item = value is not None and value > 0 and full is not None and (
            full["qty"] is not None or discount.start() > 0
        )
        if not priced_item and (value is not None or len(_LETTERS.findall(text)) <= 20):
            # without a legible amount, the value printed after the discount tells it
            return ParsedLine("discount", name=line, price=abs(value) if value else None)
    qty_only = QTY_ONLY.match(text)
    if qty_only:
        name, _ = _clean_name(qty_only["head"])
        return ParsedLine(
            "qty_only", name if _has_name(name) else "",
            parse_quantity(qty_only["qty"]), parse_amount(qty_only["unit"]), None,
            qty_only["vat"] or (qty_only["flag"] or "").upper() or None,
        )
    full = FULL.match(text)
    noisy = QTY_THEN_NOISE.match(text)
    if noisy and not AMOUNT_RE.search(noisy["rest"]) and (full is None or not full["qty"]):
        name, _ = _clean_name(noisy["head"])
        return ParsedLine(
            "qty_only", name if _has_name(name) else "", parse_quantity(noisy["qty"]),
            parse_amount(noisy["unit"]), None, None,
        )
    if full:
        price = parse_amount(full["price"])
        if price is None:
            return ParsedLine("skip")
        name, name_vat = _clean_name(full["head"], strip_amounts=False)
        quantity = parse_quantity(full["qty"]) if full["qty"] else None
        unit = parse_amount(full["unit"]) if full["unit"] else None
        vat = full["vat"] or (full["flag"] or "").upper() or name_vat
        if price < 0:
            return ParsedLine("discount", name=line, price=-price)
        if quantity is None:
            name, quantity, unit = _implicit_quantity(name, price)
        name = _TRAILING_AMOUNTS.sub("", name)
        if _has_name(name):
            return ParsedLine("full", name, quantity, unit, price, vat)
        if quantity is not None:
            return ParsedLine("price_only", "", quantity, unit, price, vat)
        return ParsedLine("amount_only", price=price, vat=vat)
    if not has_amount and _has_name(text) and len(text) >= 3:
        return ParsedLine("name", name=_clean_name(text)[0])
    return ParsedLine("skip")


# "Mąka 1kg 1 3,65 3,65" (the x lost by OCR or never printed), "2 PAN 1,20 2,40"
_TRAILING_QTY_UNIT = re.compile(
    rf"^(?P<head>.*\S)\s+{_QTY}{_QUNIT}\s+(?P<unit>\d{{1,6}}[.,]\d{{2}})$"
)
_LEADING_QTY_TRAILING_UNIT = re.compile(
    r"^(?P<qty>\d{1,3})\s+(?P<head>\D.*?)\s+(?P<unit>\d{1,6}[.,]\d{2})$"
)


def _implicit_quantity(
    name: str, price: Decimal
) -> tuple[str, Decimal | None, Decimal | None]:
    """Quantity and unit price printed without a multiplication sign, accepted only when
    they multiply to the line's value."""
    for pattern in (_TRAILING_QTY_UNIT, _LEADING_QTY_TRAILING_UNIT):
        match = pattern.match(name)
        if not match:
            continue
        quantity, unit = parse_quantity(match["qty"]), parse_amount(match["unit"])
        if quantity and unit and abs(money(quantity * unit) - price) <= Decimal("0.01") and (
            _has_name(match["head"])
        ):
            return match["head"].strip(), quantity, unit
    return name, None, None


def _last_price(text: str) -> Decimal | None:
    matches = list(AMOUNT_RE.finditer(text))
    if not matches:
        return None
    return parse_amount(matches[-1].group(0))


_LOOSE_QTY = re.compile(
    r"^\s*(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)\s*(?:[^\s\d]{1,4}\s*)?(?P<unit>\d{1,6}[.,]\d{2})"
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


class _Assembler:
    """Feeds classified lines in order and keeps what a later line may complete."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.unparsed: list[str] = []
        self.repairs: list[str] = []
        self.orphans: list[Orphan] = []
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
        leading = _LEADING_QTY.match(previous.name)
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
        if self.pending_name is not None and self.pending_qty is None and parsed.price:
            # the item's own price line was illegible: "Rabat -1,12" then "6,35A" still
            # give its price (value after discount + discount)
            self.pending_discount = parsed.price
        elif self.items:
            self.items[-1].discount += parsed.price or Decimal("0")
            self.after_discount = True
        else:
            self.unparsed.append(line)

    def _on_qty_only(self, parsed: ParsedLine, line: str, index: int, after: bool) -> None:
        previous = self.items[-1] if self.items else None
        if (
            previous is not None and not parsed.name and self.pending_name is None
            and not previous.quantity_printed and parsed.quantity and parsed.unit_price
            and money(parsed.quantity * parsed.unit_price) == previous.price
        ):
            # REWE/Tesco style: "2 Stk x 1,29" printed under the item's price line
            previous.quantity = parsed.quantity
            previous.unit_price = parsed.unit_price
            previous.quantity_printed = True
            leading = _LEADING_QTY.match(previous.name)
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
        leading = _LEADING_QTY.match(name)
        if leading and leading["qty"] == "1" and parsed.quantity is None:
            name = name[leading.end():]
        self.items.append(
            _make_item(name, parsed.price, parsed.quantity, parsed.unit_price, parsed.vat, index)
        )


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
        note for note in (repair_item_line(item) for item in assembler.items) if note
    ]
    return ItemsResult(assembler.items, assembler.unparsed, repairs, assembler.orphans)


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
