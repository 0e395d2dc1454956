"""Receipt API models."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.models.states import ReceiptStatus
from app.schemas.common import (
    Amount,
    Category,
    Currency,
    Money,
    Quantity,
    SpendingDate,
    Text,
)

_ITEM_EXAMPLE: JsonDict = {
    "id": 17, "position": 1, "name": "MLEKO 3,2% 1L", "quantity": "2", "unit_price": "3.49",
    "price": "6.98", "discount": None, "vat": "C", "category": "dairy", "corrected_at": None,
}


class ReceiptAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6f3c1e-4a52-4b8e-9d6b-2f9b1c9e7a10",
                    "status": ReceiptStatus.PENDING.value,
                    "duplicate": False,
                }
            ]
        }
    )
    id: uuid.UUID
    status: ReceiptStatus
    duplicate: bool = Field(False, description="True when the same bytes were uploaded before")


class ReceiptItemOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [_ITEM_EXAMPLE]
        },
    )
    id: int
    position: int
    name: str
    quantity: Quantity | None
    unit_price: Money | None
    price: Money | None
    discount: Money | None
    vat: str | None
    category: str
    corrected_at: dt.datetime | None = Field(
        None, description="When the user last corrected the item; recategorizing keeps it"
    )


class ReceiptPatch(BaseModel):
    """Correct what OCR read from a done receipt; its transaction follows. Only the fields sent
    are changed (a forced reprocess refuses to replace them unless told to discard them).
    On a failed receipt: enter it by hand (date and total or amount_due required)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"shop": "Biedronka", "date": "2026-11-20",
                                         "total": "36.47", "amount_due": "36.47"}]},
    )
    shop: Text | None = Field(None, max_length=300)
    date: SpendingDate | None = None
    total: Amount | None = None
    amount_due: Amount | None = None
    currency: Currency | None = None


class ReceiptItemPatch(BaseModel):
    """Correct a parsed item; only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Mleko 3,2% 1L", "price": "6.98", "category": "dairy"}]
        },
    )
    name: Text | None = Field(None, min_length=1, max_length=300)
    quantity: Quantity | None = None
    unit_price: Amount | None = None
    price: Amount | None = None
    discount: Amount | None = Field(None, description="Not more than the price")
    vat: str | None = Field(None, pattern=r"^[A-Za-z]$")
    category: Category | None = None


_SUMMARY_EXAMPLE: JsonDict = {
    "id": "0b6f3c1e-4a52-4b8e-9d6b-2f9b1c9e7a10", "status": ReceiptStatus.DONE.value,
    "filename": "biedronka.jpg",
    "shop": "BIEDRONKA", "date": "2026-11-20", "total": "36.47", "currency": "PLN",
    "error": None, "created_at": "2026-11-20T17:02:11+01:00", "needs_review": True,
}


class ReceiptSummaryOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_SUMMARY_EXAMPLE]}
    )
    id: uuid.UUID
    status: ReceiptStatus
    filename: str | None
    shop: str | None
    date: dt.date | None = Field(validation_alias=AliasChoices("purchase_date", "date"))
    total: Money | None
    currency: str | None
    error: str | None
    created_at: dt.datetime
    needs_review: bool = Field(
        False, description="True when the parser's checks failed or it left warnings, or no "
        "total or date was read (booking_problems): compare the receipt with its image"
    )


class ReceiptOut(ReceiptSummaryOut):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_SUMMARY_EXAMPLE,
                    "content_type": "image/jpeg",
                    "company": "Jeronimo Martins Polska S.A.", "nip": "7791011327",
                    "purchased_at": "2026-11-20T17:01:00+01:00", "amount_due": "36.47",
                    "items": [_ITEM_EXAMPLE],
                    "last_error": None, "attempts": 1, "max_attempts": 5,
                    "transaction_id": "7d1c1a0e-9f7b-4a8c-8f0e-3b2d6a1c5e44",
                    "image_url": "/api/v1/receipts/0b6f3c1e-4a52-4b8e-9d6b-2f9b1c9e7a10/image",
                    "updated_at": "2026-11-20T17:02:14+01:00", "corrected_at": None,
                    "entered_manually": False,
                    "warnings": ["sum of items 35.47 differs from total 36.47"],
                    "booking_problems": [], "possible_duplicate_of": None,
                    "checks": {"items_sum_matches_total": False, "lines_consistent": True,
                               "payment_matches": None},
                    "confidence": 0.82,
                }
            ]
        },
    )
    content_type: str
    company: str | None
    nip: str | None
    purchased_at: dt.datetime | None
    amount_due: Money | None
    items: list[ReceiptItemOut]
    last_error: str | None = Field(None, description="Latest error of the job, also while retrying")
    attempts: int = 0
    max_attempts: int = 0
    transaction_id: uuid.UUID | None = None
    image_url: str
    updated_at: dt.datetime
    corrected_at: dt.datetime | None = Field(
        None, description="When the user last corrected shop, date or amounts"
    )
    entered_manually: bool = Field(
        False, description="True when OCR failed and the user entered the receipt by hand"
    )
    warnings: list[str] = Field(
        default_factory=list, description="What the OCR parser doubted, in its words"
    )
    booking_problems: list[str] = Field(
        default_factory=list,
        description="What could not be booked from the OCR result until a correction supplies "
        "it: no total (the receipt is not booked as spending), no date (booked on the upload "
        "day), a possible duplicate of a booked receipt (not booked until a correction "
        "confirms it). Each one keeps needs_review true.",
    )
    possible_duplicate_of: uuid.UUID | None = Field(
        None,
        description="The booked receipt with the same shop, date and total; this one is "
        "not booked until a correction (PATCH, even an empty one) confirms it",
    )
    checks: dict[str, bool | None] = Field(
        default_factory=dict,
        description="The parser's consistency checks: true passed, false failed, null could "
        "not be checked (e.g. items_sum_matches_total, lines_consistent, payment_matches)",
        examples=[{"items_sum_matches_total": False, "lines_consistent": True}],
    )
    confidence: float | None = Field(
        None, description="The parser's confidence in the result, 0..1",
        examples=[0.82],
    )

