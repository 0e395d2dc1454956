"""The worker's answer is a contract with the core: the pydantic model, the checked-in JSON
Schema file the core's tests read, and what the pipeline answers agree."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient
from pydantic import ValidationError

from ocr_worker import contract
from ocr_worker.contract import ReceiptResult
from ocr_worker.parser import Receipt, parse_receipt

SIMPLE = [
    "Jeronimo Martins Polska S.A.",
    "NIP 779-10-11-327",
    "2026-11-20 14:35",
    "PARAGON FISKALNY",
    "Mleko UHT 3,2% 1L 2 x3,49 6,98 C",
    "SUMA PLN 6,98",
    "Karta 6,98",
]


def test_the_checked_in_schema_is_the_models() -> None:
    assert contract.SCHEMA_PATH.read_text(encoding="utf-8") == contract.schema_text(), (
        "ocr-worker/contract/receipt.schema.json is out of date: run python -m ocr_worker.contract"
    )
    assert contract.main(["--check"]) == 0


def _answer(lines: list[str]) -> dict[str, Any]:
    result = parse_receipt(lines).to_json()
    return {**result, "ocr_confidence": 0.91, "reread": ["date"]}


def test_a_parsed_receipt_is_a_valid_answer_unchanged(contract_schema) -> None:
    raw = _answer(SIMPLE)
    answer = ReceiptResult.model_validate(raw).to_json()
    assert answer == raw and list(answer) == list(raw)  # the wire format, key order included
    contract_schema.validate(answer)


def test_an_empty_receipt_is_a_valid_answer() -> None:
    raw = {**Receipt().to_json(), "ocr_confidence": 0.0, "reread": []}
    assert ReceiptResult.model_validate(raw).to_json() == raw


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("total",), 11.97),  # amounts are strings, never floats
        (("total",), "11.9"),
        (("date",), "20.11.2026"),
        (("currency",), "zł"),
        (("items", 0, "price"), 6.98),
        (("payment", "method"), "cheque"),
        (("confidence",), 1.5),
        (("surprise",), "a field the contract does not name"),
    ],
)
def test_the_model_and_the_schema_refuse_the_same_bad_answers(
    contract_schema, path: tuple[Any, ...], value: Any
) -> None:
    bad = copy.deepcopy(_answer(SIMPLE))
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        ReceiptResult.model_validate(bad)
    with pytest.raises(jsonschema.ValidationError):
        contract_schema.validate(json.loads(json.dumps(bad)))


def test_the_api_answers_by_the_contract(
    client: FlaskClient, simple_receipt_png: bytes, contract_schema
) -> None:
    image = simple_receipt_png
    response = client.post(
        "/parse-receipt?debug=1", data=image, content_type="application/octet-stream"
    )
    assert response.status_code == 200
    body = response.get_json()
    contract_schema.validate(body)
    assert {"lines", "preprocess"} <= set(body)
    plain = client.post("/parse-receipt", data=image, content_type="application/octet-stream")
    assert not {"lines", "preprocess", "second_engine_lines"} & set(plain.get_json())
