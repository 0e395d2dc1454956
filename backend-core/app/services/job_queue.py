"""Durable receipt job queue in PostgreSQL (no broker).

- `enqueue` adds the job in the caller's transaction (the upload commits image + job at once).
- `claim` takes one ready job with `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of
  workers/replicas can poll; it also takes jobs whose lease expired (their worker died).
- Every state change after a claim is fenced by `locked_by` = the claimer's token and status
  `processing`: a worker that lost its lease cannot overwrite the new owner's work.
- Attempts are counted at claim time. `reschedule` gives an attempt back when the failure was
  not the job's fault (OCR worker unreachable); `release` does the same at shutdown.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Result, text, update
from sqlalchemy.orm import Session

from app.models import Receipt, ReceiptJob
from app.models.states import ReceiptStatus
from app.services import metrics

PENDING, PROCESSING = ReceiptStatus.PENDING, ReceiptStatus.PROCESSING
DONE, FAILED = ReceiptStatus.DONE, ReceiptStatus.FAILED

_EXPIRED_EXHAUSTED = text(
    """
    UPDATE receipt_jobs
       SET status = :failed, finished_at = now(), lease_until = NULL, locked_by = NULL,
           last_error = 'processing was interrupted ' || attempts || ' times '
                        || '(worker lost the job when its lease expired)'
     WHERE status = :processing AND lease_until < now() AND attempts >= max_attempts
    RETURNING receipt_id, last_error
    """
).bindparams(failed=FAILED.value, processing=PROCESSING.value)

_CLAIM = text(
    """
    WITH next AS (
        SELECT id, status AS old_status
          FROM receipt_jobs
         WHERE (status = :pending AND run_after <= now())
            OR (status = :processing AND lease_until < now())
         ORDER BY run_after, created_at
         LIMIT 1
           FOR UPDATE SKIP LOCKED
    )
    UPDATE receipt_jobs AS j
       SET status = :processing,
           attempts = j.attempts + 1,
           lease_until = now() + make_interval(secs => :lease),
           locked_by = :worker,
           started_at = now(),
           finished_at = NULL
      FROM next
     WHERE j.id = next.id
    RETURNING j.id, j.receipt_id, j.attempts, j.max_attempts, next.old_status
    """
).bindparams(pending=PENDING.value, processing=PROCESSING.value)


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    receipt_id: uuid.UUID
    attempts: int
    max_attempts: int
    token: str
    reclaimed: bool  # the previous holder's lease expired

    @property
    def last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


def backoff_seconds(
    attempt: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with jitter: uniform in [d/2, d], d = min(cap, base * 2**(n-1))."""
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return (rng or random).uniform(ceiling / 2, ceiling)


def new_token(prefix: str = "worker") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def enqueue(session: Session, receipt_id: uuid.UUID, max_attempts: int) -> ReceiptJob:
    job = ReceiptJob(receipt_id=receipt_id, status=PENDING, attempts=0, max_attempts=max_attempts)
    session.add(job)
    return job


def _set_receipt(session: Session, receipt_id: uuid.UUID, **values: object) -> None:
    session.execute(update(Receipt).where(Receipt.id == receipt_id).values(**values))


def fail_abandoned(session: Session) -> int:
    """Fail jobs whose worker died holding them on their last allowed attempt."""
    rows = session.execute(_EXPIRED_EXHAUSTED).all()
    for receipt_id, error in rows:
        _set_receipt(session, receipt_id, status=FAILED, error=error)
        metrics.JOB_FAILURES.labels(reason="lease_expired").inc()
    return len(rows)


def claim(session: Session, token: str, lease_seconds: float) -> ClaimedJob | None:
    """Claim the next ready job (commit promptly: the row lock is held until then)."""
    fail_abandoned(session)
    row = session.execute(_CLAIM, {"lease": lease_seconds, "worker": token}).first()
    if row is None:
        return None
    job = ClaimedJob(
        id=row.id,
        receipt_id=row.receipt_id,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        token=token,
        reclaimed=row.old_status == PROCESSING,
    )
    if job.reclaimed:
        metrics.JOB_RETRIES.labels(reason="lease_expired").inc()
    _set_receipt(session, job.receipt_id, status=PROCESSING, error=None)
    return job


def _rowcount(result: Result[*tuple[Any, ...]]) -> int:
    # Session.execute is typed as returning a Result; for UPDATE it is a CursorResult.
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


def _fenced(session: Session, job: ClaimedJob, **values: object) -> bool:
    result = session.execute(
        update(ReceiptJob)
        .where(
            ReceiptJob.id == job.id,
            ReceiptJob.locked_by == job.token,
            ReceiptJob.status == PROCESSING,
        )
        .values(**values)
    )
    return _rowcount(result) == 1


_DURATION = text("(EXTRACT(EPOCH FROM now() - started_at) * 1000)::int")
_FINISHED = {"finished_at": text("now()"), "duration_ms": _DURATION, "lease_until": None}


def mark_done(session: Session, job: ClaimedJob) -> bool:
    """Mark the job done; the caller writes the parsed rows in the same transaction."""
    ok = _fenced(session, job, status=DONE, last_error=None, **_FINISHED)
    if ok:
        _set_receipt(session, job.receipt_id, status=DONE, error=None)
    return ok


def mark_failed(session: Session, job: ClaimedJob, error: str, reason: str) -> bool:
    ok = _fenced(session, job, status=FAILED, last_error=error, **_FINISHED)
    if ok:
        _set_receipt(session, job.receipt_id, status=FAILED, error=error)
        metrics.JOB_FAILURES.labels(reason=reason).inc()
    return ok


def reschedule(
    session: Session, job: ClaimedJob, error: str, delay_seconds: float, *, spend_attempt: bool
) -> bool:
    """Back to pending, runnable after `delay_seconds`."""
    values: dict[str, object] = {
        "status": PENDING,
        "last_error": error,
        "lease_until": None,
        "locked_by": None,
        "run_after": text("now() + make_interval(secs => :delay)").bindparams(
            delay=delay_seconds
        ),
    }
    if not spend_attempt:
        values["attempts"] = ReceiptJob.attempts - 1
    ok = _fenced(session, job, **values)
    if ok:
        _set_receipt(session, job.receipt_id, status=PENDING)
        reason = "transient" if spend_attempt else "unavailable"
        metrics.JOB_RETRIES.labels(reason=reason).inc()
    return ok


def release(session: Session, job: ClaimedJob) -> bool:
    """Give an in-flight job back (graceful shutdown): pending now, attempt refunded."""
    ok = _fenced(
        session,
        job,
        status=PENDING,
        attempts=ReceiptJob.attempts - 1,
        lease_until=None,
        locked_by=None,
        run_after=text("now()"),
    )
    if ok:
        _set_receipt(session, job.receipt_id, status=PENDING)
    return ok


def requeue(
    session: Session, receipt_id: uuid.UUID, max_attempts: int, *, force: bool = False
) -> bool:
    """Re-queue a failed receipt (or, with force, a done one) with a fresh attempt budget."""
    allowed = (FAILED, DONE) if force else (FAILED,)
    result = session.execute(
        update(ReceiptJob)
        .where(ReceiptJob.receipt_id == receipt_id, ReceiptJob.status.in_(allowed))
        .values(
            status=PENDING,
            attempts=0,
            max_attempts=max_attempts,
            run_after=text("now()"),
            lease_until=None,
            locked_by=None,
            finished_at=None,
        )
    )
    if _rowcount(result) != 1:
        return False
    _set_receipt(session, receipt_id, status=PENDING, error=None)
    return True


def settle_failed_by_hand(session: Session, receipt_id: uuid.UUID) -> bool:
    """Close a failed job because the user entered the receipt by hand (it is not retried any
    more); False when the job is no longer failed (e.g. retried meanwhile)."""
    result = session.execute(
        update(ReceiptJob)
        .where(ReceiptJob.receipt_id == receipt_id, ReceiptJob.status == FAILED)
        .values(status=DONE, finished_at=text("now()"))
    )
    return _rowcount(result) == 1
