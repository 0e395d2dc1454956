"""The upload formats Lifeboard accepts, and their limits: ONE list for the core and the worker.

One module at one path (libs/upload_formats/), imported as ``upload_formats`` by both services:
each image is built from the repository root and copies it next to its package (the Dockerfiles'
COPY lines), and the checkouts find it through pyproject.toml's pytest ``pythonpath`` and
scripts/native-stack.sh's PYTHONPATH. tests/test_upload_formats.py holds both services to it and
checks that the receipt page (gateway/html/) offers the same formats. It imports nothing from
either service.

Formats are recognised by content (magic bytes), never by file name or declared type.
"""

from __future__ import annotations

import io
import math
import re
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: open_pdf imports pypdfium2 when a PDF arrives
    from pypdfium2 import PdfDocument

from PIL import Image, UnidentifiedImageError

#: Longest side a JPEG is decoded at when it is much larger: libjpeg's draft mode decodes a
#: 50 MP phone photo at 1/2 or 1/4 scale, which is faster, smaller, and still sharper than OCR
#: needs. The pixel limit applies to the decoded size.
JPEG_DRAFT_LONGEST_SIDE = 4000
#: A PDF is rendered page by page at this resolution and the pages stacked into one tall image
#: (a long e-receipt over several pages is read as one), scaled down to fit the pixel limit.
PDF_RENDER_DPI = 300
#: More pages than this is no receipt (and 10 000 pages would be a denial of service).
PDF_MAX_PAGES = 10
#: Tesseract refuses images wider or taller than this ("Image too large").
MAX_SIDE_PIXELS = 32767


@dataclass(frozen=True)
class UploadFormat:
    name: str  # Pillow's format name; "PDF" is rendered with pypdfium2 instead
    label: str  # for people: error messages, README
    content_type: str  # what the core stores and serves the file as
    extensions: tuple[str, ...]
    # alternatives; each is (offset, bytes) pairs that must all match
    signatures: tuple[tuple[tuple[int, bytes], ...], ...]


_HEIF_BRANDS = (
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
)

FORMATS: tuple[UploadFormat, ...] = (
    UploadFormat("JPEG", "JPEG", "image/jpeg", (".jpg", ".jpeg"), (((0, b"\xff\xd8\xff"),),)),
    UploadFormat("PNG", "PNG", "image/png", (".png",), (((0, b"\x89PNG\r\n\x1a\n"),),)),
    UploadFormat("WEBP", "WebP", "image/webp", (".webp",), (((0, b"RIFF"), (8, b"WEBP")),)),
    UploadFormat(
        "TIFF", "TIFF", "image/tiff", (".tif", ".tiff"), (((0, b"II*\x00"),), ((0, b"MM\x00*"),))
    ),
    UploadFormat("GIF", "GIF", "image/gif", (".gif",), (((0, b"GIF87a"),), ((0, b"GIF89a"),))),
    UploadFormat("BMP", "BMP", "image/bmp", (".bmp",), (((0, b"BM"),),)),
    UploadFormat(
        "HEIF",
        "HEIC/HEIF",
        "image/heic",
        (".heic", ".heif"),
        tuple(((4, b"ftyp"), (8, brand)) for brand in _HEIF_BRANDS),
    ),
    UploadFormat("PDF", "PDF", "application/pdf", (".pdf",), (((0, b"%PDF-"),),)),
)

#: For messages: "JPEG, PNG, WebP, TIFF, GIF, BMP, HEIC/HEIF or PDF".
LABELS = ", ".join(f.label for f in FORMATS[:-1]) + " or " + FORMATS[-1].label


def sniff(data: bytes) -> UploadFormat | None:
    """The format named by the file's magic bytes, or None."""
    for fmt in FORMATS:
        for signature in fmt.signatures:
            if all(data[offset : offset + len(magic)] == magic for offset, magic in signature):
                return fmt
    return None


class FormatRejected(ValueError):
    """A file of a known format that cannot be accepted; ``too_large`` means 413, else 400."""

    def __init__(self, code: str, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.too_large = too_large


def jpeg_draft_scale(width: int, height: int) -> int:
    """The largest libjpeg reduction (1, 2, 4, 8) that keeps the longest side at least
    JPEG_DRAFT_LONGEST_SIDE: Pillow's ``draft()`` picks the same one for that request."""
    longest = max(width, height)
    for scale in (8, 4, 2):
        if math.ceil(longest / scale) >= JPEG_DRAFT_LONGEST_SIDE:
            return scale
    return 1


def decoded_size(fmt: UploadFormat, width: int, height: int) -> tuple[int, int]:
    """The size an image of the declared size is decoded at (the pixel limit applies to it)."""
    if fmt.name == "JPEG":
        scale = jpeg_draft_scale(width, height)
        return math.ceil(width / scale), math.ceil(height / scale)
    return width, height


def too_many_pixels(pixels: str, max_pixels: int) -> FormatRejected:
    """The 413 of an image over the project's pixel limit, in the project's terms."""
    return FormatRejected(
        "decompression_bomb",
        f"The image has too many pixels: {pixels}; the limit is {max_pixels} (OCR_MAX_PIXELS).",
        too_large=True,
    )


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise FormatRejected("invalid_image", "The image has no pixels.")
    if width * height > max_pixels:
        raise too_many_pixels(f"{width}x{height} = {width * height}", max_pixels)
    if max(width, height) > MAX_SIDE_PIXELS:
        raise FormatRejected(
            "image_too_large",
            f"The image is {width}x{height} pixels; at most {MAX_SIDE_PIXELS} pixels on a side "
            "can be read.",
            too_large=True,
        )


_PILLOW_PIXELS = re.compile(r"\((\d+) pixels\)")


def pillow_bomb(exc: Exception, max_pixels: int) -> FormatRejected:
    """Pillow's own guard (an image of more than twice Image.MAX_IMAGE_PIXELS) refused the
    file before its size could be checked: the same 413, quoting the project's limit."""
    found = _PILLOW_PIXELS.search(str(exc))
    return too_many_pixels(found[1] if found else f"more than {max_pixels}", max_pixels)


def read_header(data: bytes, fmt: UploadFormat, max_pixels: int) -> tuple[int, int]:
    """Open the file (its header only: nothing is decoded yet), check the pixel count it
    will be decoded at against ``max_pixels`` and ``verify()`` it; its (width, height).

    The project's limit decides, not Pillow's default: Pillow's decompression-bomb warning is
    ignored (the size is checked right here, before any decoding) and its error is answered
    with the project's limit."""
    if fmt.name == "HEIF":
        register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[fmt.name])
        except Image.DecompressionBombError as exc:
            raise pillow_bomb(exc, max_pixels) from exc
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
            RuntimeError,
        ) as exc:
            raise FormatRejected(
                "invalid_image", f"The {fmt.label} file cannot be read: {exc}"
            ) from exc
    with image:
        width, height = image.size
        check_pixels(*decoded_size(fmt, width, height), max_pixels)
        try:
            image.verify()
        except Exception as exc:  # Pillow raises many types from verify()
            raise FormatRejected(
                "invalid_image", f"The {fmt.label} file is damaged: {exc}"
            ) from exc
    return width, height


_heif_registered = False


def register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (pillow-heif), once per process."""
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


# PDFium is not thread-safe: every call into it (the core checks uploads in a thread pool)
# holds this lock.
PDFIUM_LOCK = threading.RLock()


@dataclass(frozen=True)
class PdfLayout:
    """The pages of a PDF (in points) and the scale they are rendered at, stacked vertically."""

    page_sizes: tuple[tuple[float, float], ...]
    scale: float  # pixels per point

    @property
    def size(self) -> tuple[int, int]:
        width = max(math.ceil(w * self.scale) for w, _ in self.page_sizes)
        height = sum(math.ceil(h * self.scale) for _, h in self.page_sizes)
        return width, height


def open_pdf(data: bytes) -> PdfDocument:  # call with PDFIUM_LOCK held
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise FormatRejected(
                "encrypted_pdf", "The PDF is password-protected; upload it without a password."
            ) from exc
        raise FormatRejected("invalid_pdf", f"The PDF cannot be read: {exc}") from exc


def pdf_layout(document: PdfDocument, max_pixels: int) -> PdfLayout:
    """Page count and sizes checked; the render scale: PDF_RENDER_DPI, less if the stacked pages
    would exceed ``max_pixels`` or MAX_SIDE_PIXELS. Call with PDFIUM_LOCK held."""
    pages = len(document)
    if pages == 0:
        raise FormatRejected("invalid_pdf", "The PDF has no pages.")
    if pages > PDF_MAX_PAGES:
        raise FormatRejected(
            "too_many_pages",
            f"The PDF has {pages} pages; a receipt may have at most {PDF_MAX_PAGES}.",
            too_large=True,
        )
    sizes: list[tuple[float, float]] = []
    for index in range(pages):
        page = document[index]
        try:
            width, height = page.get_size()
        finally:
            page.close()
        if not (width > 0 and height > 0 and math.isfinite(width * height)):
            raise FormatRejected("invalid_pdf", f"Page {index + 1} of the PDF has no area.")
        sizes.append((float(width), float(height)))
    width_pt = max(w for w, _ in sizes)
    height_pt = sum(h for _, h in sizes)
    scale = min(
        PDF_RENDER_DPI / 72,
        math.sqrt(max_pixels / (width_pt * height_pt)) * 0.999,
        (MAX_SIDE_PIXELS - pages) / height_pt,
        (MAX_SIDE_PIXELS - 1) / width_pt,
    )
    layout = PdfLayout(tuple(sizes), scale)
    while layout.size[0] * layout.size[1] > max_pixels:  # rounding up each page's pixels
        layout = PdfLayout(layout.page_sizes, layout.scale * 0.99)
    if min(layout.size) < 1:
        raise FormatRejected("invalid_pdf", "The PDF's pages are too thin or too long to read.")
    return layout
