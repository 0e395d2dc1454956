"""The receipt JSON the worker answers with (POST /parse-receipt, ``python -m ocr_worker``): the
worker's contract with backend-core, as a pydantic model.

The pipeline validates every result against ``ReceiptResult`` before answering, and the JSON
Schema of the model is checked in as ``ocr-worker/contract/receipt.schema.json`` (the core's
tests read that file; the core cannot import this package: the two are separate images).
``python -m ocr_worker.contract`` writes the file again after a change here; a test fails
while the checked-in file differs from the model.

Amounts are strings with exactly two decimals ("6.98"), never floats: the core books them as
Decimal.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "contract" / "receipt.schema.json"

Money = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["6.98"])]
Quantity = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", examples=["2", "0.360"])]
Confidence = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    # A field the model does not know is a contract change: add it here first.
    model_config = ConfigDict(extra="forbid")


class Item(_Strict):
    name: str
    quantity: Quantity | None
    unit_price: Money | None
    price: Money | None
    discount: Money | None = Field(description="the line costs price - discount")
    vat: str | None = Field(description="the VAT letter printed on the line (A, B, C...)")


class VatRate(_Strict):
    letter: str
    rate: Money | None = Field(description="percent, e.g. 23.00")
    tax: Money | None
    sales: Money | None


class Payment(_Strict):
    method: Literal["card", "cash", "mixed", "other"] | None
    paid: Money | None
    change: Money | None


class ReceiptResult(_Strict):
    """One receipt as read: every field may be null when it was not found."""

    model_config = ConfigDict(
        title="Receipt",
        json_schema_extra={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
        },
    )

    shop: str | None
    company: str | None
    nip: str | None = Field(description="the seller's tax number as printed")
    date: dt.date | None
    time: str | None = Field(pattern=r"^\d{2}:\d{2}(:\d{2})?$")
    receipt_number: str | None
    currency: str | None = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    items: list[Item]
    total: Money | None
    subtotal: Money | None
    amount_due: Money | None = Field(description="what was paid: the total plus deposits")
    deposits: Money | None
    vat: list[VatRate]
    payment: Payment
    checks: dict[str, bool | None] = Field(
        description="the receipt's own arithmetic: true holds, false fails, null not checkable"
    )
    confidence: Confidence
    field_confidence: dict[str, Confidence]
    warnings: list[str] = Field(description="doubts a person should review")
    ocr_confidence: Confidence = Field(description="mean OCR word confidence")
    reread: list[str] = Field(description="re-reads kept: date, items, engine:FIELDS")
    # only with ?debug=1 / --debug
    second_engine_lines: list[str] | None = None
    lines: list[str] | None = None
    preprocess: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON answer (debug fields only when they were given)."""
        return self.model_dump(mode="json", exclude_unset=True)


def json_schema() -> dict[str, Any]:
    return ReceiptResult.model_json_schema(mode="serialization")


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file (``--check``: exit 1 when the checked-in file is out of date)."""
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != schema_text():
            print(
                f"{SCHEMA_PATH} is out of date: run python -m ocr_worker.contract", file=sys.stderr
            )
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(exist_ok=True)
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(SCHEMA_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
