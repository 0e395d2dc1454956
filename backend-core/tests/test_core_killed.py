"""The core process is killed (SIGKILL) with receipt jobs in flight; after a restart every
acknowledged upload still ends `done` (the leases of the dead process expire)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.models import Receipt

CORE = Path(__file__).resolve().parents[1]


def start_core(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=CORE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "backend-core exited at start-up"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("backend-core did not become healthy")


def stop(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


@pytest.mark.slow
def test_killed_core_finishes_every_upload_after_restart(
    core_db_url, clean_db, scripted_ocr, ocr_result, unused_port, make_receipt_image
) -> None:
    ocr = scripted_ocr(lambda body: (200, ocr_result, 1.0))
    env = {
        **os.environ,
        "API_TOKEN": "kill-test-token", "DATABASE_URL": core_db_url,
        "OCR_WORKER_URL": ocr.url, "OCR_TIMEOUT_SECONDS": "1.5", "JOB_LEASE_SECONDS": "2",
        "JOB_CONCURRENCY": "2", "JOB_POLL_SECONDS": "0.1", "JOB_WORKER_ENABLED": "true",
        "JOB_BACKOFF_BASE_SECONDS": "0.1", "JOB_BACKOFF_MAX_SECONDS": "0.5",
        "FIT_SYNC_INTERVAL_MINUTES": "0", "LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{unused_port}"
    headers = {"Authorization": "Bearer kill-test-token"}
    core = start_core(unused_port, env)
    try:
        ids = []
        for _ in range(4):
            response = httpx.post(f"{url}/api/v1/receipts", headers=headers, timeout=30,
                                  files={"file": ("r.jpg", make_receipt_image(), "image/jpeg")})
            assert response.status_code == 202
            ids.append(response.json()["id"])
        deadline = time.monotonic() + 20
        while not ocr.calls:  # a job is in flight: the OCR worker is answering it
            assert time.monotonic() < deadline, "no job reached the OCR worker"
            time.sleep(0.02)
        stop(core, signal.SIGKILL)
        with clean_db() as session:
            in_flight = session.scalar(
                select(func.count()).select_from(Receipt).where(Receipt.status == "processing")
            )
        assert in_flight >= 1, "the kill should leave jobs in flight"

        core = start_core(unused_port, env)
        deadline = time.monotonic() + 60
        while True:
            states = [httpx.get(f"{url}/api/v1/receipts/{rid}", headers=headers,
                                timeout=10).json() for rid in ids]
            if all(s["status"] == "done" for s in states):
                break
            assert not any(s["status"] == "failed" for s in states), states
            assert time.monotonic() < deadline, states
            time.sleep(0.2)
    finally:
        stop(core, signal.SIGTERM)
    assert any(s["attempts"] >= 2 for s in states)  # the interrupted ones ran again
