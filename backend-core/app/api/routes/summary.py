"""Monthly spending summary."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select

from app.api.deps import SessionDep
from app.models import ReceiptItem, Transaction
from app.models.states import TransactionSource
from app.schemas.common import ERROR_RESPONSES
from app.schemas.transactions import MonthlySummaryOut, MonthSummary

router = APIRouter(prefix="/summary", tags=["summary"], responses=ERROR_RESPONSES)
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
_ZERO = Decimal("0.00")


def _month_bounds(month: str) -> tuple[date, date]:
    """'2026-02' → (2026-02-01, 2026-02-28); 422 for year 0000."""
    year, number = int(month[:4]), int(month[5:7])
    if year < 1:
        raise HTTPException(422, f"{month} is not a valid month")
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


@router.get("/monthly", response_model=MonthlySummaryOut, summary="Spending per month")
def monthly_summary(
    session: SessionDep,
    from_month: Annotated[
        str | None, Query(alias="from", pattern=_MONTH, examples=["2026-01"])
    ] = None,
    to_month: Annotated[str | None, Query(alias="to", pattern=_MONTH, examples=["2026-12"])] = None,
) -> MonthlySummaryOut:
    if from_month and to_month and from_month > to_month:
        raise HTTPException(422, "from is after to")
    month = func.to_char(Transaction.occurred_on, "YYYY-MM")
    where = []
    if from_month:
        where.append(Transaction.occurred_on >= _month_bounds(from_month)[0])
    if to_month:
        where.append(Transaction.occurred_on <= _month_bounds(to_month)[1])

    totals = session.execute(
        select(
            month, Transaction.currency, Transaction.source, func.count(),
            func.sum(Transaction.amount),
        )
        .where(*where).group_by(month, Transaction.currency, Transaction.source)
    ).all()
    category = func.coalesce(Transaction.category, "other")
    manual_categories = session.execute(
        select(month, Transaction.currency, category, func.sum(Transaction.amount))
        .where(*where, Transaction.source == TransactionSource.MANUAL)
        .group_by(month, Transaction.currency, category)
    ).all()
    item_categories = session.execute(
        select(month, Transaction.currency, ReceiptItem.category, func.sum(ReceiptItem.spent))
        .join(ReceiptItem, ReceiptItem.receipt_id == Transaction.receipt_id)
        .where(*where, Transaction.source == TransactionSource.RECEIPT,
               ReceiptItem.price.is_not(None))
        .group_by(month, Transaction.currency, ReceiptItem.category)
    ).all()

    out: dict[tuple[str, str], _Month] = defaultdict(_Month)
    for key_month, currency, source, count, amount in totals:
        entry = out[(key_month, currency)]
        entry.count += count
        entry.by_source[source] += amount or _ZERO
    for key_month, currency, category, amount in manual_categories:
        out[(key_month, currency)].categories[category] += amount or _ZERO
    for key_month, currency, category, amount in item_categories:
        entry = out[(key_month, currency)]
        entry.categories[category] += amount or _ZERO
        entry.itemized += amount or _ZERO
    return MonthlySummaryOut(
        months=[entry.summary(m, cur) for (m, cur), entry in sorted(out.items())]
    )


class _Month:
    def __init__(self) -> None:
        self.count = 0
        self.by_source: defaultdict[str, Decimal] = defaultdict(lambda: _ZERO)
        self.categories: defaultdict[str, Decimal] = defaultdict(lambda: _ZERO)
        self.itemized = _ZERO

    def summary(self, month: str, currency: str) -> MonthSummary:
        receipts = self.by_source[TransactionSource.RECEIPT]
        manual = self.by_source[TransactionSource.MANUAL]
        categories = dict(self.categories)
        rest = receipts - self.itemized
        if rest != 0:
            categories["unitemized"] = categories.get("unitemized", _ZERO) + rest
        return MonthSummary(
            month=month,
            currency=currency,
            total=receipts + manual,
            count=self.count,
            receipts_total=receipts,
            manual_total=manual,
            by_category=dict(sorted(categories.items())),
        )
