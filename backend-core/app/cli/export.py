"""`python -m app.cli export transactions|items|activity [--from DAY] [--to DAY] [-o FILE]`.

The same CSV as GET /api/v1/export/NAME.csv (app.services.export_csv), to stdout or to FILE
(written to FILE.part, mode 600, then renamed: an interrupted export never looks complete).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from app.cli.command import Command
from app.core.config import get_settings
from app.core.db import make_engine
from app.services.export_csv import EXPORTS, csv_chunks


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=list(EXPORTS), help="which table to export")
    parser.add_argument(
        "--from",
        dest="date_from",
        type=_day,
        metavar="YYYY-MM-DD",
        help="first local day, inclusive",
    )
    parser.add_argument(
        "--to", dest="date_to", type=_day, metavar="YYYY-MM-DD", help="last local day, inclusive"
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to this file (default: stdout)"
    )


def export(args: argparse.Namespace) -> int:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        print("export: --from is after --to", file=sys.stderr)
        return 2
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url, pool_size=1)
    try:
        chunks = csv_chunks(engine, EXPORTS[args.what], args.date_from, args.date_to, settings.tz)
        if args.output is None:
            _write_stdout(chunks)
            return 0
        _write_file(chunks, args.output)
        print(f"exported {args.what} to {args.output}", file=sys.stderr)
        return 0
    finally:
        engine.dispose()


def _write_stdout(chunks: Iterable[str]) -> None:
    # typeshed types sys.stdout as TextIO; a CLI's is a TextIOWrapper, which has this.
    sys.stdout.reconfigure(encoding="utf-8", newline="")  # type: ignore[union-attr]
    for chunk in chunks:
        sys.stdout.write(chunk)
    sys.stdout.flush()


def _write_file(chunks: Iterable[str], path: Path) -> None:
    """FILE.part (mode 600) renamed to FILE once complete; removed if the export fails."""
    part = path.with_name(path.name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


COMMANDS = (
    Command(
        "export",
        "write transactions, items or activity as CSV (as the API does)",
        export,
        configure,
    ),
)
