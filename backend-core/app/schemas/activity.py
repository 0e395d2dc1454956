"""Daily activity API model (one row of the `activity` table)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    date: date
    steps: int | None
    distance_m: Decimal | None
    calories_kcal: Decimal | None
    active_minutes: int | None
    heart_minutes: int | None = Field(description="Minutes in a heart zone (never points)")
    heart_points: int | None = Field(
        description="Active zone points: 1 per fat-burn minute, 2 per cardio/peak minute"
    )
    avg_heart_rate: Decimal | None
    resting_heart_rate: Decimal | None
    weight_kg: Decimal | None
    sleep_minutes: int | None
    source: str | None = Field(description="The day's main source")
    field_sources: dict[str, str] = Field(description="Which source gave each field")
    updated_at: datetime
