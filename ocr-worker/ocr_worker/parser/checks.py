"""Consistency checks, total selection from independent evidence, and confidence."""

from __future__ import annotations

from decimal import Decimal

from ocr_worker.parser.items import Orphan
from ocr_worker.parser.model import Item, Receipt
from ocr_worker.parser.repair import (
    drop_impossible_items,
    line_matches,
    one_edit_variants,
    repair_items_against_total,
    repair_two_items_against_total,
    reprice_impossible_items,
    settle_single_quantity_lines,
)
from ocr_worker.parser.tax_ids import nip_is_valid

ZERO = Decimal("0")


def _evidence(receipt: Receipt, printed: list[Decimal] | None = None) -> list[tuple[str, Decimal]]:
    """Independent readings of the total other than the printed SUMA/TOTAL line (``printed``:
    amounts of other lines worded like a total, one vote however often they repeat)."""
    # the other total lines, the items and the tax table count before the rounding adjustment
    rounding = receipt.rounding
    evidence = [("printed", value + rounding) for value in set(printed or [])]
    if receipt.items and receipt.subtotal is None:
        evidence.append(("items", receipt.items_net_sum() - receipt.receipt_discount + rounding))
    sales = [rate.sales for rate in receipt.vat if rate.sales is not None]
    if sales and len(sales) == len(receipt.vat):
        evidence.append(("sales", sum(sales, ZERO) + rounding))
    if receipt.payment.paid is not None:
        paid = receipt.payment.paid - (receipt.payment.change or ZERO)
        evidence.append(("payment", paid - receipt.deposits))
    if receipt.amount_due is not None:
        evidence.append(("due", receipt.amount_due - receipt.deposits))
    return evidence


def _items_verified(receipt: Receipt) -> bool:
    return bool(receipt.items) and receipt.subtotal is None and all(
        line_matches(item) for item in receipt.items
    )


def _digit_readings(digits: str) -> list[Decimal]:
    """Amounts a separator-less total such as ``75735`` may stand for: 757.35 or 75.35."""
    readings = [Decimal(digits) / 100]
    if len(digits) >= 4:
        readings.append(Decimal(digits[:-3] + digits[-2:]) / 100)
    return readings


#: A total printed without decimals may exceed its subtotal by at most this share (taxes, fees).
_MAX_ADDED_TO_SUBTOTAL = Decimal("0.3")


def _whole_units_total(receipt: Receipt, digits: str) -> Decimal | None:
    """A total printed in whole units (``Total Invoice Value: 557``): read so only when a
    subtotal proves it — at least the subtotal, at most 30 % above it — and the cents reading
    (5.57) would be below the subtotal, which a total never is."""
    subtotal = receipt.subtotal
    whole = Decimal(digits)
    # within 30 % above a positive subtotal, the cents reading (whole / 100) is below it
    if subtotal is None or not 0 < subtotal <= whole <= subtotal * (1 + _MAX_ADDED_TO_SUBTOTAL):
        return None
    receipt.warnings.append(
        f"total read as {whole:.2f} from '{digits}' printed without decimals "
        f"(subtotal {subtotal})"
    )
    receipt.field_confidence["total"] = 0.5
    return whole.quantize(Decimal("0.01"))


def _fill_orphan(receipt: Receipt, orphans: list[Orphan], target: Decimal) -> str | None:
    """One item whose price line was illegible, everything else read: its price is what the
    total leaves over."""
    gap = target - receipt.items_net_sum()
    if len(orphans) != 1 or not Decimal("0") < gap < target:
        return None
    if any(line_matches(item) is False for item in receipt.items):
        return None  # another line is misread too: the gap is not this item's price
    orphan = orphans[0]
    receipt.items.insert(orphan.position, Item(
        name=orphan.name, price=gap, unit_price=gap, line_index=orphan.line_index,
        source="inferred",
    ))
    return f"item '{orphan.name}': price {gap} inferred from the total (price line illegible)"


def _fill_blank_discount(
    receipt: Receipt, blank: list[Item], target: Decimal
) -> str | None:
    """One discount line whose amount was illegible, everything else read: the discount is
    what the items exceed the total by."""
    excess = receipt.items_net_sum() - target
    if len(blank) != 1 or not any(i is blank[0] for i in receipt.items):
        return None
    item = blank[0]
    if not ZERO < excess < item.net or any(line_matches(i) is False for i in receipt.items):
        return None
    item.discount += excess
    return f"item '{item.name}': discount {excess} inferred from the total (amount illegible)"


def reconcile(
    receipt: Receipt, total_printed: Decimal | None, total_digits: str | None = None,
    orphans: list[Orphan] | None = None, blank_discounts: list[Item] | None = None,
    other_totals: list[Decimal] | None = None,
) -> None:
    """Repair the total, and one item against it, where arithmetic proves a misreading."""
    total = total_printed
    evidence = _evidence(receipt, [v for v in other_totals or [] if v != total])
    values = [value for _, value in evidence]
    if total is None and total_digits:
        readings = [v for v in _digit_readings(total_digits) if v in values]
        if len(readings) == 1:
            total = readings[0]
            receipt.warnings.append(
                f"total read as {total} from damaged '{total_digits}' (matches "
                + ", ".join(name for name, v in evidence if v == total) + ")"
            )
    if total is None and total_digits:
        total = _whole_units_total(receipt, total_digits)
    if total is None and receipt.subtotal is not None and receipt.payment.change is None \
            and {name for name, _ in evidence} == {"payment"} \
            and all(ZERO < receipt.subtotal <= value for value in values):
        # what was handed over, no change read: the subtotal is nearer what was to pay
        total = receipt.subtotal
        receipt.warnings.append("total not printed legibly; taken from the subtotal")
        receipt.field_confidence["total"] = 0.4
    if total is None:
        # Two independent sources agreeing is enough to state the total.
        for _, value in evidence:
            if values.count(value) >= 2 or len(values) == 1:
                total = value
                receipt.warnings.append("total not printed legibly; taken from " + ", ".join(
                    name for name, v in evidence if v == value))
                receipt.field_confidence["total"] = 0.6 if values.count(value) >= 2 else 0.3
                break
    if total is None and _items_verified(receipt):
        # every line proved itself (qty × unit = value): their sum is the best reading left
        total = receipt.items_net_sum()
        receipt.warnings.append("total not printed legibly; taken from verified item lines")
        receipt.field_confidence["total"] = 0.5
    if total is None:
        # what was to pay, or what was paid, is a single but direct reading of the total
        for name, value in evidence:
            if name in ("due", "payment") and value > 0:
                total = value
                receipt.warnings.append(f"total not printed legibly; taken from {name} alone")
                receipt.field_confidence["total"] = 0.4
                break
    elif total not in values and evidence:
        agreed = [v for v in set(values) if values.count(v) >= 2]
        if receipt.deposits:
            # due and payment both subtract the same deposit reading: one vote, not two
            agreed = [v for v in agreed
                      if {name for name, value in evidence if value == v} - {"due", "payment"}]
        items_sum = dict(evidence).get("items")
        if len(agreed) == 1 and agreed[0] in one_edit_variants(total):
            receipt.warnings.append(f"repaired total {total} read as {agreed[0]}")
            total = agreed[0]
        elif (
            items_sum is not None and items_sum in one_edit_variants(total)
            and not any(line_matches(item) is False for item in receipt.items)
        ):
            # "TOTAL £160.79" over items that add up to 10.79: one digit apart, no line in doubt
            receipt.warnings.append(f"repaired total {total} read as {items_sum} (sum of items)")
            total = items_sum
    receipt.total = total
    target = receipt.items_target()
    if target is not None:
        # a price computed from a misread quantity line cannot exceed the whole receipt
        receipt.items = [
            item for item in receipt.items if item.source != "computed" or item.price <= target
        ]
    if target is not None and receipt.items:
        receipt.warnings.extend(reprice_impossible_items(receipt, target))
        note = (
            _fill_orphan(receipt, orphans or [], target)
            or _fill_blank_discount(receipt, blank_discounts or [], target)
            or repair_items_against_total(receipt, target)
            or repair_two_items_against_total(receipt, target)
        )
        if note:
            receipt.warnings.append(f"repaired {note}")
            receipt.items_fitted = True
        receipt.warnings.extend(drop_impossible_items(receipt, target))
        if receipt.items_net_sum() == target:
            settle_single_quantity_lines(receipt)
    if receipt.amount_due is None and total is not None:
        receipt.amount_due = total + receipt.deposits


#: How much each field's confidence weighs in the receipt's.
CONFIDENCE_WEIGHTS = {"total": 0.35, "items": 0.3, "date": 0.15, "shop": 0.1, "currency": 0.1}


def confidence_of(field_confidence: dict[str, float]) -> float:
    """The receipt's confidence (0..1): its fields' confidences, weighed."""
    return sum(field_confidence.get(name, 0.0) * weight
               for name, weight in CONFIDENCE_WEIGHTS.items())


def run_checks(receipt: Receipt) -> None:
    checks: dict[str, bool | None] = {}
    total = receipt.total
    target = receipt.items_target()
    items_sum = receipt.items_net_sum()
    checks["items_sum_matches_total"] = (
        None if target is None or not receipt.items else items_sum == target
    )
    line_results = [line_matches(item) for item in receipt.items]
    known = [r for r in line_results if r is not None]
    checks["lines_consistent"] = all(known) if known else None
    sales = [rate.sales for rate in receipt.vat if rate.sales is not None]
    checks["vat_sales_match_total"] = (
        None if not sales or total is None else sum(sales, ZERO) == total
    )
    taxes = [rate.tax for rate in receipt.vat if rate.tax is not None]
    checks["vat_tax_sum_matches"] = (
        None if receipt.vat_total is None or not taxes else sum(taxes, ZERO) == receipt.vat_total
    )
    if receipt.amount_due is not None and total is not None and receipt.amount_due != total:
        checks["amount_due_matches_deposits"] = receipt.amount_due == total + receipt.deposits
    paid = receipt.payment.paid
    due = receipt.amount_due if receipt.amount_due is not None else total
    checks["payment_matches"] = (
        None if paid is None or due is None
        else paid - (receipt.payment.change or ZERO) == due
    )
    checks["nip_valid"] = None if receipt.nip is None else nip_is_valid(receipt.nip)
    receipt.checks = checks
    if checks["items_sum_matches_total"] is False:
        receipt.warnings.append(f"sum of items {items_sum} differs from total {target}")
    if checks["lines_consistent"] is False:
        bad = [
            item.name for item, ok in zip(receipt.items, line_results, strict=True) if ok is False
        ]
        receipt.warnings.append("quantity × unit price differs from price on: " + "; ".join(bad))
    if total is None:
        receipt.warnings.append("no total found")
    if receipt.date is None:
        receipt.warnings.append("no date found")
    if not receipt.items:
        receipt.warnings.append("no items found")
    _score(receipt)


def _score(receipt: Receipt) -> None:
    fc = receipt.field_confidence
    checks = receipt.checks
    if receipt.total is None:
        fc["total"] = 0.0
    elif "total" not in fc:
        # items changed to fit the total do not confirm it: they were made to agree
        agree = (checks.get("items_sum_matches_total") and not receipt.items_fitted) or \
            checks.get("payment_matches") or checks.get("vat_sales_match_total")
        fc["total"] = 1.0 if agree else 0.6
    if not receipt.items:
        fc["items"] = 0.0
    else:
        share_ok = sum(1 for item in receipt.items if line_matches(item) is not False) / len(
            receipt.items
        )
        fc["items"] = round((1.0 if checks.get("items_sum_matches_total") else 0.5) * share_ok, 2)
    fc.setdefault("date", 0.0)
    fc.setdefault("shop", 0.0)
    fc.setdefault("currency", 0.0)
    receipt.confidence = confidence_of(fc)
