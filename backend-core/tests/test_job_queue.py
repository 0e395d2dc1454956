"""The PostgreSQL job queue: claim with SKIP LOCKED, leases, fencing, backoff, attempts."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.core.db import session_scope
from app.models import Receipt, ReceiptJob
from app.services import job_queue
from app.services.image_check import check_image
from app.services.receipt_intake import accept_upload


@pytest.fixture
def add_receipt(clean_db, make_receipt_image):
    def add(max_attempts: int = 3) -> uuid.UUID:
        data = make_receipt_image()
        with session_scope(clean_db) as session:
            return accept_upload(session, data, check_image(data, 10**7), "r.jpg", max_attempts).id

    return add


def claim(sessions, owner: str = "w1", lease: float = 30):
    with session_scope(sessions) as session:
        return job_queue.claim(session, owner, lease)


def job_row(sessions, receipt_id: uuid.UUID) -> ReceiptJob:
    with sessions() as session:
        return session.scalars(select(ReceiptJob).where(ReceiptJob.receipt_id == receipt_id)).one()


def receipt_status(sessions, receipt_id: uuid.UUID) -> tuple[str, str | None]:
    with sessions() as session:
        row = session.execute(
            select(Receipt.status, Receipt.error).where(Receipt.id == receipt_id)
        ).one()
        return row.status, row.error


def test_claim_takes_oldest_ready_job_once(clean_db, add_receipt) -> None:
    first, second = add_receipt(), add_receipt()
    job = claim(clean_db, "w1")
    assert job is not None and job.receipt_id == first and job.attempts == 1
    assert not job.reclaimed
    assert receipt_status(clean_db, first)[0] == "processing"
    other = claim(clean_db, "w2")
    assert other is not None and other.receipt_id == second
    assert claim(clean_db, "w3") is None  # both leased


def test_concurrent_claimers_never_share_a_job(clean_db, add_receipt) -> None:
    receipts = {add_receipt() for _ in range(12)}
    claimed: list[uuid.UUID] = []
    lock = threading.Lock()

    def claimer(token: str) -> None:
        while (job := claim(clean_db, token)) is not None:
            with lock:
                claimed.append(job.receipt_id)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(receipts)


def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced_off(clean_db, add_receipt) -> None:
    receipt_id = add_receipt()
    dead = claim(clean_db, "dead", lease=0.2)
    assert claim(clean_db, "alive") is None
    time.sleep(0.3)
    alive = claim(clean_db, "alive")
    assert alive is not None and alive.receipt_id == receipt_id
    assert alive.reclaimed and alive.attempts == 2
    with session_scope(clean_db) as session:
        assert job_queue.mark_done(session, dead) is False  # lost its lease
    with session_scope(clean_db) as session:
        assert job_queue.mark_done(session, alive) is True
    row = job_row(clean_db, receipt_id)
    assert row.status == "done" and row.locked_by == "alive" and row.duration_ms is not None
    assert receipt_status(clean_db, receipt_id)[0] == "done"


def test_job_lost_on_its_last_attempt_fails_with_a_reason(clean_db, add_receipt) -> None:
    receipt_id = add_receipt(max_attempts=1)
    assert claim(clean_db, "dies", lease=0.1) is not None
    time.sleep(0.2)
    assert claim(clean_db, "next") is None
    row = job_row(clean_db, receipt_id)
    assert row.status == "failed" and "lease expired" in row.last_error
    status, error = receipt_status(clean_db, receipt_id)
    assert status == "failed" and "interrupted 1 times" in error


def test_reschedule_delays_and_counts_attempts(clean_db, add_receipt) -> None:
    receipt_id = add_receipt()
    job = claim(clean_db)
    with session_scope(clean_db) as session:
        assert job_queue.reschedule(session, job, "OCR 503", 0.3, spend_attempt=True)
    row = job_row(clean_db, receipt_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "OCR 503")
    assert row.locked_by is None
    assert receipt_status(clean_db, receipt_id)[0] == "pending"
    assert claim(clean_db) is None  # not before run_after
    time.sleep(0.35)
    again = claim(clean_db)
    assert again is not None and again.attempts == 2
    with session_scope(clean_db) as session:
        assert job_queue.reschedule(session, again, "OCR down", 0, spend_attempt=False)
    assert job_row(clean_db, receipt_id).attempts == 1  # unreachable OCR costs no attempt


def test_mark_failed_and_requeue(clean_db, add_receipt) -> None:
    receipt_id = add_receipt()
    job = claim(clean_db)
    with session_scope(clean_db) as session:
        assert job_queue.requeue(session, receipt_id, 3) is False  # still processing
        assert job_queue.mark_failed(session, job, "OCR answered 400: not an image", "permanent")
    assert receipt_status(clean_db, receipt_id) == ("failed", "OCR answered 400: not an image")
    with session_scope(clean_db) as session:
        assert job_queue.requeue(session, receipt_id, 5) is True
    row = job_row(clean_db, receipt_id)
    assert (row.status, row.attempts, row.max_attempts) == ("pending", 0, 5)
    assert receipt_status(clean_db, receipt_id) == ("pending", None)


def test_release_gives_the_attempt_back(clean_db, add_receipt) -> None:
    receipt_id = add_receipt()
    job = claim(clean_db)
    with session_scope(clean_db) as session:
        assert job_queue.release(session, job)
    row = job_row(clean_db, receipt_id)
    assert (row.status, row.attempts, row.locked_by) == ("pending", 0, None)
    assert claim(clean_db) is not None  # runnable at once


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 16.0), (9, 60.0), (40, 60.0)]:
        samples = [job_queue.backoff_seconds(attempt, 2.0, 60.0, rng) for _ in range(50)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert len(set(samples)) > 40  # jittered
