"""HTTP API of the OCR worker through Flask's test client: real OCR on a rendered slip, and
every kind of bad upload answered with a JSON 4xx while the app keeps serving."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from flask.testing import FlaskClient
from PIL import Image

from ocr_worker.ocr import tesseract_version


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header announcing width × height pixels, with a few bytes of data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b"")
    )


def _post(client: FlaskClient, data: bytes, name: str = "receipt.png"):
    return client.post(
        "/parse-receipt", data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_healthz_reports_tesseract_version(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["tesseract"] == tesseract_version()
    assert body["tesseract"].startswith("5")


def test_parse_rendered_receipt(client: FlaskClient, simple_receipt_png: bytes) -> None:
    response = _post(client, simple_receipt_png)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["shop"] == "Biedronka"
    assert body["date"] == "2026-11-20"
    assert body["total"] == "11.97"
    assert body["currency"] == "PLN"
    assert [(i["price"], i["quantity"]) for i in body["items"]] == [("6.98", "2"), ("4.99", "1")]
    assert body["checks"]["items_sum_matches_total"] is True
    assert "lines" not in body


def test_raw_body_and_debug_lines(client: FlaskClient, simple_receipt_png: bytes) -> None:
    response = client.post(
        "/parse-receipt?debug=1", data=simple_receipt_png, content_type="image/png"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert any("PARAGON" in line for line in body["lines"])
    assert body["total"] == "11.97"


def _truncated_jpeg() -> bytes:
    data = encode(Image.new("RGB", (400, 600), (250, 250, 240)), "JPEG")
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"<html><body>not a receipt</body></html>", 400, "not_an_image"),
        (b"%PDF-1.7\n1 0 obj\n", 400, "invalid_pdf"),  # PDFs are read; a broken one is not
        (_truncated_jpeg(), 400, "invalid_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400, "invalid_image"),
        (bomb_png(), 413, "decompression_bomb"),
        (b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), 413, "file_too_large"),
    ],
    ids=["empty", "html", "pdf", "truncated-jpeg", "garbage-png", "bomb", "oversized"],
)
def test_bad_uploads_get_json_4xx(
    client: FlaskClient, simple_receipt_png: bytes, payload: bytes, status: int, code: str
) -> None:
    response = _post(client, payload, "photo.jpg")
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code
    assert body["message"]
    # the worker keeps serving after a rejected upload
    assert client.get("/healthz").status_code == 200


def test_missing_field_and_wrong_method(client: FlaskClient) -> None:
    response = client.post(
        "/parse-receipt", data={"other": (io.BytesIO(b"x"), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "missing_file"
    response = client.get("/parse-receipt")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert client.get("/nope").get_json()["error"] == "not_found"


def test_pixel_limit_is_enforced_before_decoding(client: FlaskClient) -> None:
    big = encode(Image.new("1", (2500, 2000), 1))  # 5 M pixels > 4 M test limit, tiny file
    response = _post(client, big)
    assert response.status_code == 413
    assert response.get_json()["error"] == "decompression_bomb"


def test_an_image_longer_than_tesseract_reads_is_refused_up_front(client: FlaskClient) -> None:
    strip = encode(Image.new("1", (40_000, 10), 1))  # few pixels, but wider than 32767
    response = _post(client, strip)
    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "image_too_large"
    assert "32767" in body["message"]


def test_metrics_count_requests_and_outcomes(client: FlaskClient) -> None:
    _post(client, b"not an image")
    text = client.get("/metrics").get_data(as_text=True)
    assert "ocr_worker_parse_seconds_bucket" in text
    assert 'ocr_worker_receipts_total{outcome="rejected"}' in text
    assert (
        'ocr_worker_http_requests_total{endpoint="/parse-receipt",method="POST",status="400"}'
        in text
    )


@pytest.mark.parametrize(
    ("mode", "size", "fmt"),
    [("CMYK", (120, 80), "JPEG"), ("I;16", (120, 80), "PNG"), ("1", (1, 1), "PNG"),
     ("LA", (3, 900), "PNG"), ("P", (120, 80), "GIF"), ("RGB", (120, 80), "WEBP")],
)
def test_unusual_images_are_read_not_failed(
    client: FlaskClient, mode: str, size: tuple[int, int], fmt: str
) -> None:
    response = _post(client, encode(Image.new(mode, size), fmt), f"x.{fmt.lower()}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["items"] == [] and body["total"] is None
    assert "no text found on the image" in body["warnings"]


def test_parser_failure_degrades_to_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr_worker import pipeline

    def broken(lines: list[str]) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(pipeline, "parse_receipt", broken)
    result = pipeline.parse_lines(["SUMA PLN 1,00"]).result
    assert result["warnings"] == ["parser failed: ValueError"]
    assert result["items"] == [] and result["total"] is None
