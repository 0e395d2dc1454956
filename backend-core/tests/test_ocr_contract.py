"""The core reads the OCR worker's answer by the worker's contract: the JSON Schema the worker
generates from its model (ocr-worker/contract/receipt.schema.json). The core cannot import the
worker (separate images), so it has its own model, `OcrReceipt`; these tests prove that model
reads exactly the fields the schema names, with the same meaning, takes every answer the schema
allows, and that the core's own fixtures are answers the schema allows."""

from __future__ import annotations

import json
import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from app.services.ocr_result import OcrItem, OcrReceipt, parse_ocr_result

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "ocr-worker" / "contract" / "receipt.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return SCHEMA["$defs"][ref.rsplit("/", 1)[1]] if ref else node


def _not_null(node: dict[str, Any]) -> dict[str, Any]:
    """The schema of a nullable property without its null branch."""
    branches = [b for b in node.get("anyOf", [node]) if b.get("type") != "null"]
    assert len(branches) == 1, node
    return _resolve(branches[0])


# --- the core's fixtures are answers of the worker --------------------------------------------
def test_the_core_fixture_is_a_worker_answer(ocr_result: dict[str, Any]) -> None:
    VALIDATOR.validate(ocr_result)


# --- the fields agree -------------------------------------------------------------------------
MONEY = r"^-?\d+\.\d{2}$"


def _kind(node: dict[str, Any]) -> str:
    """What a schema property carries, in the core's terms."""
    node = _not_null(node)
    if node.get("format") == "date":
        return "date"
    if node.get("type") == "string" and node.get("pattern") == MONEY:
        return "money"
    if node.get("type") == "string" and re.fullmatch(node.get("pattern", "x"), "0.360"):
        return "quantity"
    if node.get("type") == "string" and re.fullmatch(node.get("pattern", "x"), "17:01"):
        return "time"
    return str(node.get("type"))


# The core's field -> the kind its before-validator reads.
RECEIPT_FIELDS = {
    "shop": "string",
    "company": "string",
    "nip": "string",
    "date": "date",
    "time": "time",
    "total": "money",
    "amount_due": "money",
    "currency": "string",
    "items": "array",
}
ITEM_FIELDS = {
    "name": "string",
    "quantity": "quantity",
    "unit_price": "money",
    "price": "money",
    "discount": "money",
    "vat": "string",
}


def test_the_core_reads_the_fields_the_schema_names_with_their_meaning() -> None:
    assert set(OcrReceipt.model_fields) == set(RECEIPT_FIELDS)
    assert set(OcrItem.model_fields) == set(ITEM_FIELDS)
    item_schema = _resolve(SCHEMA["properties"]["items"]["items"])
    for fields, schema in ((RECEIPT_FIELDS, SCHEMA), (ITEM_FIELDS, item_schema)):
        for name, kind in fields.items():
            assert name in schema["required"], f"the worker does not always send {name}"
            assert _kind(schema["properties"][name]) == kind, name


# --- every answer the schema allows is read, and read right ------------------------------------
ASCII = st.characters(min_codepoint=32, max_codepoint=126)


def _strategy(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of a JSON Schema node, for the constructs the worker's schema uses."""
    node = _resolve(node)
    if "anyOf" in node:
        return st.one_of([_strategy(branch) for branch in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("number", "integer"):
        low, high = node.get("minimum", -1e6), node.get("maximum", 1e6)
        if kind == "integer":
            return st.integers(int(low), int(high))
        return st.floats(low, high, allow_nan=False)
    if kind == "string":
        if node.get("format") == "date":
            return st.dates(date(1990, 1, 1), date(2100, 12, 31)).map(date.isoformat)
        if "pattern" in node:
            # JSON Schema's \\d is ASCII (ECMA-262), Python's any Unicode digit
            return st.from_regex(node["pattern"], fullmatch=True, alphabet=ASCII)
        return st.text(max_size=40)
    if kind == "array":
        return st.lists(_strategy(node["items"]), max_size=4)
    if kind == "object":
        fixed = {
            name: _strategy(prop)
            for name, prop in node.get("properties", {}).items()
            if name in node.get("required", [])
        }
        extra = node.get("additionalProperties", True)
        if fixed or extra is False:
            return st.fixed_dictionaries(fixed)
        values = _strategy(extra) if isinstance(extra, dict) else st.none()
        return st.dictionaries(st.text(max_size=12), values, max_size=4)
    raise AssertionError(f"the schema uses a construct this test cannot generate: {node}")


def _money(value: str | None) -> Decimal | None:
    """The amount as booked: beyond NUMERIC(12,2) is no amount a receipt shows (unknown)."""
    if value is None or abs(Decimal(value)) > Decimal("9999999999.99"):
        return None
    return Decimal(value)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_strategy(SCHEMA))
def test_every_answer_the_schema_allows_is_read_as_written(answer: dict[str, Any]) -> None:
    VALIDATOR.validate(answer)  # the generator makes only valid answers
    parsed = parse_ocr_result(answer, "Europe/Warsaw")
    assert parsed.total == _money(answer["total"])
    assert parsed.amount_due == _money(answer["amount_due"])
    assert parsed.purchase_date == (date.fromisoformat(answer["date"]) if answer["date"] else None)
    if answer["date"] and answer["time"]:
        clock = answer["time"]
        valid = (
            time.fromisoformat(clock)
            if int(clock[:2]) < 24
            and int(clock[3:5]) < 60
            and (len(clock) == 5 or int(clock[6:]) < 60)
            else None
        )
        assert (parsed.purchased_at.time() if parsed.purchased_at else None) == valid
    assert parsed.currency == (answer["currency"] or "PLN")
    named = [item for item in answer["items"] if " ".join(item["name"].split())]
    assert len(parsed.items) == len(named)
    for read, item in zip(parsed.items, named, strict=True):
        assert read.price == _money(item["price"])
        assert read.unit_price == _money(item["unit_price"])
        assert read.discount == _money(item["discount"])
