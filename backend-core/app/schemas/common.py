"""Shared API types: money as 2-decimal JSON strings, pages, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

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
Quantity = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=3, ge=0, examples=["0.456"]),
    PlainSerializer(_three_places, return_type=str, when_used="json"),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["PLN"])]


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
