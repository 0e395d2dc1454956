"""Command line of backend-core: `python -m app.cli COMMAND ...`.

Commands register themselves with `@command(name, help)`; the decorated function receives the
argparse subparser to configure (via `.configure`) and is called with the parsed namespace.
Other modules add their commands in their own section at the end of this file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from app.core.config import get_settings
from app.core.db import make_engine, make_session_factory, session_scope
from app.models.states import ReceiptStatus

CORE_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None


COMMANDS: dict[str, Command] = {}


def command(
    name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] | None = None
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(name, help, run, configure or (lambda parser: None))
        return run

    return register


_ENGINES: list[Any] = []  # disposed when the command ends (no connection left open)


def _sessions():
    engine = make_engine(get_settings().sqlalchemy_url, pool_size=2)
    _ENGINES.append(engine)
    return make_session_factory(engine)


# --- database ---------------------------------------------------------------------------------
def alembic_config(database_url: str | None = None):
    from alembic.config import Config

    config = Config(str(CORE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(CORE_DIR / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("revision", nargs="?", default="head", help="target (default: head)")


@command("migrate", "apply the Alembic migrations (alembic upgrade)", _configure_migrate)
def _migrate(args: argparse.Namespace) -> int:
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(), args.revision)
    return 0


@command("create-db", "create the database named in DATABASE_URL if it does not exist")
def _create_db(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine, text

    url = make_url(get_settings().sqlalchemy_url)
    name = url.database
    if not name:
        print("DATABASE_URL names no database", file=sys.stderr)
        return 2
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            quoted = admin.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
            print(f"created database {name}")
        else:
            print(f"database {name} exists")
    admin.dispose()
    return 0


# --- receipt jobs -----------------------------------------------------------------------------
def _configure_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=[str(s) for s in ReceiptStatus])
    parser.add_argument("--limit", type=int, default=20)


@command("jobs", "show queue counts and recent receipt jobs as JSON lines", _configure_jobs)
def _jobs(args: argparse.Namespace) -> int:
    from sqlalchemy import func

    from app.models import ReceiptJob

    with _sessions()() as session:
        counts = {
            status: count
            for status, count in session.execute(
                select(ReceiptJob.status, func.count()).group_by(ReceiptJob.status)
            )
        }
        print(json.dumps({"counts": counts}))
        query = select(ReceiptJob).order_by(ReceiptJob.created_at.desc()).limit(args.limit)
        if args.status:
            query = query.where(ReceiptJob.status == args.status)
        for job in session.scalars(query):
            print(json.dumps({
                "receipt_id": str(job.receipt_id), "status": job.status,
                "attempts": job.attempts, "max_attempts": job.max_attempts,
                "run_after": job.run_after.isoformat(), "last_error": job.last_error,
            }))
    return 0


def _configure_reprocess(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("receipt_ids", nargs="*", type=uuid.UUID, help="receipts to queue again")
    parser.add_argument("--all-failed", action="store_true", help="every failed receipt")
    parser.add_argument("--force", action="store_true", help="also receipts that are done")
    parser.add_argument(
        "--discard-corrections", action="store_true",
        help="with --force: also receipts the user corrected, losing those corrections",
    )


@command("reprocess", "queue receipts for OCR again", _configure_reprocess)
def _reprocess(args: argparse.Namespace) -> int:
    from app.models import ReceiptJob
    from app.services import job_queue
    from app.services.receipt_store import corrected_receipts

    settings = get_settings()
    with session_scope(_sessions()) as session:
        ids = list(args.receipt_ids)
        if args.all_failed:
            ids += session.scalars(
                select(ReceiptJob.receipt_id).where(ReceiptJob.status == ReceiptStatus.FAILED)
            ).all()
        corrected = corrected_receipts(session, ids) if args.force else []
        if corrected and not args.discard_corrections:
            print(
                "refusing to reprocess receipts the user corrected (their corrections would be "
                "lost): " + ", ".join(str(r) for r in corrected)
                + "; add --discard-corrections to reprocess them anyway",
                file=sys.stderr,
            )
            return 1
        queued = [
            rid for rid in ids
            if job_queue.requeue(session, rid, settings.job_max_attempts, force=args.force)
        ]
    print(json.dumps({"queued": [str(r) for r in queued], "skipped": len(ids) - len(queued)}))
    return 0


def _configure_work(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="process ready jobs, then exit")


@command("work", "run the receipt worker in the foreground (no HTTP server)", _configure_work)
def _work(args: argparse.Namespace) -> int:
    from app.services.ocr_client import OcrClient
    from app.services.receipt_worker import ReceiptWorker

    settings = get_settings()

    async def main() -> int:
        ocr = OcrClient(settings.ocr_worker_url, timeout_seconds=settings.ocr_timeout_seconds,
                        connect_timeout_seconds=settings.ocr_connect_timeout_seconds)
        worker = ReceiptWorker(settings, _sessions(), ocr, name="cli")
        processed = 0
        try:
            if args.once:
                while await worker.process_next():
                    processed += 1
            else:
                await worker.run(asyncio.Event())
        finally:
            await ocr.aclose()
        print(json.dumps({"processed": processed}))
        return 0

    return asyncio.run(main())


# --- categories -------------------------------------------------------------------------------
def _configure_categories(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="print the keyword table")
    sub.add_parser("seed", help="add keywords from app/data/category_keywords.py that are missing")
    set_parser = sub.add_parser("set", help="add or change one keyword")
    set_parser.add_argument("keyword")
    set_parser.add_argument("category")
    delete_parser = sub.add_parser("delete", help="remove one keyword")
    delete_parser.add_argument("keyword")
    sub.add_parser(
        "recategorize",
        help="apply the table to every stored receipt item the user has not corrected",
    )


@command("categories", "maintain the item keyword → category table", _configure_categories)
def _categories(args: argparse.Namespace) -> int:
    from sqlalchemy import delete
    from sqlalchemy.dialects.postgresql import insert

    from app.data.category_keywords import CATEGORIES, DEFAULT_KEYWORDS
    from app.models import CategoryKeyword, ReceiptItem
    from app.services.categorize import Categorizer, normalize
    from app.services.receipt_store import refresh_main_category

    with session_scope(_sessions()) as session:
        if args.action == "list":
            for keyword, category in session.execute(
                select(CategoryKeyword.keyword, CategoryKeyword.category).order_by(
                    CategoryKeyword.category, CategoryKeyword.keyword
                )
            ):
                print(f"{category}\t{keyword}")
        elif args.action == "seed":
            rows = [{"keyword": k, "category": c} for k, c in DEFAULT_KEYWORDS.items()]
            added = session.scalars(
                insert(CategoryKeyword)
                .values(rows)
                .on_conflict_do_nothing(index_elements=[CategoryKeyword.keyword])
                .returning(CategoryKeyword.keyword)
            ).all()
            print(json.dumps({"added": sorted(added)}))
        elif args.action == "set":
            keyword = normalize(args.keyword)
            if not keyword:
                print("keyword has no letters or digits", file=sys.stderr)
                return 2
            if args.category not in CATEGORIES:
                print(f"unknown category {args.category!r}; known: {', '.join(CATEGORIES)}",
                      file=sys.stderr)
                return 2
            session.execute(
                insert(CategoryKeyword).values(keyword=keyword, category=args.category)
                .on_conflict_do_update(
                    index_elements=[CategoryKeyword.keyword], set_={"category": args.category}
                )
            )
        elif args.action == "delete":
            deleted = session.scalars(
                delete(CategoryKeyword)
                .where(CategoryKeyword.keyword == normalize(args.keyword))
                .returning(CategoryKeyword.keyword)
            ).all()
            if not deleted:
                print(f"no keyword {normalize(args.keyword)!r} in the table", file=sys.stderr)
                return 1
        else:
            categorizer = Categorizer.from_db(session)
            receipts: set[uuid.UUID] = set()
            changed = 0
            for item_id, receipt_id, name, current in session.execute(
                select(ReceiptItem.id, ReceiptItem.receipt_id, ReceiptItem.name,
                       ReceiptItem.category)
                .where(ReceiptItem.corrected_at.is_(None))
            ).all():
                category = categorizer.categorize(name)
                if category != current:
                    session.execute(
                        update(ReceiptItem)
                        .where(ReceiptItem.id == item_id)
                        .values(category=category)
                    )
                    receipts.add(receipt_id)
                    changed += 1
            for receipt_id in receipts:  # their transactions' main category follows
                refresh_main_category(session, receipt_id)
            print(json.dumps({"changed": changed}))
    return 0


# --- health commands (owned by the health engineer) ---------------------------------------------
from app.services.health.cli_commands import register as _register_health  # noqa: E402

_register_health(command, _sessions)

# --- data export (CSV) ------------------------------------------------------------------------
from app.cli_export import register as _register_export  # noqa: E402

_register_export(command)


# --- upload: receipts through the HTTP API (app/services/upload_client.py) ---------------------
from app.services import upload_client as _upload  # noqa: E402

command("upload", _upload.HELP, _upload.configure)(_upload.run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="Lifeboard backend-core")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        cmd.configure(sub.add_parser(cmd.name, help=cmd.help, description=cmd.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    finally:
        while _ENGINES:
            _ENGINES.pop().dispose()


if __name__ == "__main__":
    sys.exit(main())
