"""Transaction and summary API models."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.models.states import TransactionSource
from app.schemas.common import Category, Currency, Money, SpendingDate, SpendingTime, Text

_MANUAL_EXAMPLE: JsonDict = {
    "occurred_on": "2026-11-21", "amount": "120.00", "currency": "PLN", "shop": "Orlen",
    "category": "fuel", "description": "Tankowanie",
}


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_MANUAL_EXAMPLE]})
    occurred_on: SpendingDate = Field(description="Local date of the spending")
    occurred_at: SpendingTime | None = None
    amount: Money
    currency: Currency = "PLN"
    shop: Text | None = Field(None, max_length=200)
    category: Category | None = None
    description: Text | None = Field(None, max_length=1000)


class TransactionPatch(BaseModel):
    """Change a manual transaction; only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "119.50", "category": "fuel"}]}
    )
    occurred_on: SpendingDate | None = None
    occurred_at: SpendingTime | None = None
    amount: Money | None = None
    currency: Currency | None = None
    shop: Text | None = Field(None, max_length=200)
    category: Category | None = None
    description: Text | None = Field(None, max_length=1000)


class TransactionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_MANUAL_EXAMPLE, "id": "7d1c1a0e-9f7b-4a8c-8f0e-3b2d6a1c5e44",
                    "occurred_at": None, "source": TransactionSource.MANUAL.value,
                    "receipt_id": None,
                    "created_at": "2026-11-21T08:00:00+01:00",
                    "updated_at": "2026-11-21T08:00:00+01:00",
                }
            ]
        },
    )
    id: uuid.UUID
    occurred_on: date
    occurred_at: datetime | None
    amount: Money
    currency: str
    shop: str | None
    category: str | None
    description: str | None
    source: TransactionSource
    receipt_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class MonthSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11", "currency": "PLN", "total": "1534.20", "count": 23,
                    "receipts_total": "1414.20", "manual_total": "120.00",
                    "by_category": {"dairy": "210.40", "fuel": "120.00", "other": "33.10"},
                }
            ]
        }
    )
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    currency: str
    total: Money
    count: int
    receipts_total: Money
    manual_total: Money
    by_category: dict[str, Money] = Field(
        description="Receipt items by item category, manual transactions by their category; "
        "the part of a receipt not covered by item prices is under 'unitemized'"
    )


class MonthlySummaryOut(BaseModel):
    months: list[MonthSummary]
