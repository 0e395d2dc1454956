"""Flask app factory: /parse-receipt, /healthz, /metrics, JSON errors for everything."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from ocr_worker import metrics
from ocr_worker.config import Settings, get_settings
from ocr_worker.errors import InputError
from ocr_worker.ocr import OcrError, tesseract_version
from ocr_worker.pipeline import process_image

log = logging.getLogger("ocr_worker")


def _upload_bytes() -> bytes:
    """The image from multipart field ``file``, or the raw request body."""
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise InputError("missing_file", "Send the image in the multipart field 'file'.")
        data: bytes = upload.read()
        return data
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise InputError("missing_file", "Send the image in the multipart field 'file'.")
    return request.get_data(cache=False)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(InputError)
    def _input_error(exc: InputError) -> tuple[Response, int]:
        metrics.RECEIPTS.labels(outcome="rejected").inc()
        return jsonify(exc.to_dict()), exc.status_code

    @app.errorhandler(OcrError)
    def _ocr_error(exc: OcrError) -> tuple[Response, int]:
        metrics.RECEIPTS.labels(outcome="error").inc()
        log.warning("OCR failed: %s", exc)
        return jsonify({"error": "ocr_failed", "message": str(exc)}), 503

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        code = exc.code or 500
        name = (exc.name or "error").lower().replace(" ", "_")
        if code == 413:
            name = "file_too_large"
        return jsonify({"error": name, "message": exc.description or exc.name}), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unexpected error")
        return jsonify({"error": "internal_error", "message": "Internal error."}), 500


def _register_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        if endpoint != "/metrics":
            started = g.get("started", time.perf_counter())
            metrics.HTTP_DURATION.labels(request.method, endpoint).observe(
                time.perf_counter() - started
            )
            metrics.HTTP_REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        return response


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    app = Flask(__name__)
    # Werkzeug rejects bigger bodies with 413 before reading them; leave room for multipart.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes + 64 * 1024
    app.config["OCR_SETTINGS"] = settings
    logging.basicConfig(level=settings.log_level.upper())
    _register_errors(app)
    _register_metrics(app)

    @app.post("/parse-receipt")
    def parse_receipt_route() -> tuple[Response, int]:
        debug = request.args.get("debug", "").lower() in ("1", "true", "yes")
        result: dict[str, Any] = process_image(_upload_bytes(), settings, debug=debug)
        return jsonify(result), 200

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            version = tesseract_version()
        except Exception as exc:  # tesseract missing or broken: not healthy
            return jsonify({"status": "error", "message": f"tesseract unavailable: {exc}"}), 503
        return jsonify({"status": "ok", "tesseract": version}), 200

    @app.get("/metrics")
    def metrics_route() -> Response:
        body, content_type = metrics.render()
        return Response(body, content_type=content_type)

    return app
