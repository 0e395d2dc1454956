"""The parser over the printed text of generated receipts of every layout (no OCR): the
text-level ceiling of the benchmark, which must be read exactly."""

from __future__ import annotations

import random

import pytest

from ocr_worker.parser import parse_receipt
from receipt_synth.layouts import LAYOUTS, PrintLine, make_receipt


def _as_text(lines: list[PrintLine], width: int = 40) -> list[str]:
    text = []
    for line in lines:
        if line.rule:
            text.append(line.rule * width)
        else:
            text.append(f"{line.left}  {line.right}".strip())
    return text


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_generated_receipts_read_exactly(layout: str) -> None:
    for index in range(6):
        truth, printed = make_receipt(random.Random(f"text-{layout}-{index}"), layout, 40)
        result = parse_receipt(_as_text(printed)).to_json()
        expected = truth.to_json()
        for key in ("shop", "date", "total", "amount_due", "currency"):
            assert result[key] == expected[key], (layout, index, key)
        got = [{k: i[k] for k in ("name", "quantity", "unit_price", "price", "discount")}
               for i in result["items"]]
        want = [{k: i[k] for k in ("name", "quantity", "unit_price", "price", "discount")}
                for i in expected["items"]]
        assert got == want, (layout, index)
        assert result["payment"]["method"] == expected["payment"]["method"], (layout, index)
        assert result["payment"]["paid"] == expected["payment"]["paid"], (layout, index)
        if expected["nip"]:
            assert result["nip"] == expected["nip"]
            assert result["receipt_number"] == expected["receipt_number"]
        assert result["checks"]["items_sum_matches_total"] is True
