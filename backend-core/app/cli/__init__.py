"""Command line of backend-core: `python -m app.cli COMMAND ...`.

One module per area, each with a `COMMANDS` tuple of `Command`s (app/cli/command.py): database,
receipt jobs, categories, health data, export, upload. `AREAS` is the order of `--help`.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from app.cli import categories, database, export, health, jobs, upload
from app.cli.command import Command, database_error_line, dispose_engines
from app.cli.database import alembic_config

AREAS = (database, jobs, categories, health, export, upload)
COMMANDS: dict[str, Command] = {cmd.name: cmd for area in AREAS for cmd in area.COMMANDS}

__all__ = ["COMMANDS", "Command", "alembic_config", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="Lifeboard backend-core")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        cmd.configure(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code. A database that is unreachable or fails is one line on
    stderr and exit code 1, never a traceback (for every command, here in one place)."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except SQLAlchemyError as exc:
        print(database_error_line(f"python -m app.cli {args.command}", exc), file=sys.stderr)
        return 1
    finally:
        dispose_engines()
