"""Shared API types: money as 2-decimal JSON strings, pages, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from app.data.category_keywords import CATEGORIES

T = TypeVar("T")


def _two_places(value: Decimal) -> str:
    return f"{value:.2f}"


def _three_places(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.3f}".rstrip("0")


Money = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2, examples=["6.98"]),
    PlainSerializer(_two_places, return_type=str, when_used="json"),
]
# Money that cannot be negative: prices, discounts, receipt totals.
Amount = Annotated[Money, Field(ge=0)]
Quantity = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=3, ge=0, examples=["0.456"]),
    PlainSerializer(_three_places, return_type=str, when_used="json"),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["PLN"])]

EARLIEST_DAY = dt.date(2000, 1, 1)
FUTURE_DAYS = 31  # how far after today a spending date may lie (clock and time zone slack)


def _plausible_day(value: dt.date) -> dt.date:
    latest = dt.date.today() + dt.timedelta(days=FUTURE_DAYS)
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DAY <= day <= latest:
        raise ValueError(
            f"date must be between {EARLIEST_DAY.isoformat()} and {latest.isoformat()}"
        )
    return value


# The day of a purchase: not before 2000 nor more than FUTURE_DAYS ahead.
SpendingDate = Annotated[dt.date, AfterValidator(_plausible_day)]
SpendingTime = Annotated[dt.datetime, AfterValidator(_plausible_day)]


def _known_category(value: str) -> str:
    if value not in CATEGORIES:
        raise ValueError(f"unknown category {value!r}; known: {', '.join(CATEGORIES)}")
    return value


# A category the app knows (app.data.category_keywords.CATEGORIES).
Category = Annotated[
    str,
    AfterValidator(_known_category),
    Field(examples=["dairy"], json_schema_extra={"enum": list(CATEGORIES)}),
]


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" from a JSON escape
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


# Free text stored in PostgreSQL (which refuses NUL characters and cannot store text that is not
# valid UTF-8). Every free-text field of the API (bodies and query filters) is of this type.
Text = Annotated[str, AfterValidator(_storable)]
MAX_INT4 = 2**31 - 1


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters", examples=[1])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class ErrorOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "receipt not found"}]})
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    404: {"model": ErrorOut, "description": "Not found"},
}
