"""What the OCR parser doubted about a receipt (its warnings, failed checks, confidence), read
from the stored raw result, and whether a person should check the receipt."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, cast, false, func, literal, or_
from sqlalchemy.dialects.postgresql import JSONPATH

from app.models import Receipt
from app.models.states import ReceiptStatus

_MAX_WARNINGS = 50


@dataclass(frozen=True)
class Review:
    warnings: list[str] = field(default_factory=list)
    checks: dict[str, bool | None] = field(default_factory=dict)
    confidence: float | None = None

    @property
    def needs_review(self) -> bool:
        return bool(self.warnings) or any(ok is False for ok in self.checks.values())


def review_of(raw: Any) -> Review:
    """The parser's doubts from `receipts.raw_ocr`; malformed parts are left out (the OCR
    output is untrusted)."""
    if not isinstance(raw, dict):
        return Review()
    warnings = raw.get("warnings")
    checks = raw.get("checks")
    confidence = raw.get("confidence")
    return Review(
        warnings=[w for w in warnings if isinstance(w, str)][:_MAX_WARNINGS]
        if isinstance(warnings, list) else [],
        checks={
            str(name): ok for name, ok in checks.items() if ok is None or isinstance(ok, bool)
        } if isinstance(checks, dict) else {},
        confidence=float(confidence)
        if isinstance(confidence, int | float) and not isinstance(confidence, bool)
        and math.isfinite(confidence) else None,
    )


def booking_problems(receipt: Receipt) -> list[str]:
    """What the core could not book from a receipt's OCR result, for a person to fix: without
    a total it is not booked at all; without a date it is booked on the upload day; read with
    the same shop, date and total as a booked receipt it is not booked until a person confirms
    it. A receipt entered by hand (no OCR result) always has date and total."""
    if receipt.status != ReceiptStatus.DONE or receipt.raw_ocr is None:
        return []
    problems = []
    if receipt.duplicate_of is not None:
        problems.append(
            f"possible duplicate of receipt {receipt.duplicate_of} (same shop, date and total): "
            "not booked as spending until a correction confirms it; delete it if it is the same "
            "purchase"
        )
    if receipt.total is None and receipt.amount_due is None:
        problems.append("no total was read: the receipt is not booked as spending until its "
                        "total or amount due is entered")
    if receipt.purchase_date is None:
        problems.append("no date was read: the receipt is booked on the day it was uploaded "
                        "until its date is entered")
    return problems


def booking_problems_clause() -> ColumnElement[bool]:
    """SQL twin of `bool(booking_problems(receipt))` (for list filters)."""
    return and_(
        Receipt.status == ReceiptStatus.DONE,
        Receipt.raw_ocr.is_not(None),
        or_(and_(Receipt.total.is_(None), Receipt.amount_due.is_(None)),
            Receipt.purchase_date.is_(None), Receipt.duplicate_of.is_not(None)),
    )


def needs_review(receipt: Receipt) -> bool:
    """A person should check the receipt: the parser doubted it and nobody has corrected it
    since (a correction is the person's review), or the core could not book all of it (until
    the missing total or date is entered)."""
    return bool(booking_problems(receipt)) or (
        receipt.corrected_at is None and review_of(receipt.raw_ocr).needs_review
    )


def needs_review_clause(wanted: bool) -> ColumnElement[bool]:
    """SQL twin of `needs_review` over receipts.raw_ocr and corrected_at (for list filters)."""
    has_warning = Receipt.raw_ocr.op("@?")(_path('$.warnings[*] ? (@.type() == "string")'))
    failed_check = Receipt.raw_ocr.op("@?")(_path("$.checks.* ? (@ == false)"))
    doubted = and_(Receipt.corrected_at.is_(None),
                   func.coalesce(or_(has_warning, failed_check), false()))
    flagged = or_(doubted, booking_problems_clause())
    return flagged if wanted else ~flagged


def _path(path: str) -> ColumnElement[Any]:
    return cast(literal(path), JSONPATH)
