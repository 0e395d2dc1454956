"""Daily activity, one row per local date (filled by the health module). NULL = unknown."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, Numeric, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Activity(Base):
    __tablename__ = "activity"

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    steps: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    calories_kcal: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    active_minutes: Mapped[int | None] = mapped_column(Integer)
    heart_minutes: Mapped[int | None] = mapped_column(Integer)
    avg_heart_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    resting_heart_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    sleep_minutes: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
