"""Prometheus metrics of backend-core. Names are a contract with the dashboards and alerts:

- `lifeboard_jobs{status}` gauge — receipt jobs per status (pending, processing, done,
  failed), read from PostgreSQL at scrape time (so every replica reports the same queue).
- `lifeboard_queue_oldest_pending_age_seconds` gauge — age of the oldest job that is ready to
  run (pending with run_after <= now), 0 when none; read at scrape time.
- `lifeboard_database_size_bytes` gauge — `pg_database_size` of the Lifeboard database (receipt
  images included), read at scrape time; the `DatabaseLarge` alert watches it.
- `lifeboard_ocr_call_duration_seconds{outcome}` histogram — one observation per OCR call;
  outcome is ok | client_error | server_error | timeout | connection_error.
- `lifeboard_job_retries_total{reason}` counter — jobs rescheduled; reason is transient
  (5xx/timeout/dropped connection, spends an attempt), unavailable (OCR worker unreachable,
  no attempt spent), lease_expired (a worker died holding the job).
- `lifeboard_job_failures_total{reason}` counter — jobs that ended `failed`; reason is permanent
  (OCR 4xx / bad result), exhausted (max attempts reached), lease_expired (died too often).
- From prometheus-fastapi-instrumentator: `http_requests_total{method,status,handler}` (status
  grouped as 2xx/4xx/5xx) and `http_request_duration_seconds{method,handler}` with the buckets
  in `HTTP_LATENCY_BUCKETS` (plus `http_request_duration_highr_seconds`, sizes).

`/metrics` serves the process registry (lifeboard_*, python_*, process_*) followed by the app's
own HTTP registry, so every app instance owns its HTTP metrics (one per process in production).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.states import ReceiptStatus

log = logging.getLogger(__name__)

HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
OCR_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120)

OCR_CALL_DURATION = Histogram(
    "lifeboard_ocr_call_duration_seconds",
    "Duration of calls from backend-core to the OCR worker",
    ["outcome"],
    buckets=OCR_BUCKETS,
)
JOB_RETRIES = Counter(
    "lifeboard_job_retries_total", "Receipt jobs rescheduled for another try", ["reason"]
)
JOB_FAILURES = Counter(
    "lifeboard_job_failures_total", "Receipt jobs that ended failed", ["reason"]
)

# Create every known series at 0, so that rate()/increase() see the first event.
for _reason in ("transient", "unavailable", "lease_expired"):
    JOB_RETRIES.labels(reason=_reason)
for _reason in ("permanent", "exhausted", "lease_expired"):
    JOB_FAILURES.labels(reason=_reason)

_QUEUE_SQL = text(
    "SELECT status, count(*) FROM receipt_jobs GROUP BY status"
)
_DB_SIZE_SQL = text("SELECT pg_database_size(current_database())")
_OLDEST_SQL = text(
    "SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(run_after)), 0) FROM receipt_jobs "
    "WHERE status = :pending AND run_after <= now()"
).bindparams(pending=ReceiptStatus.PENDING.value)


class QueueCollector(Collector):
    """Reads the queue gauges and the database size on every scrape (cheap: one indexed GROUP
    BY and a directory size the server keeps in its file system cache)."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily("lifeboard_jobs", "Receipt jobs by status", labels=["status"])
        oldest = GaugeMetricFamily(
            "lifeboard_queue_oldest_pending_age_seconds",
            "Age of the oldest receipt job ready to run",
        )
        db_size = GaugeMetricFamily(
            "lifeboard_database_size_bytes", "Size of the Lifeboard database on disk"
        )
        try:
            with self._session_factory() as session:
                session.execute(text("SET LOCAL statement_timeout = 2000"))
                counts = {status: count for status, count in session.execute(_QUEUE_SQL)}
                age = float(session.execute(_OLDEST_SQL).scalar_one())
                size = float(session.execute(_DB_SIZE_SQL).scalar_one())
        except Exception:
            log.warning("queue metrics unavailable", exc_info=True)
            return
        for status in ReceiptStatus:
            jobs.add_metric([status.value], float(counts.get(status, 0)))
        oldest.add_metric([], max(age, 0.0))
        db_size.add_metric([], size)
        yield jobs
        yield oldest
        yield db_size

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


def register_queue_collector(
    session_factory: Callable[[], Session], registry: CollectorRegistry = REGISTRY
) -> QueueCollector:
    """Register (once per process; a second app replaces the first's collector)."""
    global _registered
    if _registered is not None:
        registry.unregister(_registered)
    collector = QueueCollector(session_factory)
    registry.register(collector)
    _registered = collector
    return collector


_registered: QueueCollector | None = None


def install_metrics(app: FastAPI, session_factory: Callable[[], Session]) -> None:
    """Instrument HTTP requests and serve GET /metrics (not in the OpenAPI schema)."""
    http_registry = CollectorRegistry()
    Instrumentator(
        should_group_status_codes=True,
        excluded_handlers=["/metrics", "/healthz"],
        registry=http_registry,
    ).instrument(app, latency_lowr_buckets=HTTP_LATENCY_BUCKETS)
    register_queue_collector(session_factory)

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        body = generate_latest(REGISTRY) + generate_latest(http_registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
