"""Prometheus metrics of the OCR worker.

Under gunicorn every worker is its own process; when ``PROMETHEUS_MULTIPROC_DIR`` is set
(gunicorn.conf.py does it) the /metrics endpoint aggregates all workers' files.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60)

HTTP_REQUESTS = Counter(
    "ocr_worker_http_requests_total",
    "HTTP requests handled, by method, endpoint and status code.",
    ["method", "endpoint", "status"],
)
HTTP_DURATION = Histogram(
    "ocr_worker_http_request_duration_seconds",
    "HTTP request latency by endpoint.",
    ["method", "endpoint"],
    buckets=_LATENCY_BUCKETS,
)
OCR_SECONDS = Histogram(
    "ocr_worker_ocr_seconds",
    "Seconds spent in preprocessing plus Tesseract per image (first pass and re-reads).",
    buckets=_LATENCY_BUCKETS,
)
PARSE_SECONDS = Histogram(
    "ocr_worker_parse_seconds",
    "Seconds to parse one receipt image: checks, preprocessing, Tesseract and the text parser.",
    buckets=_LATENCY_BUCKETS,
)
PARSER_SECONDS = Histogram(
    "ocr_worker_parser_seconds",
    "Seconds spent turning OCR lines into a structured receipt per image (the text parser).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
RECEIPTS = Counter(
    "ocr_worker_receipts_total",
    "Receipt images processed, by outcome (parsed, partial, no_text, rejected, error).",
    ["outcome"],
)


def render() -> tuple[bytes, str]:
    """Return the exposition text of all metrics (all gunicorn workers in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
