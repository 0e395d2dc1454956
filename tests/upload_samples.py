"""Files people upload (HEIC, multi-page PDF, big phone JPEG) and hostile ones (encrypted PDF,
10 000 pages, a page the size of a barn, a compression bomb, a HEIC that declares a huge size),
made on the fly from the OCR worker's receipt generator. Used by test_upload_formats.py and the
end-to-end tests (imported by path: tests/ is not a package)."""

from __future__ import annotations

import io
import zlib

from PIL import Image


def receipt_sample(seed: int = 3, index: int = 0):
    """A realistic phone photo of a Polish receipt with its truth (``.truth.to_json()``)."""
    from receipt_synth import generate

    return generate(seed=seed, index=index, size_class="normal")


def receipt_image(sample=None) -> Image.Image:
    """The sample's photo upright (its EXIF rotation applied), as RGB."""
    from PIL import ImageOps

    sample = sample or receipt_sample()
    with Image.open(io.BytesIO(sample.image)) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def heic_bytes(image: Image.Image, quality: int = 90) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buf = io.BytesIO()
    image.save(buf, format="HEIF", quality=quality)
    return buf.getvalue()


def pdf_bytes(image: Image.Image, pages: int = 1, dpi: int = 300) -> bytes:
    """The receipt cut into ``pages`` horizontal strips, one per page (a long e-receipt)."""
    step = -(-image.height // pages)
    strips = [image.crop((0, top, image.width, min(image.height, top + step)))
              for top in range(0, image.height, step)]
    buf = io.BytesIO()
    strips[0].save(buf, format="PDF", resolution=dpi, save_all=True, append_images=strips[1:])
    return buf.getvalue()


def jpeg_bytes(image: Image.Image, size: tuple[int, int] | None = None, quality: int = 85,
               orientation: int | None = None) -> bytes:
    """A JPEG of ``image`` (resized to ``size``); with an EXIF orientation, the pixels are stored
    turned the way a phone stores them and the tag says how to show them upright."""
    if size:
        image = image.resize(size, Image.Resampling.BILINEAR)
    exif = Image.Exif()
    if orientation == 6:  # shown after turning 90 degrees clockwise
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality, exif=exif.tobytes())
    return buf.getvalue()


def _pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A well-formed PDF (with xref) from numbered objects 1..n; object 1 is the catalog."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, trailer_extra, xref))
    return out.getvalue()


def _pages_pdf(count: int, media_box: bytes = b"[0 0 226 600]",
               content: bytes | None = None) -> bytes:
    """``count`` pages sharing one content stream."""
    stream = content if content is not None else b"BT /F1 12 Tf 20 560 Td (PARAGON FISKALNY) Tj ET"
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox " + media_box
                + b" /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * count
    return _pdf(objects)


def many_pages_pdf(count: int = 10_000) -> bytes:
    return _pages_pdf(count)


def huge_page_pdf() -> bytes:
    """Three pages of 200 x 200 inches (PDF's largest page): 60 000 px square at 300 dpi."""
    return _pages_pdf(3, media_box=b"[0 0 14400 14400]")


def flate_bomb_pdf(megabytes: int = 64) -> bytes:
    """A page whose content stream inflates from ~64 kB to ``megabytes`` MB of spaces."""
    packed = zlib.compress(b" " * (megabytes << 20), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 226 600] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
        + b"\nendstream",
    ]
    return _pdf(objects)


def encrypted_pdf() -> bytes:
    """A PDF that needs a user password (standard security handler, RC4 40-bit): a wrong
    /U entry means the empty password does not open it."""
    encrypt = (b"<< /Filter /Standard /V 1 /R 2 /P -44 /O <" + b"41" * 32 + b"> /U <"
               + b"42" * 32 + b"> >>")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 226 600] >>",
        encrypt,
    ]
    return _pdf(objects, b"/Encrypt 4 0 R /ID [<" + b"00" * 16 + b"> <" + b"00" * 16 + b">] ")


def heic_with_declared_size(width: int, height: int) -> bytes:
    """A small real HEIC whose image header (ispe box) claims ``width`` x ``height``."""
    data = bytearray(heic_bytes(Image.new("RGB", (64, 64), "white"), quality=50))
    at = data.find(b"ispe")
    assert at > 0, "pillow-heif wrote no ispe box"
    data[at + 8:at + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    return bytes(data)


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header announcing width x height pixels, with a few bytes of data."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
