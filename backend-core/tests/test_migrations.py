"""Migrations are frozen in time: none imports the application (its models or data change; a
migration must not), and on an empty database `upgrade head` → `downgrade base` →
`upgrade head` gives back the same schema and the same seed rows. 0001 seeds the Polish
keywords of its time, 0004 adds the foreign ones, and downgrading 0004 removes only those."""

from __future__ import annotations

import ast
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

VERSIONS = Path(__file__).resolve().parents[1] / "alembic" / "versions"
POLISH_SEED = 247  # keywords 0001 inserted
FOREIGN_SEED = 154  # keywords 0004 added
FORBIDDEN_MODULES = {"app", "importlib", "__import__"}
TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
    "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version' ORDER BY 1"
)
ROWS = 'SELECT CAST(to_jsonb(t) AS text) AS row FROM public."{table}" t ORDER BY 1'
USER_KEYWORDS = (  # one of them a word that 0004 brings with another category
    "INSERT INTO category_keywords (keyword, category) "
    "VALUES ('kombucha', 'drinks'), ('milk', 'drinks')"
)


def application_imports(source: str) -> list[str]:
    """Imports of the app package, and dynamic imports (which could hide one)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names = ["__import__"]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
    return found


def test_the_import_check_sees_application_imports() -> None:
    assert application_imports("from app.data.category_keywords import DEFAULT_KEYWORDS")
    assert application_imports("import app.models")
    assert application_imports("import importlib\nimportlib.import_module('app.data')")
    assert not application_imports("import sqlalchemy as sa\nfrom alembic import op")


def test_no_migration_imports_the_application() -> None:
    migrations = sorted(VERSIONS.glob("*.py"))
    assert len(migrations) >= 5
    found = {
        path.name: imports
        for path in migrations
        if (imports := application_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "a migration must hold its data literally, not import it"


def schema(url: str) -> str:
    """pg_dump's schema of the database: tables, views, constraints, indexes, grants."""
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed (postgresql-client, installed by scripts/test.sh)"
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    options = ["--schema-only", "--no-owner", "--exclude-table=public.alembic_version"]
    run = subprocess.run(
        [pg_dump, *options, libpq_url], capture_output=True, text=True, timeout=120, check=True
    )
    dump = run.stdout
    # version lines and the random \restrict key of each dump are not schema
    noise = ("-- Dumped", "\\restrict", "\\unrestrict")
    return "\n".join(line for line in dump.splitlines() if not line.startswith(noise))


def rows(url: str) -> dict[str, list[str]]:
    """Every row of every table (as JSON text, in order), alembic_version aside."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(TABLES)).scalars().all()
            return {
                table: list(conn.execute(text(ROWS.format(table=table))).scalars())
                for table in tables
            }
    finally:
        engine.dispose()


def keywords(url: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT keyword, category FROM category_keywords")).all()
    finally:
        engine.dispose()
    return {keyword: category for keyword, category in found}


def test_upgrade_downgrade_upgrade_gives_the_same_schema_and_seed(
    empty_database: str, migrate: Callable[[str, str, str], None]) -> None:
    migrate(empty_database, "upgrade", "head")
    schema_at_head, rows_at_head = schema(empty_database), rows(empty_database)
    assert "CREATE TABLE public.category_keywords" in schema_at_head
    assert len(rows_at_head["category_keywords"]) == POLISH_SEED + FOREIGN_SEED

    migrate(empty_database, "downgrade", "base")
    assert rows(empty_database) == {}, "downgrade base left tables behind"
    assert "CREATE TABLE" not in schema(empty_database)

    migrate(empty_database, "upgrade", "head")
    assert schema(empty_database) == schema_at_head
    assert rows(empty_database) == rows_at_head


def test_0001_seeds_its_keywords_and_0004_adds_only_its_own(
    empty_database: str, migrate: Callable[[str, str, str], None]) -> None:
    migrate(empty_database, "upgrade", "0001_initial")
    polish = keywords(empty_database)
    assert len(polish) == POLISH_SEED
    assert polish["mleko"] == "dairy" and polish["piwo"] == "alcohol"
    assert "milk" not in polish and "bier" not in polish

    migrate(empty_database, "upgrade", "0003_grafana_reader")
    engine = create_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text(USER_KEYWORDS))
    engine.dispose()
    before = keywords(empty_database)

    migrate(empty_database, "upgrade", "0004_keywords_corrections")
    after = keywords(empty_database)
    added = after.keys() - before.keys()
    assert len(added) == FOREIGN_SEED - 1  # "milk" was the user's already
    assert after["milk"] == "drinks" and after["cheese"] == "dairy"
    assert before.items() <= after.items()

    migrate(empty_database, "downgrade", "0003_grafana_reader")
    assert keywords(empty_database) == before
