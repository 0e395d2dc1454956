"""Check an uploaded file by its content, against the one list of formats (upload_formats,
shared with the OCR worker): magic bytes, a header that opens, the decoded pixel count (the same
`read_header` the worker runs), and a full decode for the formats that are cheap to decode; PDFs
by page count, password and size.

Neither the file name nor the declared content type is trusted. HEIC and PDF are not decoded
here (that is the OCR worker's job, seconds of CPU): their headers are checked, and whatever
only a full decode finds ends the receipt as `failed` with the worker's reason.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from upload_formats import (
    LABELS,
    PDFIUM_LOCK,
    FormatRejected,
    UploadFormat,
    open_pdf,
    pdf_layout,
    pillow_bomb,
    read_header,
    sniff,
)


class ImageRejected(ValueError):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    width: int
    height: int


def check_image(data: bytes, max_pixels: int) -> CheckedImage:
    """Raise ImageRejected (415 unsupported, 400 broken, 413 too many pixels or pages)."""
    if not data:
        raise ImageRejected(400, "the uploaded file is empty")
    fmt = sniff(data)
    if fmt is None:
        raise ImageRejected(415, f"the file is not a supported image ({LABELS})")
    try:
        if fmt.name == "PDF":
            width, height = _check_pdf(data, max_pixels)
        else:
            width, height = _check_picture(data, fmt, max_pixels)
    except FormatRejected as exc:
        raise ImageRejected(413 if exc.too_large else 400, exc.message) from None
    return CheckedImage(content_type=fmt.content_type, width=width, height=height)


def _check_pdf(data: bytes, max_pixels: int) -> tuple[int, int]:
    with PDFIUM_LOCK:
        document = open_pdf(data)
        try:
            return pdf_layout(document, max_pixels).size
        finally:
            document.close()


def _check_picture(data: bytes, fmt: UploadFormat, max_pixels: int) -> tuple[int, int]:
    width, height = read_header(data, fmt, max_pixels)
    if fmt.name == "HEIF":  # decoding is the OCR worker's job (seconds of CPU)
        return width, height
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit is ours
        try:
            with Image.open(io.BytesIO(data), formats=[fmt.name]) as full:
                # Decode every byte (finds truncated data that verify() cannot); JPEGs at 1/8
                # scale, which still reads the whole stream but is ~5x faster for photos.
                full.draft(None, (max(1, width // 8), max(1, height // 8)))
                full.load()
        except Image.DecompressionBombError as exc:
            raise pillow_bomb(exc, max_pixels) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                RuntimeError) as exc:
            raise ImageRejected(400, f"the image is damaged or truncated: {exc}") from exc
    return width, height
