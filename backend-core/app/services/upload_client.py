"""A shoebox of receipts into any Lifeboard, over its HTTP API (`python -m app.cli upload`,
app/cli/upload.py).

Files and folders (recursively); in folders only files whose content is a receipt format (the
one list, upload_formats) are taken, so .DS_Store, notes and thumbnails stay out. A file
the server already has (same SHA-256, `GET /api/v1/receipts?sha256=`) is skipped without
uploading it. A `429` from the gateway is waited out (`Retry-After`) and the upload goes on.
`--wait` follows every receipt until it is done or failed and prints a table.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from app.models.states import ReceiptStatus
from upload_formats import sniff

DEFAULT_RETRY_AFTER_SECONDS = 10.0
MAX_RATE_LIMIT_WAITS = 60  # per file: an hour at most with the default Retry-After
FINAL = (ReceiptStatus.DONE, ReceiptStatus.FAILED)


class Fatal(Exception):
    """Stop everything: wrong token, no server."""


@dataclass
class Row:
    path: Path
    outcome: str  # uploaded, duplicate, skipped (server has it), refused
    receipt_id: str = ""
    detail: str = ""
    status: str = ""  # the receipt's status once followed
    receipt: dict[str, Any] | None = None


def collect(paths: Iterable[Path]) -> list[Path]:
    """Named files as they are; in folders, the files whose content is a receipt format."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    candidate = Path(folder) / name
                    if not name.startswith(".") and _looks_like_a_receipt(candidate):
                        found.append(candidate)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    return list(dict.fromkeys(found))


def _looks_like_a_receipt(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return sniff(file.read(64)) is not None
    except OSError:
        return False


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


def request(client: httpx.Client, method: str, url: str, *,
            on_wait: Callable[[float], None] | None = None, **kwargs: Any) -> httpx.Response:
    """One API call; a 429 is waited out (Retry-After) and tried again; 401 and no server end
    the run."""
    for _ in range(MAX_RATE_LIMIT_WAITS):
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise Fatal(f"{client.base_url} does not answer: {exc}") from exc
        if response.status_code == 401:
            raise Fatal("the server refused the API token (401): check --token / API_TOKEN")
        if response.status_code != 429:
            return response
        seconds = _retry_after(response)
        if on_wait:
            on_wait(seconds)
        time.sleep(seconds)
    return response


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"{response.status_code}: {detail if isinstance(detail, str) else response.text[:200]}"


def upload_all(client: httpx.Client, files: list[Path]) -> list[Row]:
    rows: list[Row] = []
    bar = tqdm(files, unit="file", desc="upload", file=sys.stderr, dynamic_ncols=True)
    for path in bar:
        bar.set_postfix_str(path.name[-30:])

        def waiting(seconds: float, bar: tqdm[Path] = bar) -> None:
            bar.set_postfix_str(f"rate limit: waiting {seconds:.0f} s")

        rows.append(upload_one(client, path, on_wait=waiting))
    bar.close()
    return rows


def upload_one(client: httpx.Client, path: Path,
               on_wait: Callable[[float], None] | None = None) -> Row:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Row(path, "refused", detail=f"cannot read: {exc}")
    digest = hashlib.sha256(data).hexdigest()
    known = request(client, "GET", "/api/v1/receipts", params={"sha256": digest, "limit": 1},
                    on_wait=on_wait)
    if known.status_code == 200 and known.json().get("items"):
        receipt = known.json()["items"][0]
        return Row(path, "skipped", receipt["id"], status=receipt["status"], receipt=receipt)
    fmt = sniff(data)
    content_type = fmt.content_type if fmt else "application/octet-stream"
    response = request(client, "POST", "/api/v1/receipts",
                       files={"file": (path.name, data, content_type)}, on_wait=on_wait)
    if response.status_code != 202:
        return Row(path, "refused", detail=_detail(response))
    body = response.json()
    return Row(path, "duplicate" if body.get("duplicate") else "uploaded", body["id"],
               status=body.get("status", ""))


def follow(client: httpx.Client, rows: list[Row], timeout: float) -> None:
    """Poll every receipt until it is done or failed, or the timeout passes."""
    deadline = time.monotonic() + timeout
    waiting = [r for r in rows if r.status not in FINAL or r.receipt is None]
    bar = tqdm(total=len(rows), initial=len(rows) - len(waiting), unit="receipt", desc="read",
               file=sys.stderr, dynamic_ncols=True)
    while waiting and time.monotonic() < deadline:
        still = []
        for row in waiting:
            response = request(client, "GET", f"/api/v1/receipts/{row.receipt_id}")
            if response.status_code == 200:
                row.receipt = response.json()
                row.status = row.receipt["status"]
            if row.status in FINAL:
                bar.update(1)
            else:
                still.append(row)
        waiting = still
        if waiting:
            time.sleep(1)
    bar.close()


def _result(row: Row, waited: bool) -> str:
    if row.outcome == "refused":
        return "refused"
    if not waited and row.outcome != "skipped":
        return row.outcome
    if row.status == ReceiptStatus.DONE:
        needs = (row.receipt or {}).get("needs_review")
        return "needs review" if needs else ReceiptStatus.DONE.value
    if row.status == ReceiptStatus.FAILED:
        return ReceiptStatus.FAILED.value
    return row.status or row.outcome


def print_table(rows: list[Row], *, waited: bool) -> None:
    header = ("file", "result", "receipt", "shop", "date", "total", "note")
    lines = [header]
    counts: dict[str, int] = {}
    for row in rows:
        receipt = row.receipt or {}
        result = _result(row, waited)
        counts[result] = counts.get(result, 0) + 1
        if row.outcome in ("skipped", "duplicate"):
            note = "already on the server"
        elif result == ReceiptStatus.FAILED:
            note = receipt.get("error") or ""
        else:
            note = row.detail
        total = receipt.get("total")
        lines.append((
            str(row.path), result, row.receipt_id[:8], receipt.get("shop") or "",
            receipt.get("date") or "",
            f"{total} {receipt.get('currency') or ''}".strip() if total else "", note[:80],
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip())
    print("summary: " + ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
          + f" ({len(rows)} files)")
