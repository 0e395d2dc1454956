"""Upload → queue → OCR worker (a real HTTP server with scripted answers) → rows.

Covers the proofs of issue 4 at the core's level: OCR down while uploading, a worker that
dies holding jobs, duplicates, 30 concurrent uploads, a poison image, retries and shutdown.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import Receipt, ReceiptJob, Transaction
from app.services import job_queue


def upload(api, data: bytes) -> dict:
    response = api.post("/api/v1/receipts", files={"file": ("r.jpg", data, "image/jpeg")})
    assert response.status_code == 202, response.text
    return response.json()


def statuses(sessions) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(select(Receipt.status, func.count()).group_by(Receipt.status))
        return {status: count for status, count in rows}


def all_done(sessions, count: int):
    return lambda: statuses(sessions).get("done", 0) == count


def test_receipt_is_parsed_into_items_and_one_transaction(
    api, clean_db, ocr_server, make_worker, drive, make_receipt_image
) -> None:
    receipt_id = upload(api, make_receipt_image())["id"]
    drive(make_worker(ocr_server.url), all_done(clean_db, 1))

    body = api.get(f"/api/v1/receipts/{receipt_id}").json()
    assert body["status"] == "done" and body["error"] is None and body["attempts"] == 1
    assert (body["shop"], body["date"], body["total"], body["currency"]) == (
        "BIEDRONKA", "2026-11-20", "28.43", "PLN"
    )
    assert body["purchased_at"].startswith("2026-11-20T16:01:00")  # 17:01 Warsaw, in UTC
    rows = [(i["name"], i["quantity"], i["price"], i["vat"], i["category"]) for i in body["items"]]
    assert rows == [
        ("MLEKO 3,2% 1L", "2", "6.98", "C", "dairy"),
        ("Chleb żytni", "1", "5.49", "C", "bread"),
        ("Piwo Żywiec 0,5", "4", "15.96", "A", "alcohol"),
    ]
    with clean_db() as session:
        transaction = session.scalars(select(Transaction)).one()
    assert str(transaction.id) == body["transaction_id"]
    assert transaction.source == "receipt" and transaction.amount == Decimal("28.43")
    assert transaction.occurred_on == date(2026, 11, 20) and transaction.shop == "BIEDRONKA"
    assert transaction.category == "alcohol"  # where most of the money went
    assert len(ocr_server.calls) == 1
    image = api.get(body["image_url"]).content
    assert image in ocr_server.calls[0]  # the stored bytes went to the OCR worker


def test_ocr_down_during_uploads_then_back(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr, unused_port
) -> None:
    port = unused_port
    ids = [upload(api, make_receipt_image())["id"] for _ in range(5)]
    worker = make_worker(f"http://127.0.0.1:{port}")
    server = scripted_ocr(port=port, start=False)

    def bring_back_later() -> None:
        time.sleep(1.0)  # several failed connection attempts happen meanwhile
        server.start()

    threading.Thread(target=bring_back_later, daemon=True).start()
    drive(worker, all_done(clean_db, 5), timeout=30)
    assert statuses(clean_db) == {"done": 5}
    with clean_db() as session:
        jobs = session.scalars(select(ReceiptJob)).all()
    assert {str(j.receipt_id) for j in jobs} == set(ids)
    # many connection failures meanwhile, yet no attempt spent (max_attempts is 3)
    assert all(j.attempts == 1 for j in jobs)


def test_worker_that_dies_holding_jobs_is_replaced_after_the_lease(
    api, clean_db, scripted_ocr, ocr_result, make_worker, drive, make_receipt_image
) -> None:
    totals = itertools.count(1)  # three purchases: none is held as a duplicate of another
    ocr_server = scripted_ocr(
        lambda body: (200, {**ocr_result, "total": f"{next(totals)}.00", "amount_due": None}, 0.0)
    )
    for _ in range(3):
        upload(api, make_receipt_image())
    with session_scope(clean_db) as session:  # a worker claims two jobs and is "killed"
        for _ in range(2):
            assert job_queue.claim(session, "killed-worker", 0.5) is not None
    assert statuses(clean_db) == {"processing": 2, "pending": 1}
    started = time.monotonic()
    drive(make_worker(ocr_server.url, name="restarted"), all_done(clean_db, 3))
    assert time.monotonic() - started >= 0.3  # the two waited for their lease to end
    with clean_db() as session:
        jobs = session.scalars(select(ReceiptJob)).all()
        assert session.scalar(select(func.count()).select_from(Transaction)) == 3
    assert sorted(j.attempts for j in jobs) == [1, 2, 2]
    assert all(j.locked_by.startswith("restarted") for j in jobs)


def test_duplicate_upload_after_processing_is_the_same_receipt(
    api, clean_db, ocr_server, make_worker, drive, make_receipt_image
) -> None:
    data = make_receipt_image()
    first = upload(api, data)
    drive(make_worker(ocr_server.url), all_done(clean_db, 1))
    again = upload(api, data)
    assert again == {"id": first["id"], "status": "done", "duplicate": True}
    with clean_db() as session:
        assert session.scalar(select(func.count()).select_from(Transaction)) == 1
        assert session.scalar(select(func.count()).select_from(ReceiptJob)) == 1
    assert len(ocr_server.calls) == 1


def test_thirty_concurrent_uploads_are_all_acknowledged(api, clean_db, make_receipt_image) -> None:
    images = [make_receipt_image() for _ in range(30)]
    latencies: list[float] = []

    def one(data: bytes) -> int:
        started = time.perf_counter()
        response = api.post("/api/v1/receipts", files={"file": ("r.jpg", data, "image/jpeg")})
        latencies.append(time.perf_counter() - started)
        return response.status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(one, images))
    assert codes == [202] * 30
    assert statuses(clean_db) == {"pending": 30}
    assert max(latencies) < 10  # acknowledged without waiting for any OCR


def test_poison_image_fails_with_a_message_and_others_finish(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr, ocr_result
) -> None:
    poison = make_receipt_image()
    server = scripted_ocr(
        lambda body: (
            (400, {"error": "bad_image", "message": "cannot decode image"}, 0.0)
            if poison in body else (200, ocr_result, 0.0)
        )
    )
    poison_id = upload(api, poison)["id"]
    for _ in range(3):
        upload(api, make_receipt_image())
    drive(make_worker(server.url), lambda: statuses(clean_db) == {"done": 3, "failed": 1})
    body = api.get(f"/api/v1/receipts/{poison_id}").json()
    assert body["status"] == "failed" and body["attempts"] == 1  # permanent: no retries
    assert body["error"] == "OCR worker answered 400: cannot decode image"


def test_server_errors_are_retried_then_succeed(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr, ocr_result
) -> None:
    answers = iter([(503, {"error": "busy"}, 0.0), (429, {"error": "slow down"}, 0.0)])
    server = scripted_ocr(lambda body: next(answers, (200, ocr_result, 0.0)))
    receipt_id = upload(api, make_receipt_image())["id"]
    drive(make_worker(server.url), all_done(clean_db, 1))
    body = api.get(f"/api/v1/receipts/{receipt_id}").json()
    assert body["attempts"] == 3 and body["status"] == "done" and len(server.calls) == 3


def test_slow_ocr_times_out_until_attempts_run_out(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr, ocr_result
) -> None:
    server = scripted_ocr(lambda body: (200, ocr_result, 1.5))
    receipt_id = upload(api, make_receipt_image())["id"]
    worker = make_worker(server.url, ocr_timeout_seconds=0.3)
    drive(worker, lambda: statuses(clean_db) == {"failed": 1})
    body = api.get(f"/api/v1/receipts/{receipt_id}").json()
    assert body["attempts"] == body["max_attempts"] == 3  # fixed at upload (JOB_MAX_ATTEMPTS)
    assert body["error"].startswith("gave up after 3 attempts: OCR worker timed out")
    # a failed receipt can be queued again
    retried = api.post(f"/api/v1/receipts/{receipt_id}/retry")
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert api.post(f"/api/v1/receipts/{receipt_id}/retry").status_code == 409


def test_result_without_any_amount_fails_visibly(
    api, clean_db, make_worker, drive, make_receipt_image, scripted_ocr
) -> None:
    server = scripted_ocr(lambda body: (200, {"shop": "X", "items": []}, 0.0))
    receipt_id = upload(api, make_receipt_image())["id"]
    drive(make_worker(server.url), lambda: statuses(clean_db) == {"failed": 1})
    assert "no total" in api.get(f"/api/v1/receipts/{receipt_id}").json()["error"]


def test_shutdown_releases_in_flight_jobs(
    api, clean_db, make_worker, make_receipt_image, scripted_ocr, ocr_result
) -> None:
    server = scripted_ocr(lambda body: (200, ocr_result, 3.0))
    upload(api, make_receipt_image())
    worker = make_worker(server.url, job_shutdown_grace_seconds=0.2)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        while not server.calls:
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 5)
        await worker.ocr.aclose()

    asyncio.run(main())
    with clean_db() as session:
        job = session.scalars(select(ReceiptJob)).one()
    assert (job.status, job.attempts, job.locked_by) == ("pending", 0, None)
    assert statuses(clean_db) == {"pending": 1}


def test_app_lifespan_runs_the_worker(
    settings_for, clean_db, ocr_server, make_receipt_image
) -> None:
    from app.main import create_app

    settings = settings_for(ocr_worker_url=ocr_server.url, job_worker_enabled=True)
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    with TestClient(app, headers=headers) as client:
        receipt_id = upload(client, make_receipt_image())["id"]
        deadline = time.monotonic() + 20
        while client.get(f"/api/v1/receipts/{receipt_id}").json()["status"] != "done":
            assert time.monotonic() < deadline, "worker did not process the upload"
            time.sleep(0.05)
        metrics = client.get("/metrics").text
    assert 'lifeboard_jobs{status="done"} 1.0' in metrics
    assert "lifeboard_ocr_call_duration_seconds_bucket" in metrics


def test_receipt_deleted_while_queued_is_skipped(
    api, clean_db, ocr_server, make_worker, make_receipt_image
) -> None:
    receipt_id = upload(api, make_receipt_image())["id"]
    worker = make_worker(ocr_server.url)
    with session_scope(clean_db) as session:
        job = job_queue.claim(session, worker.token, 30)
    assert api.delete(f"/api/v1/receipts/{receipt_id}").status_code == 204

    async def main() -> None:
        await worker.process(job)
        await worker.ocr.aclose()

    asyncio.run(main())
    assert ocr_server.calls == [] and statuses(clean_db) == {}
