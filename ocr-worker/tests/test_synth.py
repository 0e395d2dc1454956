"""The receipt photo generator: reproducible, arithmetically consistent, EXIF-rotated JPEGs."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from receipt_synth import LAYOUTS, generate, write_set
from receipt_synth.layouts import make_receipt
from receipt_synth.photo import ORIENTATION_TAG


def test_same_seed_and_index_give_the_same_photo_and_truth() -> None:
    a, b = generate(11, 3, size_class="tiny"), generate(11, 3, size_class="tiny")
    assert a.image == b.image
    assert a.truth_json() == b.truth_json()
    assert generate(12, 3, size_class="tiny").image != a.image


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_prints_a_consistent_receipt(layout: str) -> None:
    rng = random.Random(f"consistency:{layout}")
    for _ in range(5):
        truth, lines = make_receipt(rng, layout, width=42)
        assert truth.items and lines
        for item in truth.items:
            assert item.price == (item.quantity * item.unit_price).quantize(Decimal("0.01"))
            assert Decimal("0") <= item.discount < item.price
        if layout != "us":  # US totals add sales tax on top of the items
            assert truth.total == sum(i.price - i.discount for i in truth.items)
        assert truth.amount_due == truth.total + truth.deposit
        printed = "\n".join(f"{line.left} {line.right}" for line in lines)
        assert truth.total.to_eng_string().replace(".", ",") in printed.replace(".", ",")
        for vat in truth.vat:
            assert vat.tax == (vat.base * vat.rate / (100 + vat.rate)).quantize(Decimal("0.01"))


def test_polish_receipts_carry_the_fiscal_structure() -> None:
    truth, lines = make_receipt(random.Random(5), "biedronka", width=42)
    text = "\n".join(f"{line.left} {line.right}" for line in lines)
    assert "PARAGON FISKALNY" in text and "PTU" in text and "SUMA" in text
    assert truth.nip and len(truth.nip) == 10
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    digits = [int(c) for c in truth.nip]
    assert sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 == digits[9]
    assert truth.shop == "Biedronka" and "Jeronimo Martins" in text
    assert "Biedronka" not in text.title()  # the brand must be inferred from the company


def test_photo_is_a_jpeg_whose_exif_tag_turns_it_upright() -> None:
    sample = next(
        s for s in (generate(21, i, size_class="tiny") for i in range(40))
        if s.photo.orientation in (6, 8)
    )
    stored = Image.open(io.BytesIO(sample.image))
    assert stored.format == "JPEG"
    assert stored.getexif()[ORIENTATION_TAG] == sample.photo.orientation
    upright = ImageOps.exif_transpose(stored)
    assert upright.height > upright.width  # a receipt is a tall strip
    assert stored.width > stored.height  # stored sideways


def test_size_classes_span_tiny_to_huge() -> None:
    tiny = Image.open(io.BytesIO(generate(3, 0, layout="zabka", size_class="tiny").image))
    huge = Image.open(io.BytesIO(generate(3, 0, layout="zabka", size_class="huge").image))
    assert max(tiny.size) <= 1500 < 3600 <= max(huge.size)


def test_write_set_writes_image_and_ground_truth_pairs(tmp_path: Path) -> None:
    paths = write_set(tmp_path, n=2, seed=9)
    assert len(paths) == 2
    for path in paths:
        truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        assert {"shop", "date", "total", "items", "currency"} <= truth.keys()
        assert Image.open(path).format == "JPEG"
