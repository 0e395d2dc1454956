"""`upload PATH...`: receipt files and folders into a Lifeboard through its HTTP API
(app/services/upload_client.py does the work).

Exit status: 0 all went in (and, with --wait, were read); 1 some file was refused (or, with
--wait, failed or was still not read at the timeout); 2 bad usage, wrong token or no server.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

from app.cli.command import Command
from app.core.config import get_settings
from app.models.states import ReceiptStatus
from app.services.upload_client import Fatal, Row, collect, follow, print_table, upload_all


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        type=Path,
        help="receipt files, or folders to search recursively",
    )
    parser.add_argument(
        "--url",
        default=None,
        help="the Lifeboard gateway (default: http://localhost:GATEWAY_PORT, "
        "GATEWAY_PORT from the environment, else 8080)",
    )
    parser.add_argument(
        "--token", default=None, help="API token (default: API_TOKEN from the environment or .env)"
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait until every receipt is read and print a summary table",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="with --wait: seconds to wait for the last receipt (default 900)",
    )


def run(args: argparse.Namespace) -> int:
    token = args.token or get_settings().api_token.get_secret_value()
    if not token:
        print(
            "error: no API token: pass --token or set API_TOKEN (environment or .env)",
            file=sys.stderr,
        )
        return 2
    url = (args.url or f"http://localhost:{os.environ.get('GATEWAY_PORT') or 8080}").rstrip("/")
    try:
        files = collect(args.paths)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        rows = _upload(url, token, files, args)
    except Fatal as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_table(rows, waited=args.wait)
    refused = any(r.outcome == "refused" for r in rows)
    unread = args.wait and any(r.receipt_id and r.status != ReceiptStatus.DONE for r in rows)
    return 1 if refused or unread else 0


def _upload(url: str, token: str, files: list[Path], args: argparse.Namespace) -> list[Row]:
    """Every file uploaded; with --wait, followed until read (or the timeout)."""
    with httpx.Client(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(120, connect=10),
    ) as client:
        rows = upload_all(client, files)
        if args.wait:
            follow(client, [r for r in rows if r.receipt_id], args.timeout)
    return rows


COMMANDS = (
    Command(
        "upload",
        "upload receipt files or folders through the HTTP API of a Lifeboard",
        run,
        configure,
    ),
)
