"""Background worker: claims receipt jobs, calls the OCR worker, stores the result.

Runs inside the FastAPI lifespan (one per core process; replicas coordinate through the
queue). At most JOB_CONCURRENCY jobs are in flight. On shutdown it stops claiming, gives
in-flight jobs JOB_SHUTDOWN_GRACE_SECONDS to finish and releases the rest to the queue.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import session_scope
from app.models import Receipt
from app.services import job_queue
from app.services.categorize import Categorizer
from app.services.job_queue import ClaimedJob
from app.services.ocr_client import (
    OcrClient,
    OcrPermanentError,
    OcrTransientError,
    OcrUnavailable,
)
from app.services.ocr_result import parse_ocr_result
from app.services.receipt_store import NothingToBook, store_parsed

log = logging.getLogger(__name__)

# While the OCR worker is unreachable, jobs wait at most this long between tries, so that
# processing resumes soon after it comes back.
UNAVAILABLE_MAX_DELAY_SECONDS = 30.0


class ReceiptWorker:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        ocr: OcrClient,
        *,
        name: str = "core",
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.ocr = ocr
        self.token = job_queue.new_token(name)
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret
        self._unavailable_streak = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # --- database steps (run in threads) ---------------------------------------------------
    def _claim(self) -> ClaimedJob | None:
        with session_scope(self.sessions) as session:
            return job_queue.claim(session, self.token, self.settings.job_lease_seconds)

    def _load_image(self, receipt_id: uuid.UUID) -> tuple[bytes, str] | None:
        with self.sessions() as session:
            row = session.execute(
                select(Receipt.image, Receipt.content_type).where(Receipt.id == receipt_id)
            ).one_or_none()
            return (row.image, row.content_type) if row else None

    def _store(self, job: ClaimedJob, raw: dict[str, Any]) -> bool:
        with session_scope(self.sessions) as session:
            if not job_queue.mark_done(session, job):
                session.rollback()
                log.warning("job %s: lease lost before storing the result", job.id)
                return False
            parsed = parse_ocr_result(raw, self.settings.tz)
            store_parsed(
                session, job.receipt_id, parsed, raw, Categorizer.from_db(session),
                self.settings.tz,
            )
            return True

    def _fail(self, job: ClaimedJob, error: str, reason: str) -> None:
        with session_scope(self.sessions) as session:
            job_queue.mark_failed(session, job, error, reason)
        log.warning("job %s failed (%s): %s", job.id, reason, error)

    def _reschedule(self, job: ClaimedJob, error: str, delay: float, spend: bool) -> None:
        with session_scope(self.sessions) as session:
            job_queue.reschedule(session, job, error, delay, spend_attempt=spend)
        log.info("job %s retry in %.1fs: %s", job.id, delay, error)

    def _release(self, job: ClaimedJob) -> None:
        with session_scope(self.sessions) as session:
            job_queue.release(session, job)
        log.info("job %s released at shutdown", job.id)

    # --- one job -----------------------------------------------------------------------------
    def _backoff(self, attempt: int, cap: float) -> float:
        return job_queue.backoff_seconds(
            attempt, self.settings.job_backoff_base_seconds, cap, self._rng
        )

    async def process(self, job: ClaimedJob) -> None:
        try:
            await self._process(job)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(self._release, job))
            raise

    async def _process(self, job: ClaimedJob) -> None:
        loaded = await asyncio.to_thread(self._load_image, job.receipt_id)
        if loaded is None:  # deleted meanwhile: its job went with it
            return
        image, content_type = loaded
        try:
            raw = await self.ocr.parse_receipt(image, content_type)
        except OcrUnavailable as exc:
            self._unavailable_streak += 1
            cap = min(self.settings.job_backoff_max_seconds, UNAVAILABLE_MAX_DELAY_SECONDS)
            delay = self._backoff(self._unavailable_streak, cap)
            await asyncio.to_thread(self._reschedule, job, str(exc), delay, False)
            return
        except OcrTransientError as exc:
            self._unavailable_streak = 0
            if job.last_attempt:
                message = f"gave up after {job.attempts} attempts: {exc}"
                await asyncio.to_thread(self._fail, job, message, "exhausted")
            else:
                delay = self._backoff(job.attempts, self.settings.job_backoff_max_seconds)
                await asyncio.to_thread(self._reschedule, job, str(exc), delay, True)
            return
        except OcrPermanentError as exc:
            self._unavailable_streak = 0
            await asyncio.to_thread(self._fail, job, str(exc), "permanent")
            return
        self._unavailable_streak = 0
        try:
            await asyncio.to_thread(self._store, job, raw)
        except (NothingToBook, ValueError) as exc:
            await asyncio.to_thread(self._fail, job, f"unusable OCR result: {exc}", "permanent")

    async def process_next(self) -> bool:
        """Claim and process one ready job; False when none is ready."""
        job = await asyncio.to_thread(self._claim)
        if job is None:
            return False
        await self.process(job)
        return True

    # --- the loop --------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        limit = self.settings.job_concurrency
        log.info("receipt worker %s started (concurrency %d)", self.token, limit)
        try:
            while not stop.is_set():
                claimed = await self._fill(limit)
                if stop.is_set():
                    break
                waiters: set[asyncio.Future[Any]] = {asyncio.ensure_future(stop.wait())}
                if len(self._tasks) >= limit or not claimed:
                    timeout = None if len(self._tasks) >= limit else self.settings.job_poll_seconds
                    await asyncio.wait(
                        waiters | self._tasks, timeout=timeout,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await self._shutdown()

    async def _fill(self, limit: int) -> int:
        claimed = 0
        while len(self._tasks) < limit:
            try:
                job = await asyncio.to_thread(self._claim)
            except Exception:
                log.warning("claiming a job failed", exc_info=True)
                return claimed
            if job is None:
                break
            claimed += 1
            task = asyncio.create_task(self._guarded(job), name=f"receipt-job-{job.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return claimed

    async def _guarded(self, job: ClaimedJob) -> None:
        try:
            await self.process(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s crashed; it returns to the queue when its lease ends", job.id)

    async def _shutdown(self) -> None:
        if not self._tasks:
            return
        grace = self.settings.job_shutdown_grace_seconds
        log.info("waiting up to %.0fs for %d in-flight jobs", grace, len(self._tasks))
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
