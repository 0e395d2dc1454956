"""Check an uploaded file by its content: magic bytes, Pillow verify + full decode, pixel limit.

Neither the file name nor the declared content type is trusted.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# magic prefix → (Pillow format, content type)
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
    (b"II*\x00", "TIFF", "image/tiff"),
    (b"MM\x00*", "TIFF", "image/tiff"),
)
_WEBP = ("WEBP", "image/webp")


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


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, fmt, content_type in _MAGIC:
        if data.startswith(magic):
            return fmt, content_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP
    return None


def check_image(data: bytes, max_pixels: int) -> CheckedImage:
    """Raise ImageRejected (415 not an image, 400 broken, 413 too many pixels)."""
    if not data:
        raise ImageRejected(400, "the uploaded file is empty")
    sniffed = sniff(data)
    if sniffed is None:
        raise ImageRejected(415, "the file is not a supported image (JPEG, PNG, WebP or TIFF)")
    fmt, content_type = sniffed
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        413, f"image has {width}x{height} pixels, the limit is {max_pixels}"
                    )
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[fmt]) as full:
                # Decode every byte (finds truncated data that verify() cannot); JPEGs at 1/8
                # scale, which still reads the whole stream but is ~5x faster for photos.
                full.draft(None, (max(1, width // 8), max(1, height // 8)))
                full.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(413, f"image has too many pixels: {exc}") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejected(400, f"the image is damaged or truncated: {exc}") from exc
    return CheckedImage(content_type=content_type, width=width, height=height)
