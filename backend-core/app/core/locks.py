"""Cluster-wide mutual exclusion through PostgreSQL advisory locks.

Several core replicas share one database; `try_advisory_lock(engine, name)` lets exactly one of
them run a job at a time (the health sync uses HEALTH_SYNC_LOCK). The lock is session-level on
a connection of its own, held while the `with` block runs, released at its end, and released
by PostgreSQL if the process dies (its connection closes). It never waits: a caller that does
not get it is told so and skips (or reports "busy").
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HEALTH_SYNC_LOCK = "lifeboard.health-sync"
HEALTH_CONNECT_FOLDER_LOCK = "lifeboard.health-connect-folder"
RECEIPT_BOOKING_LOCK = "lifeboard.receipt-booking"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (the same in every process and version)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def try_advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock `name`, False if someone else holds it."""
    key = lock_key(name)
    with engine.connect() as conn:
        acquired = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # a session-level lock outlives transactions; do not sit idle in one
        try:
            yield acquired
        finally:
            # A connection that died meanwhile has released the lock with it.
            if acquired and not conn.invalidated:
                with contextlib.suppress(DBAPIError):
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
