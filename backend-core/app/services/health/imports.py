"""File imports (Takeout, Health Connect) merged into `activity` with their bookkeeping, and
the watched Health Connect folder (HEALTH_CONNECT_IMPORT_DIR)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from app.core.db import session_scope
from app.core.locks import HEALTH_CONNECT_FOLDER_LOCK, try_advisory_lock
from app.services.health import health_connect_import, sync_state, takeout_import
from app.services.health.activity_store import upsert_days
from app.services.health.errors import ImportFileError
from app.services.health.health_connect_import import HealthConnectReport
from app.services.health.takeout_import import TakeoutReport

log = logging.getLogger(__name__)


def import_takeout(
    factory: sessionmaker[Session], path: Path, progress: Callable[[str], None] | None = None
) -> tuple[TakeoutReport, int]:
    report = takeout_import.parse_takeout(path, progress)
    with session_scope(factory) as session:
        rows = upsert_days(session, report.days, takeout_import.SOURCE)
        sync_state.mark_success(session, takeout_import.SOURCE, rows)
    return report, rows


def import_health_connect(
    factory: sessionmaker[Session],
    path: Path,
    tz: ZoneInfo,
    progress: Callable[[str], None] | None = None,
) -> tuple[HealthConnectReport, int]:
    report = health_connect_import.parse_health_connect(path, tz, progress)
    with session_scope(factory) as session:
        rows = upsert_days(session, report.days, health_connect_import.SOURCE)
        sync_state.mark_success(session, health_connect_import.SOURCE, rows)
    return report, rows


# Files still being copied into the folder are left for the next round.
SETTLE_SECONDS = 10.0
HEALTH_CONNECT_SUFFIXES = (".zip", ".db")


@dataclass
class FolderImport:
    imported: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0


def import_health_connect_folder(
    factory: sessionmaker[Session], folder: Path, tz: ZoneInfo, *, now: float | None = None
) -> FolderImport:
    """Import every Health Connect export in `folder` (a consume folder, as in paperless-ngx):
    an imported file moves to `imported/`, one that is not an export to `failed/` (its reason
    logged, and kept as the `health_connect` sync error until the next import that works).
    Merging per field makes a re-import harmless."""
    outcome = FolderImport()
    if not folder.is_dir():
        return outcome
    # Replicas share the folder: one of them imports, the others leave it alone this round.
    with try_advisory_lock(factory.kw["bind"], HEALTH_CONNECT_FOLDER_LOCK) as acquired:
        if acquired:
            _import_folder(factory, folder, tz, time.time() if now is None else now, outcome)
    return outcome


def _import_folder(
    factory: sessionmaker[Session], folder: Path, tz: ZoneInfo, now: float, outcome: FolderImport
) -> None:
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in HEALTH_CONNECT_SUFFIXES:
            continue
        if now - path.stat().st_mtime < SETTLE_SECONDS:
            continue
        try:
            _report, rows = import_health_connect(factory, path, tz)
        except ImportFileError as exc:
            outcome.failed[path.name] = str(exc)
            with session_scope(factory) as session:
                sync_state.mark_failure(
                    session, health_connect_import.SOURCE, f"{path.name}: {exc}"
                )
            _move(path, folder / "failed")
            log.warning("health connect import of %s failed: %s", path.name, exc)
            continue
        outcome.imported.append(path.name)
        outcome.rows_written += rows
        _move(path, folder / "imported")
        log.info("health connect import of %s: %d days", path.name, rows)


def _move(path: Path, target_dir: Path) -> None:
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():  # keep both: the same export name dropped twice
        target = target_dir / f"{path.stem}-{int(time.time())}{path.suffix}"
    path.replace(target)
