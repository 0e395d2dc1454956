"""One Google API request with retries: 429, 5xx and transport errors back off with full
jitter (delay = uniform(0, min(cap, base * 2**attempt)), at least the server's Retry-After),
and a per-user request budget (the Health API allows 300 requests per minute per user).

Other errors are not retried: 4xx answers do not get better by asking again (paperless-ngx
retries only transient errors too). A 403 that says "rate limit" is a 429 in disguise.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from google.auth.exceptions import TransportError
from googleapiclient.errors import HttpError
from httplib2 import HttpLib2Error

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RATE_LIMIT_REASONS = (b"ratelimitexceeded", b"userratelimitexceeded", b"quotaexceeded")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, HttpError):
        if exc.status_code in RETRY_STATUSES:
            return True
        body = (exc.content or b"").lower()
        return exc.status_code == 403 and any(r in body for r in RATE_LIMIT_REASONS)
    return isinstance(exc, TransportError | HttpLib2Error | OSError)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The Retry-After header of an HttpError (seconds or an HTTP date), if any."""
    resp = getattr(exc, "resp", None)
    value = resp.get("retry-after") if resp is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


class RateLimiter:
    """At most `per_minute` requests in any 60-second span (blocks until one is allowed)."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.clock, self.sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            while True:
                now = self.clock()
                while self._sent and now - self._sent[0] >= 60:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                # at least 10 ms: float rounding must not turn this into a busy loop
                self.sleep(max(60 - (now - self._sent[0]), 0.01))


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    sleep: Callable[[float], None] | None = None  # None: time.sleep (patchable in tests)
    rng: random.Random = field(default_factory=random.Random)
    limiter: RateLimiter | None = None

    def delay(self, attempt: int, exc: BaseException) -> float:
        """Full jitter, but never shorter than what the server asked for."""
        jitter = self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))
        return max(jitter, retry_after_seconds(exc) or 0.0)

    def execute(self, request: Any) -> Any:
        """request.execute() with retries; the last error is raised when they run out."""
        attempt = 0
        while True:
            if self.limiter is not None:
                self.limiter.acquire()
            try:
                return request.execute(num_retries=0)
            except Exception as exc:
                attempt += 1
                if not is_transient(exc) or attempt >= self.max_attempts:
                    raise
                (self.sleep or time.sleep)(self.delay(attempt - 1, exc))
