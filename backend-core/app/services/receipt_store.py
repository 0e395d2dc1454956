"""Write a parsed receipt into receipts, receipt_items and its one `transactions` row."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from app.models import Receipt, ReceiptItem, Transaction
from app.models.states import ReceiptStatus, TransactionSource
from app.services import job_queue
from app.services.categorize import Categorizer
from app.services.ocr_result import ParsedReceipt
from app.services.receipt_duplicates import booked_twin


class NothingToBook(ValueError):
    """The OCR result holds no amount at all: nothing can be booked as spending."""



class NotFailedAnyMore(RuntimeError):
    """A receipt to complete by hand left the failed state meanwhile (it was retried)."""


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def main_category(items: list[ReceiptItem]) -> str | None:
    """The category with the most money spent on the receipt (None without items)."""
    totals: dict[str, Any] = {}
    for item in items:
        if item.spent is not None:
            totals[item.category] = totals.get(item.category, 0) + item.spent
    return max(totals, key=lambda c: (totals[c], c)) if totals else None


def refresh_main_category(session: Session, receipt_id: uuid.UUID) -> None:
    """Set the receipt's transaction category from its items again (after items changed)."""
    transaction = session.scalars(
        select(Transaction).where(Transaction.receipt_id == receipt_id)
    ).one_or_none()
    if transaction is not None:
        items = session.scalars(
            select(ReceiptItem).where(ReceiptItem.receipt_id == receipt_id)
        ).all()
        transaction.category = main_category(list(items))


def correct_receipt(
    session: Session, receipt: Receipt, changes: dict[str, Any], tz: str
) -> Transaction | None:
    """Apply a user's correction (shop, date, total, amount_due, currency) to a done receipt
    and keep its transaction in step. The correction is the person's review: a receipt held
    as a possible duplicate is booked by it (even by an empty one)."""
    receipt.corrected_at = func.now()
    receipt.duplicate_of = None
    if "shop" in changes:
        receipt.shop = changes["shop"]
    if changes.get("currency"):
        receipt.currency = changes["currency"]
    for field in ("total", "amount_due"):
        if field in changes:
            setattr(receipt, field, changes[field])
    if changes.get("date") is not None and changes["date"] != receipt.purchase_date:
        receipt.purchase_date = changes["date"]
        if receipt.purchased_at is not None:  # keep the printed time of day
            local = receipt.purchased_at.astimezone(ZoneInfo(tz))
            receipt.purchased_at = datetime.combine(
                changes["date"], local.timetz().replace(tzinfo=None), tzinfo=ZoneInfo(tz)
            )
    transaction = session.scalars(
        select(Transaction).where(Transaction.receipt_id == receipt.id)
    ).one_or_none()
    amount = receipt.amount_due if receipt.amount_due is not None else receipt.total
    if transaction is None and amount is not None and receipt.raw_ocr is not None:
        # OCR read no total (or the receipt was held as a possible duplicate), so it was not
        # booked: the person's correction books it now
        transaction = _book(session, receipt, amount, tz)
    if transaction is not None:
        transaction.shop = receipt.shop
        transaction.currency = receipt.currency or transaction.currency
        if amount is not None:
            transaction.amount = amount
        if receipt.purchase_date is not None:
            transaction.occurred_on = receipt.purchase_date
            transaction.occurred_at = receipt.purchased_at
    session.flush()
    return transaction


def corrected_receipts(session: Session, receipt_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Those of the receipts the user corrected (the receipt or any of its items)."""
    if not receipt_ids:
        return []
    item_corrected = exists().where(
        ReceiptItem.receipt_id == Receipt.id, ReceiptItem.corrected_at.is_not(None)
    )
    return list(session.scalars(
        select(Receipt.id).where(
            Receipt.id.in_(receipt_ids), or_(Receipt.corrected_at.is_not(None), item_corrected)
        )
    ))


def complete_by_hand(
    session: Session, receipt: Receipt, changes: dict[str, Any], tz: str
) -> Transaction:
    """Book a receipt whose OCR failed from what the user read off it (date and total or amount
    due; shop, currency optional): it becomes done, without items, with its transaction.
    A receipt entered by hand is one that is done without an OCR result (raw_ocr NULL)."""
    if changes.get("date") is None or (
        changes.get("total") is None and changes.get("amount_due") is None
    ):
        raise ValueError("a failed receipt is completed by hand with its date and total")
    if not job_queue.settle_failed_by_hand(session, receipt.id):
        raise NotFailedAnyMore(f"receipt {receipt.id} is not failed any more")
    receipt.status = ReceiptStatus.DONE
    receipt.error = None
    receipt.raw_ocr = None
    receipt.purchased_at = None
    receipt.total = receipt.amount_due = None  # only what the user entered counts
    receipt.currency = receipt.currency or "PLN"
    shop = changes.get("shop")
    # A receipt done before and failed on a forced reprocess still has its transaction.
    transaction = session.scalars(
        select(Transaction).where(Transaction.receipt_id == receipt.id)
    ).one_or_none()
    if transaction is None:
        transaction = Transaction(
            receipt_id=receipt.id, source=TransactionSource.RECEIPT, amount=Decimal(0)
        )
        session.add(transaction)
    transaction.occurred_on = changes["date"]
    transaction.currency = changes.get("currency") or receipt.currency
    transaction.description = f"Receipt{' from ' + shop if shop else ''} (entered by hand)"
    session.flush()
    correct_receipt(session, receipt, changes, tz)
    return transaction


def store_parsed(
    session: Session,
    receipt_id: uuid.UUID,
    parsed: ParsedReceipt,
    raw: dict[str, Any],
    categorizer: Categorizer,
    tz: str,
) -> Transaction | None:
    """Replace the receipt's parsed data (idempotent: a re-run updates the same rows) and book
    its transaction; None (and no transaction) when no total was read, or when another receipt
    is booked with the same shop, date and total (`booking_problems` says which)."""
    if not parsed.shows_money:
        raise NothingToBook("no total, amount due or item prices were found on the receipt")
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise LookupError(f"receipt {receipt_id} vanished")
    receipt.shop = parsed.shop
    receipt.company = parsed.company
    receipt.nip = parsed.nip
    receipt.purchase_date = parsed.purchase_date
    receipt.purchased_at = parsed.purchased_at
    receipt.total = parsed.total
    receipt.amount_due = parsed.amount_due
    receipt.currency = parsed.currency
    receipt.raw_ocr = raw
    receipt.corrected_at = None
    receipt.duplicate_of = booked_twin(
        session, receipt_id, parsed.shop, parsed.purchase_date, parsed.spent
    )

    session.execute(delete(ReceiptItem).where(ReceiptItem.receipt_id == receipt_id))
    items = [
        ReceiptItem(
            receipt_id=receipt_id,
            position=item.position,
            name=item.name,
            quantity=item.quantity,
            unit_price=item.unit_price,
            price=item.price,
            discount=item.discount,
            vat=item.vat,
            category=categorizer.categorize(item.name),
        )
        for item in parsed.items
    ]
    session.add_all(items)

    session.flush()
    transaction = session.scalars(
        select(Transaction).where(Transaction.receipt_id == receipt_id)
    ).one_or_none()
    # Without a total, not the item sum: a person enters the total (correct_receipt); a
    # possible duplicate waits for a person's confirmation the same way.
    if parsed.spent is None or receipt.duplicate_of is not None:
        if transaction is not None:
            session.delete(transaction)
        session.flush()
        return None
    return _book(session, receipt, parsed.spent, tz, transaction)


def _book(
    session: Session, receipt: Receipt, amount: Decimal, tz: str,
    transaction: Transaction | None = None,
) -> Transaction:
    """The receipt's one transaction (``transaction`` updated, else a new one): on its printed
    date (and time, when it was read), else at the moment of the upload (`booking_problems`
    says so)."""
    items = session.scalars(
        select(ReceiptItem).where(ReceiptItem.receipt_id == receipt.id)
    ).all()
    if transaction is None:
        transaction = Transaction(receipt_id=receipt.id, source=TransactionSource.RECEIPT)
        session.add(transaction)
    if receipt.purchase_date is not None:
        transaction.occurred_on = receipt.purchase_date
        transaction.occurred_at = receipt.purchased_at
    else:
        transaction.occurred_on = local_date(receipt.created_at, tz)
        transaction.occurred_at = receipt.created_at
    transaction.amount = amount
    transaction.currency = receipt.currency or "PLN"
    transaction.shop = receipt.shop
    transaction.category = main_category(list(items))
    transaction.description = f"Receipt{' from ' + receipt.shop if receipt.shop else ''}"
    session.flush()
    return transaction
