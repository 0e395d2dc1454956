"""backend-core FastAPI application: `uvicorn app.main:app`.

Routers are listed in `ROUTERS` (protected, under /api/v1) and `PUBLIC_ROUTERS`; the lifespan
runs the receipt worker, the consume folder and the health sync scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import APIRouter, Depends, FastAPI

from app.api.docs_ui import install_docs
from app.api.routes import (
    activity,
    export,
    google,
    health,
    health_sync,
    receipts,
    summary,
    transactions,
)
from app.core.config import Settings, get_settings
from app.core.db import make_engine, make_session_factory
from app.core.errors import install_error_handlers
from app.core.security import require_token
from app.services import metrics
from app.services.consume_folder import ConsumeFolder
from app.services.health.sync import SyncScheduler
from app.services.ocr_client import OcrClient
from app.services.receipt_worker import ReceiptWorker

log = logging.getLogger("app")

# Routers under /api/v1, all behind the bearer token. The order is the order of the OpenAPI paths.
ROUTERS: list[APIRouter] = [
    receipts.router,
    transactions.router,
    summary.router,
    google.router,
    health_sync.router,
    activity.router,
    export.router,
]
# Routers without the token: the liveness check, and Google's OAuth redirect (authenticated by
# its one-time state).
PUBLIC_ROUTERS: list[APIRouter] = [health.router, google.callback_router]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    stop = asyncio.Event()
    worker_task: asyncio.Task[None] | None = None
    ocr = OcrClient(
        settings.ocr_worker_url,
        timeout_seconds=settings.ocr_timeout_seconds,
        connect_timeout_seconds=settings.ocr_connect_timeout_seconds,
    )
    if settings.job_worker_enabled:
        worker = ReceiptWorker(settings, app.state.sessions, ocr)
        worker_task = asyncio.create_task(worker.run(stop), name="receipt-worker")
    consume_task: asyncio.Task[None] | None = None
    if settings.consume_dir is not None and settings.job_worker_enabled:
        consume = ConsumeFolder.from_settings(settings, app.state.sessions)
        consume_task = asyncio.create_task(
            consume.run(stop, settings.consume_poll_seconds), name="consume-folder"
        )
    health_sync = SyncScheduler(app.state.sessions, settings)  # FIT_SYNC_INTERVAL_MINUTES > 0
    health_sync.start()
    try:
        yield
    finally:
        await health_sync.stop()
        stop.set()
        if consume_task is not None:
            with suppress(asyncio.CancelledError):
                await consume_task
        if worker_task is not None:
            with suppress(asyncio.CancelledError):
                await worker_task
        await ocr.aclose()
        app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if not settings.api_token.get_secret_value():
        raise RuntimeError("API_TOKEN is not set; refusing to start without a bearer token")
    logging.basicConfig(level=settings.log_level.upper())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per OCR call is noise
    app = FastAPI(
        title="Lifeboard API",
        version="1.0.0",
        description="Receipts → spending, and daily activity. Authorize with the API_TOKEN.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.sqlalchemy_url)
    app.state.sessions = make_session_factory(app.state.engine)
    install_error_handlers(app)
    install_docs(app)

    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(require_token)])

    metrics.install_metrics(app, app.state.sessions)
    return app


def __getattr__(name: str) -> FastAPI:
    """`app.main:app` is built on first access, so importing this module has no side effects."""
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
