"""The Makefile's everyday commands: listed by `make help`, expanding to the right commands, and a
real backup → restore round trip against the test PostgreSQL server (no Docker needed: DB_EXEC
points pg_dump / psql at the local server instead of the db container)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")

REQUIRED = [
    "help", "up", "down", "logs", "ps", "test", "lint", "bench", "migrate", "backup", "restore",
    "sync-fit", "native-up", "native-down",
]
PG_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )


def dry_run(*args: str) -> str:
    result = make("-n", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_help_lists_every_command_with_a_description() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = dict(
        re.findall(r"^\s+make (\S+)\s+(\S.*)$", result.stdout, flags=re.MULTILINE)
    )
    missing = [target for target in REQUIRED if target not in listed]
    assert missing == [], result.stdout


def test_help_is_the_default_goal() -> None:
    assert make().stdout == make("help").stdout


@pytest.mark.parametrize("target", REQUIRED)
def test_every_command_expands(target: str) -> None:
    extra = ["FILE=Makefile"] if target == "restore" else []
    dry_run(target, *extra)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("up", "docker compose up -d"),
        ("down", "docker compose down"),
        ("ps", "docker compose ps"),
        ("test", "./scripts/test.sh"),
        ("migrate", "docker compose run --rm migrate"),
        ("sync-fit", "docker compose exec backend-core python -m app.cli fit-sync --days 7"),
        ("native-up", "./scripts/native-stack.sh up"),
        ("native-down", "./scripts/native-stack.sh down"),
    ],
)
def test_command_runs_what_the_readme_says(target: str, expected: str) -> None:
    assert expected in dry_run(target)


def test_lint_runs_every_linter() -> None:
    script = dry_run("lint")
    for needle in (
        "ruff check", "hadolint", "vendor.compose-spec docker-compose.yml",
        "vendor.github-workflows", "tests/test_workflows.py",
    ):
        assert needle in script


def test_bench_runs_both_benchmarks() -> None:
    script = dry_run("bench", "GATEWAY_URL=http://127.0.0.1:18080")
    assert "-m bench --n 40 --seed 7" in script and "OMP_THREAD_LIMIT=1" in script
    assert "backend-core/bench/upload_latency.py --gateway-url http://127.0.0.1:18080" in script
    assert (ROOT / "ocr-worker" / "bench" / "__main__.py").is_file()
    assert (ROOT / "backend-core" / "bench" / "upload_latency.py").is_file()


def test_logs_and_sync_fit_take_parameters() -> None:
    assert "logs -f --tail=200 backend-core" in dry_run("logs", "SERVICE=backend-core")
    assert "fit-sync --days 30" in dry_run("sync-fit", "DAYS=30")


def test_backup_dumps_the_db_container_to_a_dated_file() -> None:
    script = dry_run("backup")
    assert "docker compose exec -T db" in script and "pg_dump" in script
    assert re.search(r"backups/lifeboard-\d{8}-\d{4}\.sql\.gz", script)


def test_restore_needs_a_readable_file() -> None:
    missing = make("restore")
    assert missing.returncode != 0 and "usage: make restore FILE=" in missing.stderr
    absent = make("restore", "FILE=backups/no-such-backup.sql.gz")
    assert absent.returncode != 0 and "cannot read" in absent.stderr


@pytest.fixture
def scratch_db() -> Iterator[dict[str, str]]:
    """A throw-away database on the test server, with the env the Makefile's DB_EXEC needs."""
    url = urlsplit(PG_URL.replace("+psycopg", ""))
    name = f"lifeboard_t_make_{secrets.token_hex(4)}"
    admin = psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    env = {
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGPASSWORD": url.password or "",
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_DB": name,
    }
    try:
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_backup_and_restore_round_trip(scratch_db: dict[str, str], tmp_path: Path) -> None:
    url = PG_URL.replace("+psycopg", "").rsplit("/", 1)[0] + "/" + scratch_db["POSTGRES_DB"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE receipts_probe (id int PRIMARY KEY, total numeric(12,2))")
        conn.execute("INSERT INTO receipts_probe VALUES (1, 6.98), (2, 12.00)")

    db_exec = "env " + " ".join(f"{key}={value}" for key, value in scratch_db.items())
    common = [f"DB_EXEC={db_exec}", "DB_CLIENTS=", f"BACKUP_DIR={tmp_path}"]
    backup = make("backup", *common)
    assert backup.returncode == 0, backup.stderr
    dumps = list(tmp_path.glob("lifeboard-*.sql.gz"))
    assert len(dumps) == 1 and re.fullmatch(r"lifeboard-\d{8}-\d{4}\.sql\.gz", dumps[0].name)

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM receipts_probe WHERE id = 2")
        conn.execute("INSERT INTO receipts_probe VALUES (3, 1.00)")

    restore = make("restore", f"FILE={dumps[0]}", *common)
    assert restore.returncode == 0, restore.stderr
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id, total::text FROM receipts_probe ORDER BY id").fetchall()
    assert rows == [(1, "6.98"), (2, "12.00")]


def test_restore_stops_on_a_broken_dump(scratch_db: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.sql"
    broken.write_text("CREATE TABLE ok_table (id int);\nTHIS IS NOT SQL;\n", encoding="utf-8")
    db_exec = "env " + " ".join(f"{key}={value}" for key, value in scratch_db.items())
    result = make("restore", f"FILE={broken}", f"DB_EXEC={db_exec}", "DB_CLIENTS=")
    assert result.returncode != 0
    assert "syntax error" in result.stderr


def test_restore_restarts_the_database_clients_even_when_it_fails(
    scratch_db: dict[str, str], tmp_path: Path
) -> None:
    """`compose stop` before, `compose start` after - also after a failed restore."""
    broken = tmp_path / "broken.sql"
    broken.write_text("NOT SQL AT ALL;\n", encoding="utf-8")
    db_exec = "env " + " ".join(f"{key}={value}" for key, value in scratch_db.items())
    result = make("restore", f"FILE={broken}", f"DB_EXEC={db_exec}", "COMPOSE=echo compose")
    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert "compose stop backend-core grafana" in lines
    assert lines[-1] == "compose start backend-core grafana"


def test_a_failed_backup_never_looks_complete(tmp_path: Path) -> None:
    result = make("backup", "DB_EXEC=env PGHOST=127.0.0.1 PGPORT=1", f"BACKUP_DIR={tmp_path}")
    assert result.returncode != 0
    assert list(tmp_path.glob("*.sql.gz")) == []
