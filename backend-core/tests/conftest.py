"""Fixtures of the backend-core tests: a throwaway migrated database per session, an app client,
receipt images, and a real HTTP server standing in for the OCR worker (scripted answers)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import make_engine, make_session_factory

DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
API_TOKEN = "core-test-" + secrets.token_hex(8)


# --- database -----------------------------------------------------------------------------------
@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database `<prefix>_<random>`; dropped afterwards."""
    server = make_url(os.environ.get("TEST_PG_URL", DEFAULT_TEST_PG_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_migration(url: str, direction: str, revision: str) -> None:
    """Alembic ``upgrade|downgrade REVISION`` against ``url``, leaving the test's logging be."""
    from alembic import command

    from app.cli import alembic_config

    config = alembic_config(url)
    config.attributes["configure_logger"] = False
    getattr(command, direction)(config, revision)


@pytest.fixture(scope="session")
def core_db_url() -> Iterator[str]:
    """A fresh database `lifeboard_t_<random>` migrated to head; dropped at session end."""
    with throwaway_database("lifeboard_t") as url:
        run_migration(url, "upgrade", "head")
        yield url


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_token": API_TOKEN,
        "database_url": database_url,
        "ocr_worker_url": "http://127.0.0.1:9",
        "job_worker_enabled": False,
        "job_concurrency": 2,
        "job_max_attempts": 3,
        "job_lease_seconds": 30,
        "ocr_timeout_seconds": 5,
        "ocr_connect_timeout_seconds": 1,
        "job_poll_seconds": 0.05,
        "job_backoff_base_seconds": 0.05,
        "job_backoff_max_seconds": 0.2,
        "job_shutdown_grace_seconds": 2,
        "max_upload_mb": 2,
        "ocr_max_pixels": 4_000_000,
        "TZ": "Europe/Warsaw",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def core_settings(core_db_url: str) -> Settings:
    return make_settings(core_db_url)


@pytest.fixture(scope="session")
def core_sessions(core_db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(core_db_url, pool_size=5)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def clean_db(core_sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The session factory; receipts, jobs, items and transactions emptied before each test."""
    with core_sessions() as session:
        session.execute(text("TRUNCATE receipts, transactions CASCADE"))
        session.commit()
    return core_sessions


# --- app ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def core_app(core_settings: Settings):
    from app.main import create_app

    return create_app(core_settings)


@pytest.fixture
def client(core_app, clean_db) -> Iterator[TestClient]:
    """Client without credentials (the app's receipt worker is off: tests drive it)."""
    with TestClient(core_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(core_app, clean_db) -> Iterator[TestClient]:
    """Client that sends the bearer token."""
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    with TestClient(core_app, headers=headers, raise_server_exceptions=False) as test_client:
        yield test_client


# --- images -------------------------------------------------------------------------------------
def receipt_image(
    seed: int | None = None, size: tuple[int, int] = (240, 320), fmt: str = "JPEG"
) -> bytes:
    """A small receipt-like image; a different seed gives different bytes (and SHA-256)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), f"PARAGON FISKALNY {rng.randrange(10**9)}", fill="black")
    for row in range(5):
        line = f"ITEM {rng.randrange(1000)} 1 x{rng.randrange(99)},99"
        draw.text((10, 40 + row * 20), line, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def make_receipt_image() -> Callable[..., bytes]:
    """Factory of distinct receipt images (fresh random seed on each call)."""

    def make(**kwargs: Any) -> bytes:
        seed = kwargs.pop("seed", None)
        return receipt_image(seed if seed is not None else secrets.randbits(48), **kwargs)

    return make


# --- scripted OCR worker ------------------------------------------------------------------------
# A whole answer of the worker; tests/test_ocr_contract.py holds it to the worker's schema.
OCR_RESULT: dict[str, Any] = {
    "shop": "BIEDRONKA",
    "company": "Jeronimo Martins Polska S.A.",
    "nip": "779-10-11-327",
    "date": "2026-11-20",
    "time": "17:01",
    "receipt_number": "2611/0042",
    "currency": "PLN",
    "items": [
        {"name": "MLEKO 3,2% 1L", "quantity": "2", "unit_price": "3.49", "price": "6.98",
         "discount": None, "vat": "C"},
        {"name": "Chleb żytni", "quantity": "1", "unit_price": "5.49", "price": "5.49",
         "discount": None, "vat": "C"},
        {"name": "Piwo Żywiec 0,5", "quantity": "4", "unit_price": "3.99", "price": "15.96",
         "discount": "0.00", "vat": "A"},
    ],
    "total": "28.43",
    "subtotal": None,
    "amount_due": "28.43",
    "deposits": None,
    "vat": [{"letter": "A", "rate": "23.00", "tax": "2.98", "sales": "15.96"},
            {"letter": "C", "rate": "5.00", "tax": "0.59", "sales": "12.47"}],
    "payment": {"method": "card", "paid": "28.43", "change": None},
    "checks": {"items_sum_matches_total": True, "lines_consistent": True,
               "vat_sales_match_total": True, "vat_tax_sum_matches": True,
               "payment_matches": True, "nip_valid": True},
    "confidence": 0.97,
    "field_confidence": {"shop": 0.95, "date": 1.0, "total": 1.0, "items": 1.0},
    "warnings": [],
    "ocr_confidence": 0.91,
    "reread": ["date"],
}

Reply = tuple[int, Any, float]  # (status, JSON body, delay seconds before answering)


@dataclass
class ScriptedOcr:
    """A real HTTP server on a loopback port that answers POST /parse-receipt.

    `respond(body) -> (status, json, delay)` decides each answer; `stop()`/`start()` take the
    port down and up again (connection refused in between)."""

    respond: Callable[[bytes], Reply] = lambda body: (200, OCR_RESULT, 0.0)
    port: int = 0
    calls: list[bytes] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ScriptedOcr:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                owner.calls.append(body)
                status, payload, delay = owner.respond(body)
                if delay:
                    time.sleep(delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ocr_server() -> Iterator[ScriptedOcr]:
    """A scripted OCR worker that answers every call with OCR_RESULT."""
    server = ScriptedOcr().start()
    yield server
    server.stop()


@pytest.fixture
def scripted_ocr() -> Iterator[Callable[..., ScriptedOcr]]:
    """scripted_ocr(respond=..., port=..., start=True) → a ScriptedOcr, stopped at the end."""
    servers: list[ScriptedOcr] = []

    def make(
        respond: Callable[[bytes], Reply] | None = None, port: int = 0, start: bool = True
    ) -> ScriptedOcr:
        server = ScriptedOcr(port=port) if respond is None else ScriptedOcr(respond, port=port)
        servers.append(server)
        return server.start() if start else server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def ocr_result() -> dict[str, Any]:
    return json.loads(json.dumps(OCR_RESULT))


@pytest.fixture
def parsed_receipt(clean_db, make_receipt_image, ocr_result):
    """parsed_receipt(**ocr_overrides) → receipt id, stored as the worker would store it."""

    from app.core.db import session_scope
    from app.services import job_queue
    from app.services.categorize import Categorizer
    from app.services.image_check import check_image
    from app.services.ocr_result import parse_ocr_result
    from app.services.receipt_intake import accept_upload
    from app.services.receipt_store import store_parsed

    def make(**overrides) -> str:
        data = make_receipt_image()
        raw = {**ocr_result, **overrides}
        with session_scope(clean_db) as session:
            intake = accept_upload(session, data, check_image(data, 10**7), "r.jpg", 3)
        with session_scope(clean_db) as session:
            job = job_queue.claim(session, "test", 30)
            assert job is not None and job.receipt_id == intake.id
            assert job_queue.mark_done(session, job)
            store_parsed(session, job.receipt_id, parse_ocr_result(raw, "Europe/Warsaw"), raw,
                         Categorizer.from_db(session), "Europe/Warsaw")
        return str(intake.id)

    return make


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def settings_for(core_db_url: str) -> Callable[..., Settings]:
    """settings_for(**overrides) → test Settings for the session's database."""
    return lambda **overrides: make_settings(core_db_url, **overrides)


@pytest.fixture
def make_worker(core_sessions, core_db_url):
    """Build a ReceiptWorker against the test DB and a given OCR URL (settings overridable)."""
    from app.services.ocr_client import OcrClient
    from app.services.receipt_worker import ReceiptWorker

    def build(ocr_url: str, name: str = "test", **overrides: Any) -> ReceiptWorker:
        settings = make_settings(core_db_url, ocr_worker_url=ocr_url, **overrides)
        ocr = OcrClient(ocr_url, timeout_seconds=settings.ocr_timeout_seconds,
                        connect_timeout_seconds=settings.ocr_connect_timeout_seconds)
        return ReceiptWorker(settings, core_sessions, ocr, name=name, rng=random.Random(7))

    return build


def run_until(worker, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Run the worker loop until condition() holds (checked every 50 ms) or timeout, then stop."""

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if await asyncio.to_thread(condition):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("condition not reached in time")
        finally:
            stop.set()
            await task
            await worker.ocr.aclose()

    asyncio.run(main())


@pytest.fixture
def drive():
    return run_until


@pytest.fixture
def empty_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The URL of a new database with nothing in it (no migrations applied); dropped after."""
    monkeypatch.delenv("GRAFANA_DB_PASSWORD", raising=False)  # no cluster-wide role here
    with throwaway_database("lifeboard_t_empty") as url:
        yield url


Migrate = Callable[[str, str, str], None]


@pytest.fixture
def migrate() -> Migrate:
    """``migrate(url, "upgrade" | "downgrade", revision)`` (see `run_migration`)."""
    return run_migration


@pytest.fixture
def receipt_json(api: TestClient) -> Callable[[str], dict[str, Any]]:
    """``receipt_json(id)``: the receipt as the API shows it."""

    def get(receipt_id: str) -> dict[str, Any]:
        response = api.get(f"/api/v1/receipts/{receipt_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return get


@pytest.fixture
def receipts_under_review(api: TestClient) -> Callable[[], set[str]]:
    """``receipts_under_review()``: the ids the receipt list's needs_review filter shows."""

    def ids() -> set[str]:
        page = api.get("/api/v1/receipts", params={"needs_review": "true"}).json()
        return {row["id"] for row in page["items"]}

    return ids
