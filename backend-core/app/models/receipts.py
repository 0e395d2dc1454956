"""Receipts, their parsed items, and the durable job queue that turns an upload into rows."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.states import ReceiptStatus, sql_in


class Receipt(Base):
    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint(sql_in("status", ReceiptStatus), name="status_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(Text, default=ReceiptStatus.PENDING, index=True)
    shop: Mapped[str | None] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(Text)
    nip: Mapped[str | None] = mapped_column(Text)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    purchased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    amount_due: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    raw_ocr: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    # No foreign key: the hold outlives a deletion of the other receipt; only a person's
    # correction (PATCH) lifts it.
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        doc="A booked receipt with the same shop, date and total: this one waits for a person",
    )
    corrected_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), doc="When the user last corrected shop, date or amounts"
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    items: Mapped[list[ReceiptItem]] = relationship(
        back_populates="receipt",
        order_by="ReceiptItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    job: Mapped[ReceiptJob | None] = relationship(back_populates="receipt", uselist=False)


class ReceiptJob(Base):
    """One queue entry per receipt. Claimed with FOR UPDATE SKIP LOCKED plus a lease."""

    __tablename__ = "receipt_jobs"
    __table_args__ = (
        CheckConstraint(sql_in("status", ReceiptStatus), name="status_valid"),
        Index("ix_receipt_jobs_ready", "status", "run_after"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    receipt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("receipts.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(Text, default=ReceiptStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)

    receipt: Mapped[Receipt] = relationship(back_populates="job")


class ReceiptItem(Base):
    __tablename__ = "receipt_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receipt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("receipts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    discount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    vat: Mapped[str | None] = mapped_column(String(1))
    category: Mapped[str] = mapped_column(Text, default="other", index=True)
    corrected_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), doc="When the user last corrected the item (kept by recategorize)"
    )

    receipt: Mapped[Receipt] = relationship(back_populates="items")

    @hybrid_property
    def spent(self) -> Decimal | None:
        """What the line cost: price minus its discount (None without a price). Grafana's
        v_item_purchases.spent is the same expression."""
        if self.price is None:
            return None
        return self.price - (self.discount or Decimal("0.00"))

    @spent.inplace.expression
    @classmethod
    def _spent_expression(cls) -> ColumnElement[Decimal | None]:
        return cls.price - func.coalesce(cls.discount, 0)
