"""End to end through the real gateway of the native stack: a receipt photo goes gateway ->
backend-core -> ocr-worker -> PostgreSQL and comes back parsed; Prometheus scrapes the services.
"""

from __future__ import annotations

import io
import re
import time

import httpx
import pytest
from PIL import Image, ImageOps

from receipt_synth import Sample, generate

pytestmark = pytest.mark.slow

DONE_TIMEOUT_SECONDS = 120
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Content-Security-Policy")


@pytest.fixture(scope="module")
def receipt() -> Sample:
    """A realistic phone photo of a Polish receipt, from the OCR worker's generator."""
    return generate(seed=3, index=0, size_class="normal")


@pytest.fixture(scope="module")
def client(native_stack) -> httpx.Client:
    with httpx.Client(base_url=native_stack.gateway_url, headers=native_stack.auth_headers,
                      timeout=30) as client:
        yield client


def wait_until_finished(client: httpx.Client, receipt_id: str) -> dict:
    deadline = time.monotonic() + DONE_TIMEOUT_SECONDS
    while True:
        response = client.get(f"/api/v1/receipts/{receipt_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


@pytest.fixture(scope="module")
def uploaded(client: httpx.Client, receipt: Sample) -> dict:
    started = time.monotonic()
    response = client.post("/api/v1/receipts",
                           files={"file": (f"{receipt.name}.jpg", receipt.image, "image/jpeg")})
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["status"] == "pending"
    final = wait_until_finished(client, created["id"])
    final["_seconds"] = time.monotonic() - started
    return final


def test_receipt_photo_is_parsed_end_to_end(uploaded: dict, receipt: Sample) -> None:
    assert uploaded["status"] == "done", uploaded
    assert uploaded["items"], uploaded
    for item in uploaded["items"]:
        assert item["name"] and item["price"]
    truth = receipt.truth.to_json()
    assert uploaded["total"] == truth["total"], (uploaded, truth)
    assert uploaded["currency"] == "PLN"
    assert uploaded["transaction_id"]


def test_parsed_receipt_becomes_a_transaction(client: httpx.Client, uploaded: dict) -> None:
    response = client.get("/api/v1/transactions")
    assert response.status_code == 200
    body = response.json()
    rows = body["items"] if isinstance(body, dict) else body
    assert any(row["id"] == uploaded["transaction_id"] for row in rows), body


def test_same_photo_again_is_the_same_receipt(
    client: httpx.Client, receipt: Sample, uploaded: dict
) -> None:
    response = client.post("/api/v1/receipts", files={"file": ("again.jpg", receipt.image)})
    assert response.status_code == 202
    assert response.json()["id"] == uploaded["id"]
    assert response.json()["duplicate"] is True


def test_a_pdf_of_the_same_purchase_is_held_not_booked(
    client: httpx.Client, receipt: Sample, uploaded: dict
) -> None:
    """Other bytes, same purchase: read with the same shop, date and total, it waits for a
    person instead of booking the spending twice."""
    page = ImageOps.exif_transpose(Image.open(io.BytesIO(receipt.image))).convert("RGB")
    pdf = io.BytesIO()
    page.save(pdf, format="PDF", resolution=300)
    response = client.post(
        "/api/v1/receipts", files={"file": ("scan.pdf", pdf.getvalue(), "application/pdf")}
    )
    assert response.status_code == 202 and response.json()["duplicate"] is False
    held = wait_until_finished(client, response.json()["id"])
    assert (held["status"], held["shop"], held["date"], held["total"]) == (
        "done", uploaded["shop"], uploaded["date"], uploaded["total"]
    ), held
    assert held["transaction_id"] is None and held["needs_review"] is True
    assert held["possible_duplicate_of"] == uploaded["id"], held
    assert held["booking_problems"][0].startswith(f"possible duplicate of receipt {uploaded['id']}")
    # the person says it is the same purchase: the copy goes, the one booking stays
    assert client.delete(f"/api/v1/receipts/{held['id']}").status_code == 204


def test_healthz_through_the_gateway(native_stack) -> None:
    response = httpx.get(f"{native_stack.gateway_url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), name
    assert response.headers["Server"] == "nginx"


def test_api_needs_the_token_through_the_gateway(native_stack) -> None:
    response = httpx.get(f"{native_stack.gateway_url}/api/v1/receipts", timeout=10)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_metrics_are_not_served_by_the_gateway(native_stack) -> None:
    # The core does serve them (to Prometheus, on its own port) ...
    direct = httpx.get(f"{native_stack.core_url}/metrics", timeout=10)
    assert direct.status_code == 200 and "http_requests_total" in direct.text
    # ... the gateway never does.
    for path in ("/metrics", "/api/../metrics", "/api/v1/../../metrics"):
        with httpx.Client() as plain:
            request = plain.build_request("GET", native_stack.gateway_url)
            request.url = request.url.copy_with(raw_path=path.encode())
            response = plain.send(request)
        assert response.status_code == 404, path
        assert "http_requests_total" not in response.text


def test_prometheus_scrapes_core_and_ocr(native_stack) -> None:
    wanted = {"backend-core", "ocr-worker", "prometheus"}
    deadline = time.monotonic() + 45
    while True:
        targets = httpx.get(f"{native_stack.prometheus_url}/api/v1/targets", timeout=10).json()
        health = {t["labels"]["job"]: t["health"] for t in targets["data"]["activeTargets"]}
        if all(health.get(job) == "up" for job in wanted) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert {job: health.get(job) for job in wanted} == dict.fromkeys(wanted, "up"), targets
    # And the core's request counter is queryable, as the dashboards expect.
    query = httpx.get(f"{native_stack.prometheus_url}/api/v1/query",
                      params={"query": 'up{job="backend-core"}'}, timeout=10).json()
    assert query["data"]["result"][0]["value"][1] == "1"


def test_swagger_ui_and_its_assets_through_the_gateway(native_stack) -> None:
    with httpx.Client(base_url=native_stack.gateway_url, timeout=10) as plain:
        page = plain.get("/docs")
        assert page.status_code == 200 and "swagger-ui" in page.text
        assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
        assert len(assets) >= 3, page.text
        for path in [*assets, "/openapi.json"]:
            assert plain.get(path).status_code == 200, path
    # The gateway's policy for /docs is the one the core itself states for its page.
    direct = httpx.get(f"{native_stack.core_url}/docs", timeout=10)
    assert page.headers["Content-Security-Policy"] == direct.headers["Content-Security-Policy"]
