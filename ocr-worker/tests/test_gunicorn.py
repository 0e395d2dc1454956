"""gunicorn.conf.py: valid, several single-threaded workers, metrics aggregated across them,
and the per-image time limit."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ocr_worker.app import create_app
from ocr_worker.config import Settings

OCR_WORKER_DIR = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback URL
        return response.status, response.read().decode()


def test_config_is_valid() -> None:
    result = subprocess.run(
        [str(GUNICORN), "--check-config", "-c", "gunicorn.conf.py"],
        cwd=OCR_WORKER_DIR, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_workers_serve_and_metrics_cover_all_of_them(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "OCR_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=OCR_WORKER_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not come up")
        for _ in range(10):
            assert json.loads(_get(f"{base}/healthz")[1])["status"] == "ok"
        _, text = _get(f"{base}/metrics")
        counted = [
            line for line in text.splitlines()
            if line.startswith('ocr_worker_http_requests_total{endpoint="/healthz"')
        ]
        assert counted
        assert sum(float(line.rsplit(" ", 1)[1]) for line in counted) >= 11
        assert any(path.name.startswith("counter_") for path in tmp_path.iterdir())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_image_that_exceeds_the_time_limit_gets_503(simple_receipt_png: bytes) -> None:
    settings = Settings(ocr_time_limit_seconds=0.001)
    client: FlaskClient = create_app(settings).test_client()
    started = time.perf_counter()
    response = client.post(
        "/parse-receipt", data={"file": (io.BytesIO(simple_receipt_png), "r.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    assert response.get_json()["error"] == "ocr_failed"
    assert time.perf_counter() - started < 10
