"""Database commands: `migrate` (alembic upgrade) and `create-db`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from app.cli.command import Command
from app.core.config import get_settings

if TYPE_CHECKING:
    from alembic.config import Config

CORE_DIR = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str | None = None) -> Config:
    """backend-core's Alembic configuration; `database_url` overrides the settings' URL."""
    from alembic.config import Config

    config = Config(str(CORE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(CORE_DIR / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("revision", nargs="?", default="head", help="target (default: head)")


def migrate(args: argparse.Namespace) -> int:
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(), args.revision)
    return 0


def create_db(args: argparse.Namespace) -> int:
    url = make_url(get_settings().sqlalchemy_url)
    name = url.database
    if not name:
        print("DATABASE_URL names no database", file=sys.stderr)
        return 2
    # CREATE DATABASE cannot run in a transaction, nor while connected to the database itself.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            print(_create_if_missing(conn, name))
    finally:
        admin.dispose()
    return 0


def _create_if_missing(conn: Connection, name: str) -> str:
    if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
        return f"database {name} exists"
    quoted = conn.dialect.identifier_preparer.quote(name)
    conn.execute(text(f"CREATE DATABASE {quoted}"))
    return f"created database {name}"


COMMANDS = (
    Command(
        "migrate", "apply the Alembic migrations (alembic upgrade)", migrate, configure_migrate
    ),
    Command(
        "create-db", "create the database named in DATABASE_URL if it does not exist", create_db
    ),
)
