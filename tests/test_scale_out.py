"""Scale-out proof (issue 17): one API core, two job cores and two OCR workers behind a
round-robin balancer (the stand-in for a Kubernetes Service / `docker compose --scale`), every
process started by scripts/native-stack.sh. A burst of distinct receipt photos is uploaded at
once; each receipt must end `done` exactly once: one job in one attempt, one transaction, one
OCR call, and both job cores and both OCR workers must have taken part. Timings are reported by
the benchmark (make bench-scale), never asserted here.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
BURST = 10


def _load_bench():
    spec = importlib.util.spec_from_file_location(
        "scale_out", ROOT / "backend-core" / "bench" / "scale_out.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["scale_out"] = module
    spec.loader.exec_module(module)
    return module


scale_out = _load_bench()


@pytest.fixture
def database_url() -> str:
    base = make_url(os.environ.get(
        "TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    url = base.set(drivername="postgresql+psycopg",
                   database=f"lifeboard_t_{secrets.token_hex(6)}").render_as_string(
        hide_password=False)
    yield url
    scale_out.drop_database(url)


@pytest.mark.slow
def test_burst_over_two_job_cores_and_two_ocr_workers_is_done_exactly_once(
        tmp_path: Path, database_url: str) -> None:
    if scale_out.shutil.which("tesseract") is None or scale_out.shutil.which("nginx") is None:
        pytest.skip("tesseract and nginx (scripts/test.sh installs them)")
    stack = scale_out.ScaleOutStack(tmp_path / "scale", database_url, secrets.token_urlsafe(32),
                                    ocr_workers=2, job_cores=2, job_concurrency=2)
    try:
        stack.up()
        result = scale_out.run_burst(stack, scale_out.receipt_photos(BURST), timeout=600)
        checked = scale_out.audit(database_url, result["ids"])
        tampered = _tampered_audit(database_url, result["ids"])
    finally:
        leftovers = stack.down()

    assert leftovers == [], "native-stack.sh down left processes behind"
    assert scale_out.audit_problems(checked) == [], checked
    assert checked["stored"] == checked["receipts_in_database"] == BURST
    assert checked["status"] == {"done": BURST}
    # one OCR call per receipt, spread over both workers
    assert sum(result["ocr_calls_per_worker"]) == BURST, result["ocr_calls_per_worker"]
    assert all(calls > 0 for calls in result["ocr_calls_per_worker"])
    # both job cores worked the queue (each takes at most JOB_CONCURRENCY jobs at a time)
    per_core = checked["receipts_per_job_core"]
    assert len(per_core) == 2 and all(n > 0 for n in per_core.values()), per_core
    assert sum(per_core.values()) == BURST

    # the audit would have noticed a receipt lost, processed twice, or booked twice
    assert tampered["missing"]
    assert tampered["more_than_one_attempt"]
    assert tampered["not_one_transaction"]
    assert set(scale_out.audit_problems(tampered)) >= {
        "missing", "more_than_one_attempt", "not_one_transaction"}


def _tampered_audit(database_url: str, ids: list[str]) -> dict:
    with psycopg.connect(scale_out.plain_conninfo(database_url), autocommit=True) as conn:
        conn.execute("UPDATE receipt_jobs SET attempts = 2 WHERE receipt_id = %s", (ids[0],))
        conn.execute("DELETE FROM transactions WHERE receipt_id = %s", (ids[1],))
    return scale_out.audit(database_url, [*ids, str(uuid.uuid4())])


def test_make_bench_scale_runs_the_benchmark() -> None:
    make = scale_out.shutil.which("make")
    if make is None:
        pytest.skip("GNU make is not installed")
    result = scale_out.subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), "-n", "bench-scale", "RECEIPTS=6"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    command = result.stdout.replace("\\\n", " ")
    assert "backend-core/bench/scale_out.py --receipts 6 --rounds 1" in command
    assert "--ocr-workers 1 2" in command
