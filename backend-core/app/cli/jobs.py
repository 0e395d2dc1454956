"""Receipt job commands: `jobs` (the queue), `reprocess` (queue again), `work` (a worker)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cli.command import Command, open_sessions
from app.core.config import Settings, get_settings
from app.core.db import session_scope
from app.models import ReceiptJob
from app.models.states import ReceiptStatus
from app.services import job_queue
from app.services.ocr_client import OcrClient
from app.services.receipt_store import corrected_receipts
from app.services.receipt_worker import ReceiptWorker


def configure_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=[str(s) for s in ReceiptStatus])
    parser.add_argument("--limit", type=int, default=20)


def jobs(args: argparse.Namespace) -> int:
    with open_sessions()() as session:
        print(json.dumps({"counts": _queue_counts(session)}))
        query = select(ReceiptJob).order_by(ReceiptJob.created_at.desc()).limit(args.limit)
        if args.status:
            query = query.where(ReceiptJob.status == args.status)
        for job in session.scalars(query):
            print(json.dumps(_job_line(job)))
    return 0


def _queue_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(ReceiptJob.status, func.count()).group_by(ReceiptJob.status))
    return {status: count for status, count in rows}


def _job_line(job: ReceiptJob) -> dict[str, object]:
    return {
        "receipt_id": str(job.receipt_id),
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "run_after": job.run_after.isoformat(),
        "last_error": job.last_error,
    }


def configure_reprocess(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("receipt_ids", nargs="*", type=uuid.UUID, help="receipts to queue again")
    parser.add_argument("--all-failed", action="store_true", help="every failed receipt")
    parser.add_argument("--force", action="store_true", help="also receipts that are done")
    parser.add_argument(
        "--discard-corrections",
        action="store_true",
        help="with --force: also receipts the user corrected, losing those corrections",
    )


def reprocess(args: argparse.Namespace) -> int:
    settings = get_settings()
    with session_scope(open_sessions()) as session:
        ids = _receipts_named(session, args)
        corrected = corrected_receipts(session, ids) if args.force else []
        if corrected and not args.discard_corrections:
            _refuse_corrected(corrected)
            return 1
        queued = [
            rid
            for rid in ids
            if job_queue.requeue(session, rid, settings.job_max_attempts, force=args.force)
        ]
    print(json.dumps({"queued": [str(r) for r in queued], "skipped": len(ids) - len(queued)}))
    return 0


def _receipts_named(session: Session, args: argparse.Namespace) -> list[uuid.UUID]:
    """The receipts given by id, then (with --all-failed) every failed one."""
    ids = list(args.receipt_ids)
    if args.all_failed:
        ids += session.scalars(
            select(ReceiptJob.receipt_id).where(ReceiptJob.status == ReceiptStatus.FAILED)
        ).all()
    return ids


def _refuse_corrected(corrected: list[uuid.UUID]) -> None:
    print(
        "refusing to reprocess receipts the user corrected (their corrections would be "
        "lost): "
        + ", ".join(str(r) for r in corrected)
        + "; add --discard-corrections to reprocess them anyway",
        file=sys.stderr,
    )


def configure_work(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="process ready jobs, then exit")


def work(args: argparse.Namespace) -> int:
    processed = asyncio.run(_run_worker(get_settings(), once=args.once))
    print(json.dumps({"processed": processed}))
    return 0


async def _run_worker(settings: Settings, *, once: bool) -> int:
    """Jobs processed: with `once`, until none is ready; else the worker runs until stopped."""
    ocr = OcrClient(
        settings.ocr_worker_url,
        timeout_seconds=settings.ocr_timeout_seconds,
        connect_timeout_seconds=settings.ocr_connect_timeout_seconds,
    )
    worker = ReceiptWorker(settings, open_sessions(), ocr, name="cli")
    processed = 0
    try:
        if once:
            while await worker.process_next():
                processed += 1
        else:
            await worker.run(asyncio.Event())
    finally:
        await ocr.aclose()
    return processed


COMMANDS = (
    Command(
        "jobs", "show queue counts and recent receipt jobs as JSON lines", jobs, configure_jobs
    ),
    Command("reprocess", "queue receipts for OCR again", reprocess, configure_reprocess),
    Command(
        "work", "run the receipt worker in the foreground (no HTTP server)", work, configure_work
    ),
)
