"""One line of the item section, classified: a full item line, a value line, a quantity
line, a name line, a discount, or noise. Regexes for every item-line shape live here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ocr_worker.parser.amounts import (
    AMOUNT_RE,
    label_amount,
    money,
    parse_amount,
    parse_quantity,
    strip_currency,
)
from ocr_worker.parser.dates import dates_in_line
from ocr_worker.parser.keywords import DISCOUNT, SKIP_IN_ITEMS
from ocr_worker.parser.text import fold

_QTY = r"(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)[.,]?"
_QUNIT = (
    r"(?:\s*(?P<qunit>[Ss][Zz][A-Za-z0-9.]{0,2}|sztuk|kg|KG|Kg|g|G|l|L|op\.?|OP\.?|opak\.?|st\.?|"
    r"St\.?|ST\.?|Stk\.?|STK\.?|stk\.?|pcs|PCS|ea|EA|lb|LB))?"
)
_MUL = r"\s*(?:[x×X*@]|AT(?:\s+1\s+FOR)?|at|je)\s*"
_UNIT = r"(?P<unit>\d{1,6}[.,]\d{2})(?:\s*/\s*(?:kg|KG|Kg|szt|SZT|l|L|st|St|Stk|STK|lb|LB|ea|EA))?"
_PRICE = r"(?P<price>-?\d{1,6}[.,]\d{2}-?)"
_VAT = r"(?:\s*(?P<vat>[A-Z])\)?|\s+(?P<flag>[a-z]))?(?:\s*[*#.,|!])?"

# between unit price and value: "=", or the damage OCR makes of it
_EQ = r"(?:\s*[=:;~.-]{1,3}\s*|\s+[a-z]\s+|\s*[mn]?\s+)?"
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
LEADING_QTY = re.compile(r"^(?P<qty>\d{1,3})\s+(?=[A-Za-zÀ-ž])")


@dataclass
class ParsedLine:
    kind: str  # full | price_only | qty_only | amount_only | name | discount | skip
    name: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    price: Decimal | None = None
    vat: str | None = None


# amounts and operators never end a product name: "Kanapka 3 SZ0I 5 4,32" keeps "Kanapka 3 SZ0I"
_TRAILING_AMOUNTS = re.compile(r"(?:\s+(?:\d{1,6}[.,]\d{2}|[x×*=@]|\d{1,3}))*\s+\d{1,6}[.,]\d{2}$")
_ARTICLE_CODE = re.compile(r"\s\d{8,14}\b.*$")  # UPC/EAN and the flags printed after it


def clean_name(head: str, *, strip_amounts: bool = True) -> tuple[str, str | None]:
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


def has_name(text: str) -> bool:
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
        value = _last_price(text) if has_amount else label_amount(text)
        full = FULL.match(text)
        priced_item = value is not None and value > 0 and full is not None and (
            full["qty"] is not None or discount.start() > 0
        )
        if not priced_item and (value is not None or len(_LETTERS.findall(text)) <= 20):
            # without a legible amount, the value printed after the discount tells it
            return ParsedLine("discount", name=line, price=abs(value) if value else None)
    qty_only = QTY_ONLY.match(text)
    if qty_only:
        name, _ = clean_name(qty_only["head"])
        return ParsedLine(
            "qty_only", name if has_name(name) else "",
            parse_quantity(qty_only["qty"]), parse_amount(qty_only["unit"]), None,
            qty_only["vat"] or (qty_only["flag"] or "").upper() or None,
        )
    full = FULL.match(text)
    noisy = QTY_THEN_NOISE.match(text)
    if noisy and not AMOUNT_RE.search(noisy["rest"]) and (full is None or not full["qty"]):
        name, _ = clean_name(noisy["head"])
        value = _unseparated_value(noisy)
        if value is not None:  # "3x4,17=1251C": the value 12,51 printed, its comma lost
            return ParsedLine(
                "full" if has_name(name) else "price_only", name if has_name(name) else "",
                parse_quantity(noisy["qty"]), parse_amount(noisy["unit"]), value,
                _vat_letter(noisy["rest"]),
            )
        return ParsedLine(
            "qty_only", name if has_name(name) else "", parse_quantity(noisy["qty"]),
            parse_amount(noisy["unit"]), None, None,
        )
    if full:
        price = parse_amount(full["price"])
        if price is None:
            return ParsedLine("skip")
        name, name_vat = clean_name(full["head"], strip_amounts=False)
        quantity = parse_quantity(full["qty"]) if full["qty"] else None
        unit = parse_amount(full["unit"]) if full["unit"] else None
        vat = full["vat"] or (full["flag"] or "").upper() or name_vat
        if price < 0:
            return ParsedLine("discount", name=line, price=-price)
        head_qty = _QTY_HEAD.match(name) if quantity is None else None
        if head_qty:  # "1 SZT * 16,968 = 16,90 C": a value line whose unit price is garbled
            return ParsedLine("price_only", "", parse_quantity(head_qty["qty"]), None, price, vat)
        if quantity is None:
            name, quantity, unit = _implicit_quantity(name, price)
        name = _TRAILING_AMOUNTS.sub("", name)
        if has_name(name):
            return ParsedLine("full", name, quantity, unit, price, vat)
        if quantity is not None:
            return ParsedLine("price_only", "", quantity, unit, price, vat)
        return ParsedLine("amount_only", price=price, vat=vat)
    if not has_amount and has_name(text) and len(text) >= 3:
        return ParsedLine("name", name=clean_name(text)[0])
    return ParsedLine("skip")


_QTY_HEAD = re.compile(r"^(?P<qty>\d{1,4}(?:[.,]\d{1,3})?)\s*(?:[A-Za-z]{1,4}\.?\s*)?[x×X*@]")
# "Mąka 1kg 1 3,65 3,65" (the x lost by OCR or never printed), "2 PAN 1,20 2,40"
_TRAILING_QTY_UNIT = re.compile(
    rf"^(?P<head>.*\S)\s+{_QTY}{_QUNIT}\s+(?P<unit>\d{{1,6}}[.,]\d{{2}})$"
)
LEADING_QTY_TRAILING_UNIT = re.compile(
    r"^(?P<qty>\d{1,3})\s+(?P<head>\D.*?)\s+(?P<unit>\d{1,6}[.,]\d{2})$"
)


def _implicit_quantity(
    name: str, price: Decimal
) -> tuple[str, Decimal | None, Decimal | None]:
    """Quantity and unit price printed without a multiplication sign, accepted only when
    they multiply to the line's value."""
    for pattern in (_TRAILING_QTY_UNIT, LEADING_QTY_TRAILING_UNIT):
        match = pattern.match(name)
        if not match:
            continue
        quantity, unit = parse_quantity(match["qty"]), parse_amount(match["unit"])
        if quantity and unit and abs(money(quantity * unit) - price) <= Decimal("0.01") and (
            has_name(match["head"])
        ):
            return match["head"].strip(), quantity, unit
    return name, None, None


_BARE_DIGITS = re.compile(r"^\s*[=:;~.-]?\s*(?P<digits>\d{3,8})\s*(?P<vat>[A-G])?\W*$")


def _unseparated_value(noisy: re.Match[str]) -> Decimal | None:
    """The digits after ``qty x unit`` when they are exactly qty × unit without its comma."""
    bare = _BARE_DIGITS.match(noisy["rest"])
    quantity, unit = parse_quantity(noisy["qty"]), parse_amount(noisy["unit"])
    if not bare or quantity is None or unit is None:
        return None
    expected = money(quantity * unit)
    return expected if f"{expected:.2f}".replace(".", "") == bare["digits"] else None


def _vat_letter(rest: str) -> str | None:
    bare = _BARE_DIGITS.match(rest)
    return bare["vat"] if bare else None


def _last_price(text: str) -> Decimal | None:
    matches = list(AMOUNT_RE.finditer(text))
    if not matches:
        return None
    return parse_amount(matches[-1].group(0))
