"""Daily activity, one row per local date (filled by the health module). NULL = unknown.

Sources are merged per field (app.services.health.activity_store); `field_sources` says which
source gave each value."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, Numeric, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.states import HealthSource, sql_in


class Activity(Base):
    __tablename__ = "activity"
    __table_args__ = (CheckConstraint(sql_in("source", HealthSource), name="source_valid"),)

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
    # Active zone points (1 per fat-burn minute, 2 per cardio/peak minute): not minutes.
    heart_points: Mapped[int | None] = mapped_column(Integer)
    # The day's main source: the highest-precedence source among field_sources.
    source: Mapped[str | None] = mapped_column(Text)
    # field name -> source that gave its value (activity_store merges per field).
    field_sources: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
