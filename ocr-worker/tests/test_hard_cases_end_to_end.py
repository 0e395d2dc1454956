"""The worker's pipeline on a fixed handful of the generator's hard cases (`--set hard`):
A4 flatbed scans, far phone photos, worn slips, app e-receipt screenshots.

The cases are those of `python -m bench --set hard --n 24 --seed 7` (indices below). What
the worker cannot read yet is a strict expected failure with the reason, so a fix shows up as
an XPASS to flip here, and a regression as a failure.
"""

from __future__ import annotations

import pytest

from ocr_worker.config import Settings
from ocr_worker.pipeline import process_image
from receipt_synth import generate_hard

SEED = 7


CASES = [
    pytest.param(0, id="flatbed_page-de_shop"),
    pytest.param(5, id="flatbed_page-biedronka"),
    pytest.param(1, id="phone_far-de_shop"),
    pytest.param(6, id="phone_far-biedronka"),
    pytest.param(2, id="worn-de_shop"),
    pytest.param(7, id="worn-biedronka"),
    pytest.param(3, id="screenshot-biedronka"),
    pytest.param(8, id="screenshot-lidl"),
    pytest.param(13, id="screenshot-kaufland"),
    pytest.param(14, id="screenshot_dark-kaufland"),
    pytest.param(4, id="screenshot_dark-biedronka"),
]


@pytest.mark.parametrize("index", CASES)
def test_hard_case_total_and_date_are_read(index: int) -> None:
    sample = generate_hard(SEED, index)
    truth = sample.truth_json()
    result = process_image(sample.image, Settings())
    assert (result["total"], result["date"]) == (truth["total"], truth["date"])
