"""Every state set the database stores, one StrEnum each: the only place their values are
written (models, schemas, metrics, the CLI and the SQL all use these; a test greps for
stray literals). The database CHECKs hold the same values (migration 0006 writes them out
literally, as migrations must; a test compares the head database with these enums).

A member is a `str`, so it compares equal to the value read back from the database and
serialises as that value in JSON and SQL.
"""

from __future__ import annotations

from enum import StrEnum


class ReceiptStatus(StrEnum):
    """Where a receipt is in the OCR queue. A receipt's status is its job's status (the queue
    mirrors every change of `receipt_jobs.status` onto `receipts.status`), so both columns
    hold this one set."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class TransactionSource(StrEnum):
    """Where a transaction comes from: a receipt (owned by it) or entered by hand."""

    RECEIPT = "receipt"
    MANUAL = "manual"


class CredentialState(StrEnum):
    """The stored Google grant of a provider: usable, or revoked/expired until the user
    authorizes again."""

    OK = "ok"
    REAUTHORIZATION_NEEDED = "reauthorization_needed"


class HealthSource(StrEnum):
    """Where a day of activity came from: a cloud provider's sync or a file import
    (activity.source and its field_sources, health_sync_state.source, metric labels)."""

    FIT = "fit"
    HEALTH_API = "health_api"
    HEALTH_CONNECT = "health_connect"
    TAKEOUT = "takeout"


class HealthProvider(StrEnum):
    """The Google cloud providers a grant is stored for and a sync runs against; each is also
    the HealthSource of what it syncs."""

    FIT = "fit"
    HEALTH_API = "health_api"


def sql_in(column: str, states: type[StrEnum]) -> str:
    """`column IN ('a','b')`: the CHECK condition that allows exactly ``states``."""
    allowed = ",".join(f"'{state.value}'" for state in states)
    return f"{column} IN ({allowed})"
