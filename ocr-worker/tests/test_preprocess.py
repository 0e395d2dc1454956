"""Preprocessing steps, each on an image whose right answer is known."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ocr_worker import preprocess
from ocr_worker.preprocess import (
    binarize,
    ink_mask,
    line_pitch,
    otsu_threshold,
    paper_box,
    prepare,
    skew_angle,
    text_pitch,
    to_gray,
)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def text_page(lines: int = 24, font_px: int = 24, pitch: int = 36) -> Image.Image:
    font = ImageFont.truetype(str(FONT), font_px)
    page = Image.new("L", (700, pitch * lines + 80), 255)
    draw = ImageDraw.Draw(page)
    for i in range(lines):
        draw.text((40, 40 + i * pitch), f"Pozycja {i:02d} towar 2 x3,49 6,98 C", font=font, fill=0)
    return page


def test_otsu_splits_a_bimodal_histogram() -> None:
    values = np.array([40] * 500 + [220] * 500, dtype=np.uint8).reshape(10, 100)
    assert 40 <= otsu_threshold(values) < 220


def test_exif_orientation_is_undone_in_gray() -> None:
    upright = Image.new("RGB", (40, 100), "white")
    ImageDraw.Draw(upright).rectangle((0, 0, 39, 9), fill="black")  # dark band on top
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone stores orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif.tobytes(), quality=95)
    gray = to_gray(Image.open(buf))
    assert gray.mode == "L" and gray.size == (40, 100)
    assert np.asarray(gray)[:8].mean() < 60 and np.asarray(gray)[20:].mean() > 200


def test_transparent_png_becomes_white_paper() -> None:
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    assert np.asarray(to_gray(image)).min() == 255


def test_paper_box_finds_the_slip_on_a_dark_table() -> None:
    table = np.full((400, 300), 60, dtype=np.uint8)
    table[50:370, 80:220] = 235
    table[100:110, 90:200] = 20  # a printed rule must not split the paper
    assert paper_box(table) == pytest.approx((80, 50, 220, 370), abs=3)


def test_paper_box_is_none_for_a_flat_scan() -> None:
    page = np.asarray(text_page())
    assert paper_box(page) is None


@pytest.mark.parametrize("angle", [-3.0, 2.0])
def test_skew_angle_levels_rotated_text(angle: float) -> None:
    rotated = text_page().rotate(angle, expand=True, fillcolor=255)
    found = skew_angle(ink_mask(np.asarray(rotated)))
    assert found == pytest.approx(-angle, abs=0.35)


def test_line_pitch_measures_the_distance_between_lines() -> None:
    assert line_pitch(ink_mask(np.asarray(text_page(pitch=36)))) == pytest.approx(36, abs=1.5)
    assert line_pitch(ink_mask(np.asarray(text_page(pitch=50)))) == pytest.approx(50, abs=2)


def sectioned_page(pitch: int = 30, sections: int = 5, per_section: int = 4) -> Image.Image:
    """Short blocks of lines with wide blank gaps and rules between them (a real receipt's
    sections), whose period fools an autocorrelation of the row profile."""
    font = ImageFont.truetype(str(FONT), 18)
    block = pitch * per_section + 4 * pitch
    page = Image.new("L", (620, block * sections + 60), 255)
    draw = ImageDraw.Draw(page)
    for s in range(sections):
        top = 30 + s * block
        for i in range(per_section):
            draw.text((30, top + i * pitch), f"Item {s}{i} SR 8.70", font=font, fill=0)
        draw.line((20, top + per_section * pitch + pitch, 600, top + per_section * pitch + pitch),
                  fill=0, width=3)
    return page


def test_text_pitch_is_the_line_spacing_not_the_section_spacing() -> None:
    mask = ink_mask(np.asarray(sectioned_page(pitch=30)))
    assert text_pitch(mask) == pytest.approx(30, rel=0.2)


def test_dark_mode_screenshot_is_inverted_to_dark_text_on_light() -> None:
    dark = ImageOps.invert(text_page())
    prepared = prepare(dark)
    assert "invert" in prepared.steps
    assert np.asarray(prepared.gray).mean() > 128  # light page, as Tesseract wants it
    assert "invert" not in prepare(text_page()).steps


def test_line_pitch_is_none_without_text() -> None:
    assert line_pitch(np.zeros((300, 200), dtype=bool)) is None


def test_small_text_is_upscaled_and_huge_text_downscaled() -> None:
    small = text_page(font_px=24, pitch=36).resize((350, 484))  # pitch 18 px
    prepared = prepare(small)
    assert prepared.scale > 1.5 and any(s.startswith("scale") for s in prepared.steps)
    huge = text_page(font_px=24, pitch=36).resize((2800, 3872))  # pitch 144 px
    prepared = prepare(huge)
    assert prepared.scale < 0.5 and prepared.image.width < 1400


def test_text_of_the_right_size_is_not_resampled() -> None:
    page = text_page(pitch=int(preprocess.TARGET_PITCH_PX))
    prepared = prepare(page)
    assert prepared.scale == 1.0 and prepared.image.size[0] == page.size[0]


def test_binarize_keeps_faded_ink_and_drops_uneven_light() -> None:
    page = np.asarray(text_page(), dtype=np.float32)
    gradient = np.linspace(0.6, 1.0, page.shape[1], dtype=np.float32)[None, :]
    faded = 255 - (255 - page) * 0.4  # gray ink
    lit = Image.fromarray((faded * gradient).astype(np.uint8))
    out = np.asarray(binarize(lit, 51, 10))
    assert set(np.unique(out)) <= {0, 255}
    ink = np.asarray(text_page()) < 128
    assert (out[ink] == 0).mean() > 0.8  # most ink survives
    assert (out[~ink] == 255).mean() > 0.98  # the dim side of the paper stays white


def test_prepare_turns_a_generated_photo_into_upright_level_gray() -> None:
    from receipt_synth import generate

    sample = generate(5, 1, layout="lidl", size_class="normal")
    prepared = prepare(Image.open(io.BytesIO(sample.image)))
    assert prepared.image.mode == "L"
    assert prepared.image.height > prepared.image.width
    assert "crop" in prepared.steps
    assert prepared.angle == pytest.approx(-sample.photo.angle, abs=1.5)
