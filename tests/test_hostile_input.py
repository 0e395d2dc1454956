"""Hostile input through the real gateway of the native stack.

Every request here is something an attacker or a careless client sends. Each must get the
right 4xx with a JSON message (or, where the upload is acceptable, end `failed` with a reason),
and the stack must keep serving afterwards.
"""

from __future__ import annotations

import io
import time
import uuid

import httpx
import pytest
from PIL import Image

pytestmark = pytest.mark.slow


def png_bytes(size: tuple[int, int], color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, color).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (400, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def api(native_stack):
    with httpx.Client(
        base_url=native_stack.gateway_url, headers=native_stack.auth_headers, timeout=30
    ) as client:
        yield client
    # Whatever came before, the stack still serves.
    assert httpx.get(f"{native_stack.gateway_url}/healthz", timeout=10).status_code == 200


def assert_json_error(response: httpx.Response, *codes: int) -> None:
    assert response.status_code in codes, (response.status_code, response.text[:500])
    body = response.json()
    message = body.get("detail") or body.get("message") or body.get("error")
    assert message, body
    assert "Traceback" not in response.text


def upload(api: httpx.Client, name: str, data: bytes, content_type: str = "image/jpeg"):
    return api.post("/api/v1/receipts", files={"file": (name, data, content_type)})


def wait_final(api: httpx.Client, receipt_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"/api/v1/receipts/{receipt_id}").json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def rejected_or_failed(api: httpx.Client, response: httpx.Response) -> None:
    """A hostile upload is refused with a 4xx, or accepted and ends `failed` with a reason."""
    if response.status_code == 202:
        final = wait_final(api, response.json()["id"])
        assert final["status"] == "failed", final
        assert final["error"], final
    else:
        assert_json_error(response, 400, 413, 415, 422)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="},
     {"Authorization": "Bearer"}],
    ids=["no-token", "wrong-token", "basic-auth", "empty-bearer"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/receipts"), ("GET", "/api/v1/transactions"),
     ("POST", "/api/v1/receipts"), ("GET", "/api/v1/summary/monthly"),
     ("GET", "/api/v1/activity")],
)
def test_personal_routes_need_the_token(native_stack, headers, method, path):
    response = httpx.request(method, f"{native_stack.gateway_url}{path}", headers=headers,
                             timeout=10)
    assert_json_error(response, 401, 403)


def test_oversized_body_is_refused_by_the_gateway(api):
    response = upload(api, "big.jpg", b"\xff\xd8\xff" + b"\0" * (25 * 1024 * 1024))
    assert_json_error(response, 413)


def test_empty_file(api):
    assert_json_error(upload(api, "empty.jpg", b""), 400, 422)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [("notes.jpg", b"just some text, not a picture\n" * 20, "image/jpeg"),
     ("page.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
     ("script.png", b"#!/bin/sh\nrm -rf /\n", "image/png")],
    ids=["text-named-jpg", "html-named-jpg", "shell-named-png"],
)
def test_non_images_named_as_images(api, name, data, content_type):
    assert_json_error(upload(api, name, data, content_type), 400, 415, 422)


def test_truncated_jpeg(api):
    data = jpeg_bytes((800, 1200))
    rejected_or_failed(api, upload(api, "cut.jpg", data[: len(data) // 3]))


def test_decompression_bomb(api):
    bomb = png_bytes((30_000, 30_000))  # 900 megapixels in a few hundred kB
    assert len(bomb) < 2 * 1024 * 1024
    rejected_or_failed(api, upload(api, "bomb.png", bomb, "image/png"))


@pytest.mark.parametrize(
    "name", ["../../../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "/etc/shadow.jpg",
             "a\0b.jpg", "%2e%2e%2fsecret.jpg"],
)
def test_path_traversal_file_names_are_never_paths(api, name):
    data = jpeg_bytes((300 + len(name), 500))  # distinct bytes per case: no duplicate hits
    response = upload(api, name, data)
    if response.status_code != 202:
        assert_json_error(response, 400, 422)
        return
    stored = api.get(f"/api/v1/receipts/{response.json()['id']}").json()
    shown = stored.get("filename") or ""
    assert "/" not in shown and "\\" not in shown and "\0" not in shown, shown


@pytest.mark.parametrize(
    "params",
    [{"shop": "' OR 1=1 --"}, {"shop": "x'; DROP TABLE transactions; --"},
     {"category": "\" OR \"\"=\""}, {"shop": "%"}],
)
def test_sql_in_query_parameters_is_just_text(api, params):
    response = api.get("/api/v1/transactions", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    # The table is still there.
    assert api.get("/api/v1/transactions").status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"date_from": "2026-13-45"}, {"date_from": "1' OR '1'='1"}, {"limit": "-1"},
     {"limit": "100000"}, {"offset": "1e9"}],
)
def test_malformed_query_parameters(api, params):
    assert_json_error(api.get("/api/v1/transactions", params=params), 422)


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [("GET", f"/api/v1/receipts/{uuid.uuid4()}", (404,)),
     ("GET", f"/api/v1/receipts/{uuid.uuid4()}/image", (404,)),
     ("POST", f"/api/v1/receipts/{uuid.uuid4()}/retry", (404,)),
     ("GET", "/api/v1/receipts/not-a-uuid", (404, 422)),
     ("GET", "/api/v1/receipts/1%20OR%201=1", (404, 422)),
     ("GET", f"/api/v1/transactions/{uuid.uuid4()}", (404,)),
     ("DELETE", f"/api/v1/transactions/{uuid.uuid4()}", (404,))],
)
def test_unknown_ids(api, method, path, codes):
    assert_json_error(api.request(method, path), *codes)


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/api/../metrics", "/%6detrics"])
def test_internal_paths_are_not_served(native_stack, path):
    response = httpx.get(f"{native_stack.gateway_url}{path}", timeout=10)
    assert response.status_code == 404
    assert "http_requests_total" not in response.text


def test_the_stack_keeps_serving_a_real_receipt_after_the_attacks(api, receipt_photo):
    response = upload(api, "after-attacks.jpg", receipt_photo.read_bytes())
    assert response.status_code == 202, response.text
    final = wait_final(api, response.json()["id"], timeout=120)
    assert final["status"] == "done", final
