"""What a command of `python -m app.cli` is, and the database sessions commands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import get_settings
from app.core.db import make_engine, make_session_factory


def _no_options(parser: argparse.ArgumentParser) -> None:
    """A command without arguments configures nothing."""


@dataclass(frozen=True)
class Command:
    """`name` on the command line; `configure` adds its arguments, `run` returns the exit code."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = _no_options


_ENGINES: list[Engine] = []  # disposed when the command ends (no connection left open)


def open_sessions() -> sessionmaker[Session]:
    """A session factory on DATABASE_URL; its engine is disposed by `dispose_engines`."""
    engine = make_engine(get_settings().sqlalchemy_url, pool_size=2)
    _ENGINES.append(engine)
    return make_session_factory(engine)


def dispose_engines() -> None:
    while _ENGINES:
        _ENGINES.pop().dispose()


def database_error_line(command: str, exc: SQLAlchemyError) -> str:
    """One line for a command the database failed: unreachable (or refused the connection), or
    an error of a statement; the driver's first line, without SQLAlchemy's wrapping."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    unreachable = isinstance(exc, (OperationalError, InterfaceError))
    what = (
        "database unavailable (is DATABASE_URL right and PostgreSQL up?)"
        if unreachable
        else "database error"
    )
    return f"{command}: {what}: {reason}"
