"""Retries of one Google request: which errors, how long between tries, the per-user budget."""

from __future__ import annotations

import random

import httplib2
import pytest
from googleapiclient.errors import HttpError

from app.services.health.request_retry import (
    RateLimiter,
    RetryPolicy,
    is_transient,
    retry_after_seconds,
)


def http_error(status: int, body: bytes = b"{}", **headers: str) -> HttpError:
    return HttpError(httplib2.Response({"status": str(status), **headers}), body)


class Scripted:
    """A request whose execute() raises the given errors, then returns `result`."""

    def __init__(self, *errors: Exception, result: object = "ok") -> None:
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    def execute(self, num_retries: int = 0) -> object:
        assert num_retries == 0  # the client library must not retry on its own as well
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


@pytest.mark.parametrize(("error", "transient"), [
    (http_error(429), True), (http_error(500), True), (http_error(503), True),
    (http_error(504), True), (http_error(400), False), (http_error(401), False),
    (http_error(404), False), (http_error(403, b'{"error":{"errors":[{"reason":'
                                             b'"userRateLimitExceeded"}]}}'), True),
    (http_error(403, b'{"error":{"status":"PERMISSION_DENIED"}}'), False),
    (ConnectionRefusedError(), True), (httplib2.ServerNotFoundError("dns"), True),
    (ValueError("bug"), False),
])
def test_which_errors_are_retried(error, transient):
    assert is_transient(error) is transient


def test_backoff_is_full_jitter_growing_and_capped():
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=6, base_seconds=1, cap_seconds=5, sleep=waits.append,
                         rng=random.Random(7))
    request = Scripted(*[http_error(503)] * 5)
    assert policy.execute(request) == "ok" and request.calls == 6
    bounds = [1, 2, 4, 5, 5]  # min(cap, base * 2**attempt)
    assert all(0 <= w <= b for w, b in zip(waits, bounds, strict=True))
    assert len(set(waits)) == len(waits)  # jittered, not a fixed ladder


def test_retry_after_is_honoured_and_errors_run_out():
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=3, base_seconds=0.01, sleep=waits.append)
    request = Scripted(http_error(429, **{"retry-after": "12"}), http_error(500), http_error(500))
    with pytest.raises(HttpError) as caught:
        policy.execute(request)
    assert caught.value.status_code == 500 and request.calls == 3
    assert waits[0] == 12 and waits[1] < 1
    assert retry_after_seconds(http_error(429, **{"retry-after": "nonsense"})) is None


def test_a_client_error_is_not_retried():
    waits: list[float] = []
    request = Scripted(http_error(400))
    with pytest.raises(HttpError):
        RetryPolicy(sleep=waits.append).execute(request)
    assert request.calls == 1 and waits == []


def test_rate_limiter_keeps_to_the_budget_per_minute():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(300, clock=lambda: now[0], sleep=sleep)
    for _ in range(300):
        limiter.acquire()
        now[0] += 0.01  # 300 requests in 3 s: within the budget
    assert slept == []
    limiter.acquire()  # the 301st waits until the first is a minute old
    assert slept == [pytest.approx(57.0)]
    sent = [0.0]
    for _ in range(600):
        limiter.acquire()
        sent.append(now[0])
    # never more than 300 in any 60-second span
    assert all(sum(1 for t in sent if s <= t < s + 60) <= 300 for s in sent)
