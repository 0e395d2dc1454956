"""One list of upload formats, and both services held to it: the core's upload check
(backend-core app/services/image_check.py) and the OCR worker's decoder (ocr_worker/image_input.py)
accept and refuse the same files, for the same reasons; the receipt page offers the same formats.
The list is one module (libs/upload_formats/upload_formats.py) that both import as
``upload_formats``: no copy of it anywhere.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import upload_samples as samples  # noqa: E402

import upload_formats as formats  # noqa: E402
from app.services.image_check import ImageRejected, check_image  # noqa: E402
from ocr_worker.errors import InputError  # noqa: E402
from ocr_worker.image_input import load_image  # noqa: E402
from ocr_worker.pipeline import process_image  # noqa: E402

MAX_PIXELS = 40_000_000
MAX_BYTES = 60 << 20
SKIP_DIRS = {".git", ".venv", "node_modules", ".native-stack", ".tools", "test-artifacts"}
SHARED = "libs/upload_formats/upload_formats.py"


def test_the_list_is_written_once_in_the_tree():
    found = sorted(
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("upload_formats.py")
        if not SKIP_DIRS & set(p.relative_to(ROOT).parts)
    )
    assert found == [SHARED], f"one upload_formats.py, in libs/, not copies: {found}"
    assert Path(formats.__file__).resolve() == ROOT / SHARED


@pytest.mark.parametrize(
    ("service", "package"), [("backend-core", "app"), ("ocr-worker", "ocr_worker")]
)
def test_both_services_import_the_shared_list_and_keep_no_copy(service, package):
    importers = []
    for path in sorted((ROOT / service / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                copy = node.module == f"{package}.upload_formats" or (
                    node.module == package and "upload_formats" in {a.name for a in node.names}
                )
                assert not copy, f"{path} imports a copy of the list from {package}"
                if node.module == "upload_formats":
                    importers.append(path.name)
            elif isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
                assert f"{package}.upload_formats" not in names, path
                if "upload_formats" in names:
                    importers.append(path.name)
    assert importers, f"{service} does not import upload_formats"
    # and its image gets it, next to the package, from the one file
    assert f"COPY {SHARED} ." in (ROOT / service / "Dockerfile").read_text(encoding="utf-8")


def test_the_receipt_page_offers_every_format_of_the_list():
    page = (ROOT / "gateway" / "html" / "index.html").read_text()
    accept = re.search(r'<input[^>]*type="file"[^>]*accept="([^"]+)"', page)
    assert accept, "the page has no file input with accept="
    offered = set(accept.group(1).split(","))
    for fmt in formats.FORMATS:
        assert fmt.content_type in offered, (fmt.name, offered)
        assert set(fmt.extensions) <= offered, (fmt.name, offered)
    manifest = (ROOT / "gateway" / "html" / "app" / "manifest.webmanifest").read_text()
    for fmt in formats.FORMATS:
        assert fmt.content_type in manifest, f"the share target does not take {fmt.content_type}"


@pytest.fixture(scope="module")
def sample():
    return samples.receipt_sample()


@pytest.fixture(scope="module")
def photo(sample) -> Image.Image:
    return samples.receipt_image(sample)


def _encoded(photo: Image.Image, fmt: str) -> bytes:
    if fmt == "HEIF":
        return samples.heic_bytes(photo)
    if fmt == "PDF":
        return samples.pdf_bytes(photo)
    buf = io.BytesIO()
    small = photo.reduce(2)
    (small.convert("P") if fmt == "GIF" else small).save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", [f.name for f in formats.FORMATS])
def test_every_listed_format_passes_both_services(photo, fmt):
    data = _encoded(photo, fmt)
    checked = check_image(data, MAX_PIXELS)
    listed = next(f for f in formats.FORMATS if f.name == fmt)
    assert checked.content_type == listed.content_type
    image = load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    image.load()
    assert image.width > 100 and image.height > 100


def test_a_long_receipt_over_several_pages_is_read_as_one_image(photo):
    one = load_image(samples.pdf_bytes(photo, pages=1), max_bytes=MAX_BYTES,
                     max_pixels=MAX_PIXELS)
    three = load_image(samples.pdf_bytes(photo, pages=3), max_bytes=MAX_BYTES,
                       max_pixels=MAX_PIXELS)
    assert three.mode == "L"
    assert abs(three.width - one.width) <= 2 and abs(three.height - one.height) <= 3
    # each page landed where it belongs: the stacked image matches the single-page one
    from PIL import ImageChops, ImageStat

    diff = ImageChops.difference(one.convert("L").resize((60, 80)), three.resize((60, 80)))
    assert ImageStat.Stat(diff).mean[0] < 8


def test_a_50_megapixel_phone_jpeg_is_decoded_at_a_reduced_scale(photo):
    data = samples.jpeg_bytes(photo, size=(6000, 8200), orientation=6)
    assert check_image(data, MAX_PIXELS).width == 8200  # stored sideways, declared as such
    image = load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert image.size == (4100, 3000)  # libjpeg's 1/2 scale, longest side still >= 4000
    assert image.getexif().get(0x0112) == 6  # the rotation is left for preprocess to apply


def test_a_12_megapixel_jpeg_keeps_its_full_resolution(photo):
    data = samples.jpeg_bytes(photo, size=(3024, 4032))
    assert load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS).size == (3024, 4032)


def test_heic_comes_out_upright_with_no_rotation_left_to_apply(photo):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    photo.transpose(Image.Transpose.ROTATE_90).save(buf, format="HEIF", exif=exif.tobytes())
    image = load_image(buf.getvalue(), max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert image.size == photo.size
    assert image.getexif().get(0x0112, 1) == 1


HOSTILE = {
    "encrypted PDF": (samples.encrypted_pdf, 400, "encrypted_pdf", "password"),
    "10 000-page PDF": (samples.many_pages_pdf, 413, "too_many_pages", "10000 pages"),
    "HEIC declaring 60000x60000": (lambda: samples.heic_with_declared_size(60000, 60000), 413,
                                   "decompression_bomb", "too many pixels"),
    "HEIC declaring 9000x9000": (lambda: samples.heic_with_declared_size(9000, 9000), 413,
                                 "decompression_bomb", "the limit is 40000000"),
    "PDF that is no PDF": (lambda: b"%PDF-1.7\n" + b"\x00" * 200, 400, "invalid_pdf", "PDF"),
    "text file": (lambda: b"hello, this is not a receipt\n", 415, "not_an_image", "HEIC/HEIF"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_get_the_same_clear_refusal_from_both_services(name):
    make, status, code, words = HOSTILE[name]
    data = make()
    with pytest.raises(ImageRejected) as core:
        check_image(data, MAX_PIXELS)
    assert core.value.status_code == status
    assert words.lower() in core.value.message.lower()
    with pytest.raises(InputError) as worker:
        load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert worker.value.code == code
    # the worker says "not a supported image" with 400; the core's 415 is the HTTP meaning
    assert worker.value.status_code == (400 if status == 415 else status)
    assert words.lower() in worker.value.message.lower()


# 81 MP: over the project's limit only; 120 MP: also over Pillow's warning limit (89 MP);
# 900 MP: over Pillow's error limit (179 MP), refused by Pillow before the size is known.
@pytest.mark.parametrize("side", [9_000, 11_000, 30_000])
def test_too_many_pixels_quotes_the_projects_limit_not_pillows(side):
    data = samples.png_declaring(side, side)
    quoted = f"too many pixels: {side}x{side} = {side * side}" if side < 30_000 else \
        f"too many pixels: {side * side}"
    with pytest.raises(ImageRejected) as core:
        check_image(data, MAX_PIXELS)
    with pytest.raises(InputError) as worker:
        load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert core.value.status_code == worker.value.status_code == 413
    for message in (core.value.message, worker.value.message):
        assert quoted in message and "the limit is 40000000 (OCR_MAX_PIXELS)" in message
        assert "DOS" not in message and "178956970" not in message


def test_a_raised_pixel_limit_is_the_one_that_counts():
    """Over Pillow's default warning limit but within OCR_MAX_PIXELS: not refused as too big
    (this sample has no real pixel data, so the decode finds it broken: 400)."""
    data = samples.png_declaring(11_000, 11_000)
    with pytest.raises(ImageRejected) as core:
        check_image(data, 200_000_000)
    with pytest.raises(InputError) as worker:
        load_image(data, max_bytes=MAX_BYTES, max_pixels=200_000_000)
    assert core.value.status_code == worker.value.status_code == 400


@pytest.mark.parametrize("make", [samples.huge_page_pdf, samples.flate_bomb_pdf],
                         ids=["200-inch pages", "flate bomb"])
def test_pdf_bombs_are_rendered_within_the_pixel_limit(make):
    data = make()
    checked = check_image(data, MAX_PIXELS)
    image = load_image(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)
    assert image.width * image.height <= MAX_PIXELS
    assert (image.width, image.height) == (checked.width, checked.height)
    assert max(image.size) <= formats.MAX_SIDE_PIXELS


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["HEIF", "PDF"])
def test_heic_and_a_two_page_pdf_are_read_like_the_photo(sample, photo, fmt):
    from ocr_worker.config import Settings

    data = samples.heic_bytes(photo) if fmt == "HEIF" else samples.pdf_bytes(photo, pages=2)
    result = process_image(data, Settings(ocr_workers=1))
    assert result["total"] == sample.truth.to_json()["total"], result
