"""The Makefile's everyday commands: listed by `make help`, expanding to the right commands, and a
real backup → restore round trip against the test PostgreSQL server (no Docker needed: DB_EXEC
points pg_dump / psql at the local server instead of the db container)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
        "ruff check", "mypy", "hadolint", "vendor.compose-spec docker-compose.yml",
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


@contextmanager
def throwaway_database() -> Iterator[dict[str, str]]:
    """A new empty database on the test server, with the env the Makefile's DB_EXEC needs."""
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


@pytest.fixture
def scratch_db() -> Iterator[dict[str, str]]:
    with throwaway_database() as env:
        yield env


@pytest.fixture
def fresh_db() -> Iterator[dict[str, str]]:
    """A second, empty database: where a backup is restored on a new installation."""
    with throwaway_database() as env:
        yield env


def db_url(db: dict[str, str]) -> str:
    return PG_URL.replace("+psycopg", "").rsplit("/", 1)[0] + "/" + db["POSTGRES_DB"]


def db_exec(db: dict[str, str]) -> str:
    return "env " + " ".join(f"{key}={value}" for key, value in db.items())


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


# --- backups: the .env copy, retention, restore on a new installation ----------------------------
PG_DUMP = pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
OLD_DUMPS = [f"lifeboard-2026010{day}-0300.sql.gz" for day in range(1, 6)]


def backup_dir_with_old_dumps(tmp_path: Path) -> Path:
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in OLD_DUMPS:
        (backups / name).write_bytes(b"old dump")
        (backups / name.replace(".sql.gz", ".env")).write_text("API_TOKEN=old\n")
    (backups / "lifeboard-before-upgrade.sql.gz").write_bytes(b"kept by hand")  # not ours
    (backups / "notes.txt").write_text("mine")
    return backups


def run_backup(db: dict[str, str], backups: Path, env_file: Path, *extra: str):
    env = {k: v for k, v in os.environ.items() if k != "BACKUP_KEEP"}
    return make("backup", f"DB_EXEC={db_exec(db)}", f"BACKUP_DIR={backups}",
                f"ENV_FILE={env_file}", *extra, env=env)


@PG_DUMP
def test_backup_copies_env_beside_the_dump_and_keeps_the_last_n(
    scratch_db: dict[str, str], tmp_path: Path
) -> None:
    backups = backup_dir_with_old_dumps(tmp_path)
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=secret\nTOKEN_ENCRYPTION_KEY=key=\n")
    env_file.chmod(0o644)
    result = run_backup(scratch_db, backups, env_file, "BACKUP_KEEP=3")
    assert result.returncode == 0, result.stderr

    dumps = sorted(p.name for p in backups.glob("lifeboard-*.sql.gz"))
    new = [name for name in dumps if name not in OLD_DUMPS and "before" not in name]
    assert len(new) == 1 and re.fullmatch(r"lifeboard-\d{8}-\d{4}\.sql\.gz", new[0])
    # The newest three of ours stay (the new one and two old ones); files we did not write stay.
    assert dumps == sorted([*OLD_DUMPS[-2:], *new, "lifeboard-before-upgrade.sql.gz"])
    assert (backups / "notes.txt").exists()
    envs = sorted(p.name for p in backups.glob("*.env"))
    assert envs == sorted(name.replace(".sql.gz", ".env") for name in [*OLD_DUMPS[-2:], *new])
    copy = backups / new[0].replace(".sql.gz", ".env")
    assert copy.read_text() == env_file.read_text()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE((backups / new[0]).stat().st_mode) == 0o600  # personal data too
    assert f"{env_file} copied to {copy} (mode 600)" in result.stdout
    assert result.stdout.count("removed old backup") == 3
    assert not list(backups.glob("*.part"))


@PG_DUMP
def test_backup_keep_comes_from_env_file_and_zero_keeps_all(
    scratch_db: dict[str, str], tmp_path: Path
) -> None:
    backups = backup_dir_with_old_dumps(tmp_path)
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=x\nBACKUP_KEEP=0\n")
    assert run_backup(scratch_db, backups, env_file).returncode == 0
    assert len(list(backups.glob("lifeboard-2*.sql.gz"))) == len(OLD_DUMPS) + 1
    env_file.write_text("API_TOKEN=x\nBACKUP_KEEP=2   # two are enough\n")
    assert run_backup(scratch_db, backups, env_file).returncode == 0
    assert len(list(backups.glob("lifeboard-2*.sql.gz"))) == 2


def test_backup_refuses_a_bad_keep_count_and_warns_without_env(tmp_path: Path) -> None:
    bad = make("backup", "BACKUP_KEEP=all", f"BACKUP_DIR={tmp_path}", "DB_EXEC=false")
    assert bad.returncode == 2 and "BACKUP_KEEP must be a number" in bad.stderr
    assert list(tmp_path.iterdir()) == []


@PG_DUMP
def test_backup_without_env_file_warns(scratch_db: dict[str, str], tmp_path: Path) -> None:
    result = run_backup(scratch_db, tmp_path / "b", tmp_path / "missing.env")
    assert result.returncode == 0, result.stderr
    assert "WARNING: no" in result.stderr and "TOKEN_ENCRYPTION_KEY" in result.stderr
    assert len(list((tmp_path / "b").glob("*.sql.gz"))) == 1


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an md5 over every row's text, per table of the public schema."""
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {
            table: conn.execute(
                f'SELECT count(*), coalesce(md5(string_agg(t::text, \'|\' ORDER BY t::text)), \'\')'
                f' FROM "{table}" t'
            ).fetchone()
            for table in tables
        }


@PG_DUMP
def test_restore_into_a_fresh_database(
    scratch_db: dict[str, str], fresh_db: dict[str, str], tmp_path: Path
) -> None:
    """A migrated Lifeboard database with receipts (image bytes), items, transactions and
    activity, backed up and restored into a new, empty database: every table equal."""
    source = db_url(scratch_db)
    migrate = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT / "backend-core",
        env={**os.environ, "DATABASE_URL": source, "GRAFANA_DB_PASSWORD": ""},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO receipts (id, sha256, filename, content_type, image, status, shop, "
            "purchase_date, total, currency, raw_ocr) VALUES ('11111111-1111-1111-1111-"
            "111111111111', repeat('a', 64), 'paragon.jpg', 'image/jpeg', %s, 'done', "
            "'Żabka', '2026-11-20', 28.43, 'PLN', '{\"shop\": \"Żabka\"}')",
            (bytes(range(256)) * 40,),
        )
        conn.execute(
            "INSERT INTO receipt_items (receipt_id, position, name, quantity, price, vat, "
            "category) VALUES ('11111111-1111-1111-1111-111111111111', 1, 'Mleko 3,2%', "
            "0.456, 6.98, 'C', 'dairy')"
        )
        conn.execute(
            "INSERT INTO transactions (id, occurred_on, amount, currency, shop, source, "
            "receipt_id) VALUES (gen_random_uuid(), '2026-11-20', 28.43, 'PLN', 'Żabka', "
            "'receipt', '11111111-1111-1111-1111-111111111111'), (gen_random_uuid(), "
            "'2026-11-21', -5.00, 'EUR', 'a \"quoted\", shop', 'manual', NULL)"
        )
        conn.execute("INSERT INTO activity (date, steps, weight_kg) VALUES ('2026-11-20', 9000, "
                     "80.40), ('2026-11-21', NULL, NULL)")
    before = table_digests(source)
    assert before["receipts"][0] == 1 and before["alembic_version"][0] == 1
    assert before["category_keywords"][0] > 0  # the seeded keyword table

    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=x\n")
    backups = tmp_path / "backups"
    assert run_backup(scratch_db, backups, env_file).returncode == 0
    (dump,) = backups.glob("*.sql.gz")

    restore = make("restore", f"FILE={dump}", f"DB_EXEC={db_exec(fresh_db)}", "DB_CLIENTS=",
                   f"ENV_FILE={env_file}")
    assert restore.returncode == 0, restore.stderr
    assert f"cp {dump.with_name(dump.name.replace('.sql.gz', '.env'))} {env_file}" in (
        restore.stdout)
    assert table_digests(db_url(fresh_db)) == before
