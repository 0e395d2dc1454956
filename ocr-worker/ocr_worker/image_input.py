"""Validate uploaded bytes by content and decode them into a Pillow image.

Checks, in order: not empty, not too many bytes, a known signature (magic bytes, from the one
list in :mod:`ocr_worker.upload_formats`), a header that can be read, a decoded pixel count
under the limit (decompression bombs), ``verify()`` and a full decode (truncated files). Every
failure raises :class:`InputError` with a 4xx status.

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

from PIL import Image, UnidentifiedImageError

from ocr_worker.errors import InputError, TooLargeError
from ocr_worker.upload_formats import (
    LABELS,
    MAX_SIDE_PIXELS,
    PDFIUM_LOCK,
    FormatRejected,
    UploadFormat,
    check_pixels,
    decoded_size,
    jpeg_draft_scale,
    open_pdf,
    pdf_layout,
    register_heif,
    sniff,
)

__all__ = ["MAX_SIDE_PIXELS", "load_image", "sniff_format"]


def sniff_format(data: bytes) -> str | None:
    """Return the format named by the file's magic bytes (Pillow's name, or PDF), or None."""
    fmt = sniff(data)
    return fmt.name if fmt else None


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
        if fmt.name == "HEIF":
            register_heif()
        _check_header(data, fmt, max_pixels)
        return _decode(data, fmt, max_pixels)
    except FormatRejected as exc:
        error = TooLargeError if exc.too_large else InputError
        raise error(exc.code, exc.message) from exc


def _open(data: bytes, fmt: UploadFormat) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[fmt.name])
    except Image.DecompressionBombError as exc:
        raise TooLargeError("decompression_bomb", f"The image has too many pixels: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, RuntimeError) as exc:
        raise InputError("invalid_image", f"The {fmt.label} file cannot be read: {exc}") from exc


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    check_pixels(*image.size, max_pixels)


def _check_header(data: bytes, fmt: UploadFormat, max_pixels: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _open(data, fmt)
        except Image.DecompressionBombWarning as exc:
            raise TooLargeError("decompression_bomb", str(exc)) from exc
        with image:
            check_pixels(*decoded_size(fmt, *image.size), max_pixels)
            try:
                image.verify()
            except Exception as exc:  # Pillow raises many types from verify()
                raise InputError(
                    "invalid_image", f"The {fmt.label} file is damaged: {exc}"
                ) from exc


def _decode(data: bytes, fmt: UploadFormat, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data, fmt)
        try:
            if fmt.name == "JPEG":
                scale = jpeg_draft_scale(*image.size)
                if scale > 1:
                    width, height = image.size
                    image.draft(image.mode, (width // scale, height // scale))
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLargeError("decompression_bomb", str(exc)) from exc
        except Exception as exc:  # truncated or corrupt pixel data
            raise InputError(
                "invalid_image", f"The {fmt.label} file is truncated or corrupt: {exc}"
            ) from exc
    _check_pixels(image, max_pixels)
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
