"""Validate uploaded bytes by content and decode them into a Pillow image.

Checks, in order: not empty, not too many bytes, a known image signature (magic bytes), a
header Pillow can read, a pixel count under the limit (decompression bombs), ``verify()`` and a
full decode (truncated files). Every failure raises :class:`InputError` with a 4xx status.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from ocr_worker.errors import InputError, TooLargeError

# Signature prefix -> format name. Only formats Pillow decodes without plugins.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def sniff_format(data: bytes) -> str | None:
    """Return the image format named by the file's magic bytes, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    return None


def load_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Check ``data`` and return the decoded image (fully loaded, still in file orientation)."""
    if not data:
        raise InputError("empty_file", "The uploaded file is empty.")
    if len(data) > max_bytes:
        raise TooLargeError(
            "file_too_large",
            f"The file has {len(data)} bytes; the limit is {max_bytes} bytes.",
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise InputError(
            "not_an_image",
            "The file is not a supported image (JPEG, PNG, WEBP, TIFF, BMP or GIF).",
        )
    _check_header(data, fmt, max_pixels)
    return _decode(data, fmt, max_pixels)


def _open(data: bytes, fmt: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise TooLargeError("decompression_bomb", f"The image has too many pixels: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError("invalid_image", f"The {fmt} file cannot be read: {exc}") from exc


#: Tesseract refuses images wider or taller than this ("Image too large").
MAX_SIDE_PIXELS = 32767


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise InputError("invalid_image", "The image has no pixels.")
    if width * height > max_pixels:
        raise TooLargeError(
            "decompression_bomb",
            f"The image has {width}x{height} = {width * height} pixels; "
            f"the limit is {max_pixels}.",
        )
    if max(width, height) > MAX_SIDE_PIXELS:
        raise TooLargeError(
            "image_too_large",
            f"The image is {width}x{height} pixels; Tesseract reads at most "
            f"{MAX_SIDE_PIXELS} pixels on a side.",
        )


def _check_header(data: bytes, fmt: str, max_pixels: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _open(data, fmt)
        except Image.DecompressionBombWarning as exc:
            raise TooLargeError("decompression_bomb", str(exc)) from exc
        with image:
            _check_pixels(image, max_pixels)
            try:
                image.verify()
            except Exception as exc:  # Pillow raises many types from verify()
                raise InputError(
                    "invalid_image", f"The {fmt} file is damaged: {exc}"
                ) from exc


def _decode(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data, fmt)
        try:
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLargeError("decompression_bomb", str(exc)) from exc
        except Exception as exc:  # truncated or corrupt pixel data
            raise InputError(
                "invalid_image", f"The {fmt} file is truncated or corrupt: {exc}"
            ) from exc
    _check_pixels(image, max_pixels)
    return image
