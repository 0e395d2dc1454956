"""The hard set of the generator: A4 flatbed scans, far phone photos, worn slips (show-through,
creases, low contrast), app e-receipt screenshots in light and dark mode, German shop slips."""

from __future__ import annotations

import io
import random
import re
from decimal import Decimal
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageOps

from ocr_worker.parser.brands import match_brand
from ocr_worker.parser.tax_ids import nip_is_valid
from receipt_synth import HARD_SCENES, Sample, generate, generate_hard
from receipt_synth.damage import creases, low_contrast, show_through
from receipt_synth.hard_layouts import (
    APP_CHAINS,
    APP_TOTAL_LABELS,
    GERMAN_TOTAL_LABELS,
    app_receipt,
    german_shop_receipt,
)


@cache
def hard(seed: int, index: int, scene: str | None = None) -> Sample:
    return generate_hard(seed, index, scene)


def pixels(sample: Sample) -> Image.Image:
    return ImageOps.exif_transpose(Image.open(io.BytesIO(sample.image))).convert("L")


@pytest.mark.parametrize("scene", HARD_SCENES)
def test_every_scene_renders_the_same_bytes_from_the_same_seed(scene: str) -> None:
    a = hard(31, 0, scene)
    b = generate_hard(31, 0, scene)
    assert a.image == b.image
    assert a.truth_json() == b.truth_json()
    assert a.truth_json()["scene"] == scene


def test_the_hard_set_is_its_own_seed_space_and_cycles_through_the_scenes() -> None:
    scenes = [generate(3, i, hard=True).scene for i in range(3, 5)]  # screenshots: cheap
    assert scenes == ["screenshot", "screenshot_dark"]
    assert generate(4, 3, hard=True).image != generate(3, 3, hard=True).image
    ordinary = generate(3, 3, size_class="tiny")  # the ordinary set is untouched by the flag
    assert ordinary.scene == "table" and ordinary.truth_json()["scene"] == "table"
    assert ordinary.name.startswith("s3_") and ordinary.image != generate(3, 3, hard=True).image


def test_flatbed_page_is_an_a4_page_with_a_smaller_slip_on_it() -> None:
    sample = hard(31, 0, "flatbed_page")
    page = pixels(sample)
    w, h = page.size
    assert 2400 <= h <= 3508 and abs(w / h - 210 / 297) < 0.01
    x, y, sw, sh = sample.truth_json()["render"]["slip_box"]
    assert 0.05 < (sw * sh) / (w * h) < 0.45  # about a third of the page at most
    assert sw < w and sh < h
    arr = np.asarray(page, dtype=np.float32)
    inside = arr[y + sh // 4 : y + 3 * sh // 4, x + sw // 4 : x + 3 * sw // 4]
    outside = np.concatenate([arr[:, : max(1, x - 10)].ravel(), arr[:, x + sw + 10 :].ravel()])
    assert np.percentile(inside, 75) > np.median(outside) + 3  # the paper is lighter


def test_phone_far_has_the_slip_small_in_a_phone_frame() -> None:
    sample = hard(31, 0, "phone_far")
    frame = pixels(sample)
    w, h = frame.size
    assert max(w, h) >= 2400 and abs(min(w, h) / max(w, h) - 0.75) < 0.01
    _, _, sw, sh = sample.truth_json()["render"]["slip_box"]
    assert sh < 0.7 * max(w, h) and sw * sh < 0.3 * w * h  # 35-60 % tall, turned up to 6°


def test_dark_screenshot_is_mostly_dark_with_light_text() -> None:
    sample = hard(31, 0, "screenshot_dark")
    gray = np.asarray(pixels(sample))
    assert gray.mean() < 70 and (gray < 64).mean() > 0.75
    assert (gray > 180).mean() > 0.005  # the text
    light = np.asarray(pixels(hard(31, 0, "screenshot")))
    assert light.mean() > 180


def test_screenshots_are_phone_sized_or_long_captures() -> None:
    for index in range(3, 40, 5):
        sample = hard(43, index)
        w, h = Image.open(io.BytesIO(sample.image)).size
        assert sample.scene == "screenshot"
        assert w in (720, 1080, 1170) and h >= 1600 and h / w >= 2.1


@pytest.mark.parametrize("key", sorted(APP_CHAINS))
def test_app_receipts_are_consistent_and_carry_the_chains_real_nip(key: str) -> None:
    chain = APP_CHAINS[key]
    assert nip_is_valid(chain.nip), chain.nip
    brand, _ = match_brand([chain.app_title, chain.company])
    assert brand is not None and brand.name == chain.shop
    rng = random.Random(f"app:{key}")
    for _ in range(6):
        truth, rows = app_receipt(rng, key, rng.randint(2, 12))
        assert truth.shop == chain.shop and truth.nip == chain.nip
        assert truth.total == sum(i.price - i.discount for i in truth.items) == truth.amount_due
        for item in truth.items:
            assert item.price == (item.quantity * item.unit_price).quantize(Decimal("0.01"))
        text = [" ".join(r.cells) for r in rows]
        assert ("Nazwa PTU Ilość Cena Wartość") in text
        total_text = f"{truth.total:.2f}".replace(".", ",")
        totals = [t for t in text if t.startswith(APP_TOTAL_LABELS) and total_text in t]
        assert len(totals) == 1
        tax = sum((v.tax for v in truth.vat), Decimal("0.00"))
        assert any(re.fullmatch(rf"Suma( PTU)? {tax:.2f}".replace(".", ","), t) for t in text)
        assert f"Data: {truth.date:%d.%m.%Y}" in " ".join(text)
        printed_nip = next(t for t in text if t.startswith("NIP"))
        assert re.sub(r"\D", "", printed_nip) == chain.nip


def test_german_shop_slips_print_every_total_word_payment_and_mwst_block() -> None:
    rng = random.Random("de_shop")
    seen_labels, seen_shops, short_years = set(), set(), 0
    for _ in range(40):
        truth, lines = german_shop_receipt(rng, 42)
        text = [f"{line.left} {line.right}".strip() for line in lines]
        total = f"{truth.total:.2f}".replace(".", ",")
        assert truth.total == sum(i.price for i in truth.items) == truth.amount_due
        label = next(t for t in text if t.startswith(GERMAN_TOTAL_LABELS) and t.endswith(total))
        seen_labels.add(max((w for w in GERMAN_TOTAL_LABELS if label.startswith(w)), key=len))
        seen_shops.add(truth.company)
        after = text[text.index(label) + 1 :]
        if truth.payment_method == "cash":
            assert any(t.startswith(("Bar", "Gegeben Bar")) for t in after)
            assert any(t.startswith("Rückgeld") for t in after)
        assert any(t.startswith("Summe MwSt") for t in after)
        assert any("Netto" in t for t in after) and any("Brutto" in t for t in after)
        bottom = next(t for t in text if "Bon-Nr." in t)
        assert "Kasse" in bottom
        short_years += bool(re.match(r"\d\d\.\d\d\.\d\d ", bottom))
        assert bottom.startswith((f"{truth.date:%d.%m.%y} ", f"{truth.date:%d.%m.%Y} "))
    assert seen_labels == set(GERMAN_TOTAL_LABELS)
    assert seen_shops == {"REWE Markt GmbH", "real GmbH", "MEDIA MARKT TV-Hifi-Elektro GmbH"}
    assert 0 < short_years < 40


def _paper(text: str) -> Image.Image:
    from PIL import ImageDraw

    img = Image.new("L", (400, 300), 250)
    ImageDraw.Draw(img).text((20, 20), text, fill=0, font_size=40)
    return img


def test_show_through_is_the_back_mirrored_faint_and_blurred() -> None:
    blank = Image.new("L", (400, 300), 250)
    back = _paper("SUMA 12,34\nPTU A")
    out = np.asarray(show_through(blank, back, random.Random(1)), dtype=np.float32)
    assert out.min() > 150  # faint: far lighter than print
    assert out.min() < 245  # but there
    dark = 250 - out
    mirrored = 250 - np.asarray(ImageOps.mirror(back), dtype=np.float32)
    unmirrored = 250 - np.asarray(back, dtype=np.float32)
    corr = lambda a, b: float(np.corrcoef(a.ravel(), b.ravel())[0, 1])  # noqa: E731
    assert corr(dark, mirrored) > corr(dark, unmirrored) + 0.1


def test_creases_and_low_contrast_change_the_paper_as_meant() -> None:
    paper = _paper("Masło 6,99")
    creased = np.asarray(creases(paper, random.Random(2), count=2), dtype=np.float32)
    changed_rows = (np.abs(creased - np.asarray(paper, dtype=np.float32)) > 8).any(axis=1)
    assert 2 <= changed_rows.sum() < 150  # thin lines, not a wash over the page
    washed = np.asarray(low_contrast(paper, random.Random(3)), dtype=np.float32)
    original = np.asarray(paper, dtype=np.float32)
    assert np.ptp(washed) < 0.65 * np.ptp(original)
    assert np.median(washed) < np.median(original)  # grayish paper
