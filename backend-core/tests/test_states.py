"""The state enums (app.models.states) are the one source of every stored state set: the
database's CHECKs allow exactly their values, and no module writes a state out by hand."""

from __future__ import annotations

import importlib.util
import re
import uuid
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from app.models.states import (
    CredentialState,
    HealthProvider,
    HealthSource,
    ReceiptStatus,
    TransactionSource,
)

APP = Path(__file__).resolve().parents[1] / "app"
VERSIONS = Path(__file__).resolve().parents[1] / "alembic" / "versions"

# (table, column, CHECK name) -> the enum it must allow
CHECKED: dict[tuple[str, str, str], type[StrEnum]] = {
    ("receipts", "status", "ck_receipts_status_valid"): ReceiptStatus,
    ("receipt_jobs", "status", "ck_receipt_jobs_status_valid"): ReceiptStatus,
    ("transactions", "source", "ck_transactions_source_valid"): TransactionSource,
    ("google_credentials", "state", "ck_google_credentials_state"): CredentialState,
    ("activity", "source", "ck_activity_source_valid"): HealthSource,
    ("health_sync_state", "source", "ck_health_sync_state_source_valid"): HealthSource,
    ("google_credentials", "provider", "ck_google_credentials_provider_valid"): HealthProvider,
    ("oauth_pending_states", "provider", "ck_oauth_pending_states_provider_valid"): HealthProvider,
    (
        "health_provider_switches",
        "from_provider",
        "ck_health_provider_switches_from_provider_valid",
    ): HealthProvider,
    (
        "health_provider_switches",
        "to_provider",
        "ck_health_provider_switches_to_provider_valid",
    ): HealthProvider,
}


def _migration(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, VERSIONS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_writes_the_enum_values_literally() -> None:
    migration = _migration("0006_state_checks")
    assert {key: set(values) for key, values in migration.STATE_CHECKS.items()} == {
        key: {state.value for state in enum} for key, enum in CHECKED.items()
    }
    source = (VERSIONS / "0006_state_checks.py").read_text(encoding="utf-8")
    assert "import app" not in source and "from app" not in source


def test_the_head_database_allows_exactly_the_enum_values(core_db_url: str) -> None:
    engine = create_engine(core_db_url)
    try:
        with engine.connect() as conn:
            found = {
                name: pg_def
                for name, pg_def in conn.execute(
                    text(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE contype = 'c'"
                    )
                )
            }
    finally:
        engine.dispose()
    for (_table, column, name), enum in CHECKED.items():
        assert name in found, f"no CHECK {name} at head"
        assert f"({column} = ANY" in found[name], found[name]
        assert set(re.findall(r"'([^']*)'::text", found[name])) == {s.value for s in enum}


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("receipts", "status"),
        ("receipt_jobs", "status"),
        ("transactions", "source"),
        ("activity", "source"),
        ("health_sync_state", "source"),
    ],
)
def test_the_database_rejects_an_unknown_state(clean_db, table: str, column: str) -> None:
    receipt = uuid.uuid4()
    rows = {
        "receipts": "INSERT INTO receipts (id, sha256, content_type, image, status) "
        "VALUES (:id, :sha, 'image/png', '\\x00', :value)",
        "receipt_jobs": "INSERT INTO receipt_jobs (id, receipt_id, status, max_attempts) "
        "VALUES (gen_random_uuid(), :id, :value, 3)",
        "transactions": "INSERT INTO transactions (id, occurred_on, amount, source) "
        "VALUES (gen_random_uuid(), '2026-12-01', 1, :value)",
        "activity": "INSERT INTO activity (date, source) VALUES ('2026-12-01', :value)",
        "health_sync_state": "INSERT INTO health_sync_state (source) VALUES (:value)",
    }
    with clean_db() as session:
        if table == "receipt_jobs":
            session.execute(
                text(rows["receipts"]),
                {"id": receipt, "sha": uuid.uuid4().hex * 2, "value": ReceiptStatus.PENDING.value},
            )
        with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"):
            session.execute(
                text(rows[table]), {"id": receipt, "sha": uuid.uuid4().hex * 2, "value": "archived"}
            )
        session.rollback()


# "receipt" is also a plain word (relationships, file names): it counts only as a source.
STATE_VALUES = sorted({*(s.value for s in ReceiptStatus), TransactionSource.MANUAL.value})
# A quoted state value in Python or SQL: "done", 'failed', or a source compared or assigned.
LITERAL = re.compile(
    r"""(?<![\w/-])(["'])("""
    + "|".join(STATE_VALUES)
    + r""")\1|source\s*[!=]?=\s*["']receipt["']"""
)
# Words that happen to equal a state but name something else (folder names the user sees,
# not stored states): file -> how many such literals it holds.
NOT_STATES = {
    "services/consume_folder.py": 2,  # DONE, FAILED = "done", "failed": the folders' names
    "services/health/imports.py": 1,  # folder / "failed": the import folder's rejects
}


def test_no_state_is_written_outside_the_enum_module() -> None:
    stray: dict[str, list[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        name = path.relative_to(APP).as_posix()
        if name == "models/states.py":
            continue
        found = [m.group(0) for m in LITERAL.finditer(path.read_text(encoding="utf-8"))]
        if len(found) != NOT_STATES.get(name, 0):
            stray[name] = found
    assert not stray, f"use app.models.states instead of these literals: {stray}"


def test_no_health_provider_is_written_out_in_the_sync_logic() -> None:
    """The sync, the provider choice, OAuth scopes and the CLI name providers by the enum (the
    settings' HEALTH_PROVIDER and the API's query parameter list them as their accepted text)."""
    provider = re.compile(r"""(["'])(""" + "|".join(p.value for p in HealthProvider) + r""")\1""")
    stray = {
        path.relative_to(APP).as_posix(): provider.findall(path.read_text(encoding="utf-8"))
        for folder in ("services", "cli")
        for path in sorted((APP / folder).rglob("*.py"))
        if provider.search(path.read_text(encoding="utf-8"))
    }
    assert not stray, f"use app.models.states.HealthProvider instead: {stray}"
