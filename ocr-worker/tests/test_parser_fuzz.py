"""The parser never fails and always answers in the contract's shape, whatever the OCR text."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr_worker.contract import ReceiptResult
from ocr_worker.parser import parse_receipt

MONEY = re.compile(r"^-?\d+\.\d{2}$")
RECEIPT_ALPHABET = "0123456789,.-*x=:%/ ABCDEFGHIJKLMNOPRSTUWXYZabcdefghijklmnoprstuwyzŁŻŚĄĘ©€£$|"


def _assert_shape(result: dict[str, object]) -> None:
    json.dumps(result)  # JSON-serialisable, no Decimal or date objects left
    for key in ("total", "amount_due", "subtotal"):
        value = result[key]
        assert value is None or MONEY.match(str(value)), (key, value)
    for item in result["items"]:  # type: ignore[attr-defined]
        for key in ("price", "unit_price", "discount"):
            assert MONEY.match(item[key]), (key, item)
        assert re.match(r"^\d+(\.\d{1,3})?$", item["quantity"]), item
    assert 0 <= float(result["confidence"]) <= 1  # type: ignore[arg-type]
    # and what the pipeline answers with it is within the contract (ocr_worker.contract)
    ReceiptResult.model_validate({**result, "ocr_confidence": 0.0, "reread": []})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=RECEIPT_ALPHABET, max_size=60), max_size=40))
def test_random_text_never_breaks_the_parser(lines: list[str]) -> None:
    _assert_shape(parse_receipt(lines).to_json())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=10_000))
def test_randomly_damaged_real_receipts(
    receipt_text: Callable[[str], list[str]], seed: int
) -> None:
    rng = random.Random(seed)
    name = rng.choice(["biedronka", "lidl", "kaufland", "zabka", "tesco_uk", "rewe_de"])
    lines = receipt_text(name)
    damaged = []
    for line in lines:
        chars = list(line)
        for _ in range(rng.randint(0, 3)):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice("0OlI1|,. 8BSZ5©€-")
        if rng.random() > 0.05:  # a few lines lost entirely
            damaged.append("".join(chars))
    result = parse_receipt(damaged).to_json()
    _assert_shape(result)
    # damage may cost fields, but never yields more items than lines printed on the slip
    assert len(result["items"]) <= len(lines)
