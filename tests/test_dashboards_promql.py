"""Every PromQL expression of the dashboards runs against the live Prometheus of the native stack
(after some traffic and one receipt through the OCR worker) and returns series.

Only the health-sync panels may be empty here: the test stack has no Google account, so those
series do not exist yet; their metric names are checked against the code instead.
"""

from __future__ import annotations

import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: find the helper
import dashboard_queries as dq

pytestmark = pytest.mark.slow

TARGETS = {t.name: t for t in dq.promql_targets()}
# Panels whose series appear only after a successful health sync.
MAY_BE_EMPTY = {"Last health sync", "Health rows written"}
SERVICE_SOURCES = [dq.ROOT / "backend-core" / "app", dq.ROOT / "ocr-worker" / "ocr_worker"]
BUILTIN = {"up"}  # recorded by Prometheus itself
INSTRUMENTATOR = {"http_requests_total", "http_request_duration_seconds"}
RECEIPT_DEADLINE_SECONDS = 120
SCRAPE_DEADLINE_SECONDS = 90


def _dashboard_range(name: str) -> timedelta:
    start = dq.load_dashboards()[name]["time"]["from"]  # "now-6h"
    return dq.parse_interval(start.removeprefix("now-"))


def _scrape_interval(prometheus_url: str) -> timedelta:
    config = httpx.get(f"{prometheus_url}/api/v1/status/config", timeout=10).json()
    match = re.search(r"scrape_interval:\s*(\S+)", config["data"]["yaml"])
    assert match
    return dq.parse_interval(match.group(1))


def _query(prometheus_url: str, expr: str, instant: bool) -> list[dict[str, Any]]:
    now = time.time()
    if instant:
        response = httpx.post(f"{prometheus_url}/api/v1/query", data={"query": expr, "time": now},
                              timeout=30)
    else:
        response = httpx.post(f"{prometheus_url}/api/v1/query_range", timeout=30, data={
            "query": expr, "start": now - 300, "end": now, "step": 10})
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", (expr, body)
    return body["data"]["result"]


@pytest.fixture(scope="module")
def traffic(native_stack: Any, receipt_photo: Path) -> dict[str, Any]:
    """Requests of every kind through the gateway, and one receipt processed end to end."""
    with httpx.Client(base_url=native_stack.gateway_url, timeout=30) as client:
        for _ in range(5):
            assert client.get("/api/v1/receipts", headers=native_stack.auth_headers).is_success
            assert client.get("/api/v1/receipts").status_code == 401
        upload = client.post("/api/v1/receipts", headers=native_stack.auth_headers,
                             files={"file": (receipt_photo.name, receipt_photo.read_bytes(),
                                             "image/jpeg")})
        assert upload.status_code == 202, upload.text
        receipt_id = upload.json()["id"]
        deadline = time.monotonic() + RECEIPT_DEADLINE_SECONDS
        status = "pending"
        while status in ("pending", "processing") and time.monotonic() < deadline:
            time.sleep(1)
            status = client.get(f"/api/v1/receipts/{receipt_id}",
                                headers=native_stack.auth_headers).json()["status"]
        assert status in ("done", "failed"), f"receipt still {status}:\n{native_stack.logs()}"
    return {"scrape_interval": _scrape_interval(native_stack.prometheus_url)}


def test_there_are_promql_panels() -> None:
    assert len(TARGETS) >= 15
    assert {t.dashboard for t in TARGETS.values()} == {"system.json"}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_expression_returns_series(name: str, native_stack: Any, traffic: dict[str, Any]) -> None:
    target = TARGETS[name]
    panel = next(p for p in dq.iter_panels(dq.load_dashboards()[target.dashboard]["panels"])
                 if p["title"] == target.panel)
    instant = any(t.get("instant") for t in panel["targets"])
    expr = dq.expand_promql(target.text, _dashboard_range(target.dashboard),
                            traffic["scrape_interval"])
    assert "$" not in expr, expr
    deadline = time.monotonic() + SCRAPE_DEADLINE_SECONDS
    result = _query(native_stack.prometheus_url, expr, instant)
    while not result and target.panel not in MAY_BE_EMPTY and time.monotonic() < deadline:
        time.sleep(2)  # the next scrape has not happened yet
        result = _query(native_stack.prometheus_url, expr, instant)
    if target.panel not in MAY_BE_EMPTY:
        assert result, f"no series for {name}: {expr}"


def test_up_reports_every_service(native_stack: Any, traffic: dict[str, Any]) -> None:
    result = _query(native_stack.prometheus_url, "up", instant=True)
    assert {r["metric"]["job"]: r["value"][1] for r in result} == {
        "backend-core": "1", "ocr-worker": "1", "prometheus": "1"}


def test_request_rate_counts_the_traffic(native_stack: Any, traffic: dict[str, Any]) -> None:
    result = _query(native_stack.prometheus_url,
                    'sum by (handler, status) (http_requests_total{job="backend-core"})', True)
    seen = {(r["metric"]["handler"], r["metric"]["status"]): float(r["value"][1])
            for r in result}
    assert seen[("/api/v1/receipts", "2xx")] >= 5
    assert seen[("/api/v1/receipts", "4xx")] >= 5


def test_metric_names_exist_in_the_services() -> None:
    """Names that cannot have live data here (health) are at least defined by the code."""
    source = "\n".join(p.read_text("utf-8") for d in SERVICE_SOURCES for p in d.rglob("*.py"))
    names: set[str] = set()
    for target in TARGETS.values():
        names |= set(re.findall(r"\b([a-z_]+)(?=\{|\[|\)| )", target.text))
    metrics = {n for n in names if n.startswith(("lifeboard_", "ocr_worker_", "http_", "up"))}
    assert metrics
    for name in metrics:
        base = re.sub(r"_(total|bucket|count|sum)$", "", name)
        if name in BUILTIN or name in INSTRUMENTATOR or base in INSTRUMENTATOR:
            continue
        assert f'"{base}"' in source or f'"{name}"' in source, f"{name} is defined nowhere"
