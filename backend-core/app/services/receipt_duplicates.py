"""Two files of one purchase (a photo and a PDF, two photos) have different bytes: a receipt
read with the same shop, date and total as one already booked is held for a person instead of
being booked a second time (`Receipt.duplicate_of`, reported in `booking_problems`)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.locks import RECEIPT_BOOKING_LOCK, lock_key
from app.models import Transaction
from app.models.states import TransactionSource


def booked_twin(
    session: Session,
    receipt_id: uuid.UUID,
    shop: str | None,
    day: date | None,
    amount: Decimal | None,
) -> uuid.UUID | None:
    """The earliest other receipt booked with this shop (case aside), day and amount; None when
    one of the three was not read (too little to call two receipts one purchase).

    Holds a transaction-level advisory lock until the caller commits, so that two copies
    processed at the same moment cannot both miss each other and both be booked."""
    if shop is None or day is None or amount is None:
        return None
    session.execute(select(func.pg_advisory_xact_lock(lock_key(RECEIPT_BOOKING_LOCK))))
    return session.scalars(
        select(Transaction.receipt_id)
        .where(
            Transaction.source == TransactionSource.RECEIPT,
            Transaction.receipt_id.is_not(None),
            Transaction.receipt_id != receipt_id,
            Transaction.occurred_on == day,
            Transaction.amount == amount,
            func.lower(Transaction.shop) == shop.lower(),
        )
        .order_by(Transaction.created_at, Transaction.id)
        .limit(1)
    ).first()
