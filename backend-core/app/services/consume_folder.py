"""The consume folder (as in paperless-ngx): a receipt dropped into CONSUME_DIR is uploaded once,
then moved to CONSUME_DIR/done/ (accepted, or the same bytes were already there) or
CONSUME_DIR/failed/ with ``NAME.reason.txt`` beside it (refused: not a receipt format, damaged,
too large...). Whether OCR then reads it shows in the API and on the receipt page, like any
upload.

Half-written files are left alone: hidden and temporary names (``.x``, ``x.tmp``, ``x.part``,
``x.crdownload``, ``x~``) are skipped, and a file is taken only when its size and modification
time have not changed between two scans and it is at least CONSUME_SETTLE_SECONDS old.
Sub-folders are scanned too (a shoebox copied in as a folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import session_scope
from app.services.image_check import ImageRejected, check_image
from app.services.receipt_intake import accept_upload

log = logging.getLogger(__name__)

DONE, FAILED = "done", "failed"
_TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".download", "~")


@dataclass(frozen=True)
class Outcome:
    path: Path  # where the file went
    accepted: bool
    reason: str = ""
    receipt_id: str = ""


@dataclass
class ConsumeFolder:
    root: Path
    settle_seconds: float
    max_bytes: int
    max_pixels: int
    max_attempts: int
    sessions: sessionmaker[Session]
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)
    _warned: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, sessions: sessionmaker[Session]) -> ConsumeFolder:
        assert settings.consume_dir is not None
        return cls(
            root=Path(settings.consume_dir), settle_seconds=settings.consume_settle_seconds,
            max_bytes=settings.max_upload_bytes, max_pixels=settings.ocr_max_pixels,
            max_attempts=settings.job_max_attempts, sessions=sessions,
        )

    # --- finding files that are complete ------------------------------------------------------
    def _candidates(self) -> list[Path]:
        found: list[Path] = []
        for folder, dirs, files in os.walk(self.root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and not (here == self.root and d in (DONE, FAILED)))
            found += [here / name for name in sorted(files) if not name.startswith(".")
                      and not name.lower().endswith(_TEMPORARY_SUFFIXES)]
        return found

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Files whose size and mtime held still since the previous scan, and are settled."""
        now = time.time() if now is None else now
        ready: list[Path] = []
        current: dict[Path, tuple[int, int]] = {}
        for path in self._candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            current[path] = signature
            if self._seen.get(path) == signature and now - stat.st_mtime >= self.settle_seconds:
                ready.append(path)
        self._seen = current
        return ready

    # --- taking one file ----------------------------------------------------------------------
    def consume(self, path: Path) -> Outcome:
        try:
            with path.open("rb") as file:
                data = file.read(self.max_bytes + 1)
        except OSError as exc:
            return self._move(path, FAILED, f"cannot read the file: {exc}")
        if len(data) > self.max_bytes:
            return self._move(path, FAILED, f"413: the file is larger than "
                                            f"{self.max_bytes // (1024 * 1024)} MB")
        try:
            image = check_image(data, self.max_pixels)
        except ImageRejected as exc:
            return self._move(path, FAILED, f"{exc.status_code}: {exc.message}")
        with session_scope(self.sessions) as session:
            intake = accept_upload(session, data, image, path.name, self.max_attempts)
        note = "already uploaded" if intake.duplicate else "uploaded"
        log.info("consume folder: %s %s as receipt %s", path.name, note, intake.id)
        return self._move(path, DONE, "", str(intake.id))

    def _move(self, path: Path, where: str, reason: str, receipt_id: str = "") -> Outcome:
        target_dir = self.root / where
        target_dir.mkdir(exist_ok=True)
        # the sub-folders get the consume folder's permissions, so whoever drops files there
        # can also tidy them up
        with contextlib.suppress(OSError):
            target_dir.chmod(self.root.stat().st_mode & 0o7777)
        target = _free_name(target_dir / path.name)
        path.replace(target)
        self._seen.pop(path, None)
        if reason:
            log.warning("consume folder: %s refused: %s", path.name, reason)
            target.with_name(target.name + ".reason.txt").write_text(reason + "\n")
        return Outcome(target, accepted=where == DONE, reason=reason, receipt_id=receipt_id)

    def scan_once(self, now: float | None = None) -> list[Outcome]:
        if not self.root.is_dir():
            self._warn(f"CONSUME_DIR {self.root} is not a folder")
            return []
        if not os.access(self.root, os.W_OK | os.X_OK):
            self._warn(f"CONSUME_DIR {self.root} is not writable by uid {os.getuid()}: files "
                       "cannot be moved to done/ or failed/ (see README: consume folder)")
            return []
        outcomes = []
        for path in self.ready_files(now):
            try:
                outcomes.append(self.consume(path))
            except OSError as exc:  # e.g. moved away meanwhile; the next scan decides again
                log.warning("consume folder: %s: %s", path, exc)
        return outcomes

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning(message)
            self._warned = True

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        log.info("consume folder: watching %s every %ss", self.root, poll_seconds)
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.scan_once)
            except Exception:  # keep watching: one bad scan must not end the watcher
                log.exception("consume folder: scan failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)


def _free_name(path: Path) -> Path:
    """``path``, or ``stem-1.ext``, ``stem-2.ext``... when a file of that name is there."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate
