"""HTTP client for the OCR worker (`POST /parse-receipt`), with timeouts and error classes.

Classification used by the job queue:
- OcrUnavailable: the worker cannot be reached (connection refused / connect timeout) — the
  job waits for it without spending an attempt;
- OcrTransientError: read timeout, connection dropped mid-request, 5xx, 408, 429 — retried with
  backoff;
- OcrPermanentError: other 4xx (unreadable image, too large ...) or a response that is not a JSON
  object — the job fails at once with the worker's message.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from app.services import metrics

_RETRYABLE_4XX = {408, 429}  # request timeout, too many requests: about the moment, not the image


class OcrError(Exception):
    outcome = "error"


class OcrUnavailable(OcrError):
    outcome = "connection_error"


class OcrTransientError(OcrError):
    outcome = "server_error"


class OcrPermanentError(OcrError):
    outcome = "client_error"


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = body.get("message") or body.get("error") or body.get("detail")
        if text:
            return f"OCR worker answered {response.status_code}: {str(text)[:500]}"
    return f"OCR worker answered {response.status_code}"


class OcrClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        connect_timeout_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        timeout = httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds)
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def parse_receipt(self, image: bytes, content_type: str) -> dict[str, Any]:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await self._call(image, content_type)
        except OcrError as exc:
            outcome = exc.outcome
            raise
        finally:
            metrics.OCR_CALL_DURATION.labels(outcome=outcome).observe(
                time.perf_counter() - started
            )

    async def _call(self, image: bytes, content_type: str) -> dict[str, Any]:
        files = {"file": ("receipt", image, content_type)}
        try:
            response = await self._client.post("/parse-receipt", files=files)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise OcrUnavailable(f"OCR worker unreachable: {type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            error = OcrTransientError(f"OCR worker timed out: {type(exc).__name__}")
            error.outcome = "timeout"
            raise error from exc
        except httpx.TransportError as exc:
            raise OcrTransientError(f"OCR call failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
            raise OcrTransientError(_message(response))
        if response.status_code >= 400:
            raise OcrPermanentError(_message(response))
        try:
            data = response.json()
        except ValueError as exc:
            raise OcrPermanentError("OCR worker answered with invalid JSON") from exc
        if not isinstance(data, dict):
            raise OcrPermanentError("OCR worker answered with JSON that is not an object")
        return data
