"""gunicorn settings for the OCR worker (container and native stack use this same file).

One single-threaded process per core: Tesseract is CPU-bound and OpenMP threads inside several
workers only slow each other down, so OMP_THREAD_LIMIT=1 is forced for every worker.
"""

import os
import shutil
import tempfile

os.environ["OMP_THREAD_LIMIT"] = "1"

# Metrics from all workers are aggregated through files in this directory.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ocr-worker-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

_time_limit = float(os.environ.get("OCR_TIME_LIMIT_SECONDS", "60"))

bind = os.environ.get("OCR_BIND", "0.0.0.0:5000")
workers = int(os.environ.get("OCR_WORKERS") or os.cpu_count() or 1)
worker_class = "sync"
threads = 1
# Tesseract itself stops after OCR_TIME_LIMIT_SECONDS (its own deadline, ocr.read_text); the
# worker is killed only if something else hangs well beyond that.
timeout = int(_time_limit + 30)
graceful_timeout = 30
keepalive = 5
max_requests = 500
max_requests_jitter = 50
raw_env = ["OMP_THREAD_LIMIT=1"]
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "ocr_worker.app:create_app()"


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the shared metrics directory."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this config created (a given one is left alone)."""
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
