"""Validate uploaded bytes by content and decode them into a Pillow image.

Checks, in order: not empty, not too many bytes, a known signature (magic bytes, from the one
list in :mod:`upload_formats`, shared with the core), a header that can be read, a decoded
pixel count under the limit (decompression bombs), ``verify()`` and a full decode (truncated
files). Every failure raises :class:`InputError` with a 4xx status.

- JPEG: decoded at a reduced scale (libjpeg draft) when far larger than OCR needs, so 12 to
  50 MP phone photos stay fast and small.
- HEIC/HEIF: pillow-heif (it applies the file's rotation while decoding).
- PDF: every page rendered with PDFium at PDF_RENDER_DPI (less when the stacked pages would
  exceed the pixel limit) and stacked top to bottom into one grayscale image, so a long
  receipt over several pages is read as one. At most PDF_MAX_PAGES pages; no password.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from ocr_worker.errors import InputError, TooLargeError
from upload_formats import (
    LABELS,
    PDFIUM_LOCK,
    FormatRejected,
    UploadFormat,
    check_pixels,
    jpeg_draft_scale,
    open_pdf,
    pdf_layout,
    pillow_bomb,
    read_header,
    sniff,
)

__all__ = ["load_image"]


def load_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Check ``data`` and return the decoded image (fully loaded, still in file orientation)."""
    if not data:
        raise InputError("empty_file", "The uploaded file is empty.")
    if len(data) > max_bytes:
        raise TooLargeError(
            "file_too_large",
            f"The file has {len(data)} bytes; the limit is {max_bytes} bytes.",
        )
    fmt = sniff(data)
    if fmt is None:
        raise InputError("not_an_image", f"The file is not a supported image ({LABELS}).")
    try:
        if fmt.name == "PDF":
            return _render_pdf(data, max_pixels)
        read_header(data, fmt, max_pixels)
        return _decode(data, fmt, max_pixels)
    except FormatRejected as exc:
        error = TooLargeError if exc.too_large else InputError
        raise error(exc.code, exc.message) from exc


def _decode(data: bytes, fmt: UploadFormat, max_pixels: int) -> Image.Image:
    """The whole image (``read_header`` passed: its size is within ``max_pixels``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the limit is ours
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt.name])
            if fmt.name == "JPEG":
                scale = jpeg_draft_scale(*image.size)
                if scale > 1:
                    width, height = image.size
                    image.draft(image.mode, (width // scale, height // scale))
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
        except Image.DecompressionBombError as exc:
            raise pillow_bomb(exc, max_pixels) from exc
        except Exception as exc:  # truncated or corrupt pixel data
            raise InputError(
                "invalid_image", f"The {fmt.label} file is truncated or corrupt: {exc}"
            ) from exc
    check_pixels(*image.size, max_pixels)
    return image


def _render_pdf(data: bytes, max_pixels: int) -> Image.Image:
    """Every page, rendered and stacked top to bottom on white, left-aligned."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        document = open_pdf(data)
        try:
            layout = pdf_layout(document, max_pixels)
            width, height = layout.size
            check_pixels(width, height, max_pixels)
            sheet = Image.new("L", (width, height), 255)
            top = 0
            for index in range(len(document)):
                page = document[index]
                try:
                    bitmap = page.render(scale=layout.scale, grayscale=True)
                    rendered = bitmap.to_pil().convert("L")
                except pdfium.PdfiumError as exc:
                    raise InputError(
                        "invalid_pdf", f"Page {index + 1} of the PDF cannot be drawn: {exc}"
                    ) from exc
                finally:
                    page.close()
                sheet.paste(rendered, (0, top))
                top += rendered.height
        finally:
            document.close()
    return sheet
