"""/metrics: stable lifeboard_* names for the dashboards, queue gauges from the database."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY
from sqlalchemy import text

from app.core.db import make_engine, make_session_factory
from app.services.metrics import QueueCollector


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_queue_gauges_and_http_metrics(settings_for, clean_db, make_receipt_image) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    # a fresh app: the instrumentator's metrics belong to the app created last in a process
    settings = settings_for()
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    with TestClient(create_app(settings), headers=headers) as api:
        _check_metrics(api, clean_db, make_receipt_image)


def _check_metrics(api, clean_db, make_receipt_image) -> None:
    for _ in range(2):
        api.post("/api/v1/receipts", files={"file": ("r.jpg", make_receipt_image(), "image/jpeg")})
    with clean_db() as session:  # make the oldest ready job a minute old
        session.execute(text("UPDATE receipt_jobs SET run_after = now() - interval '60 seconds'"))
        session.commit()
    body = api.get("/metrics").text
    assert 'lifeboard_jobs{status="pending"} 2.0' in body
    assert 'lifeboard_jobs{status="failed"} 0.0' in body
    age = float(re.search(r"^lifeboard_queue_oldest_pending_age_seconds (\S+)$", body, re.M)[1])
    assert 59 <= age < 120
    with clean_db() as session:
        real_size = session.execute(text("SELECT pg_database_size(current_database())")).scalar()
    size = float(re.search(r"^lifeboard_database_size_bytes (\S+)$", body, re.M)[1])
    # the uploads may have grown it between the scrape and the query: the same order of size
    assert 0 < size <= real_size and size > real_size / 2
    assert re.search(
        r'^http_requests_total\{handler="/api/v1/receipts",method="POST",status="2xx"\} ', body,
        re.M,
    )
    assert 'http_request_duration_seconds_bucket{handler="/api/v1/receipts",le="10.0"' in body
    for name in ("lifeboard_ocr_call_duration_seconds", "lifeboard_job_retries_total",
                 "lifeboard_job_failures_total"):
        assert f"# TYPE {name.removesuffix('_total')}" in body


def test_metrics_need_no_token_but_are_not_in_the_schema(client) -> None:
    assert client.get("/metrics").status_code == 200
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_retry_and_failure_counters_move(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr, ocr_result
) -> None:
    retries = sample("lifeboard_job_retries_total", reason="transient")
    failures = sample("lifeboard_job_failures_total", reason="permanent")
    ok_calls = sample("lifeboard_ocr_call_duration_seconds_count", outcome="ok")
    errors = sample("lifeboard_ocr_call_duration_seconds_count", outcome="server_error")
    answers = iter([(502, {}, 0.0), (200, ocr_result, 0.0), (400, {"message": "bad"}, 0.0)])
    server = scripted_ocr(lambda body: next(answers))
    api.post("/api/v1/receipts", files={"file": ("a.jpg", make_receipt_image(), "image/jpeg")})
    drive(make_worker(server.url, job_concurrency=1),
          lambda: api.get("/api/v1/receipts", params={"status": "done"}).json()["total"] == 1)
    api.post("/api/v1/receipts", files={"file": ("b.jpg", make_receipt_image(), "image/jpeg")})
    drive(make_worker(server.url, job_concurrency=1),
          lambda: api.get("/api/v1/receipts", params={"status": "failed"}).json()["total"] == 1)
    assert sample("lifeboard_job_retries_total", reason="transient") == retries + 1
    assert sample("lifeboard_job_failures_total", reason="permanent") == failures + 1
    assert sample("lifeboard_ocr_call_duration_seconds_count", outcome="ok") == ok_calls + 1
    assert sample("lifeboard_ocr_call_duration_seconds_count", outcome="server_error") == errors + 1


def test_queue_collector_survives_a_database_outage() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        assert list(QueueCollector(make_session_factory(engine)).collect()) == []
    finally:
        engine.dispose()
