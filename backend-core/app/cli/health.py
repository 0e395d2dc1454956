"""Health data commands: `fit-sync`, `google-token-import`, `import-takeout`,
`import-health-connect`.

Exit codes: 0 done, 2 wrong input / not configured / not authorized (a 403 names the missing
scope), 1 Google API failure, another sync running, or a run with missing days (listed in the
JSON and fetched again by the next run).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

from app.cli.command import Command, open_sessions
from app.core.config import Settings, get_settings, local_today
from app.core.db import session_scope
from app.models.states import HealthProvider
from app.services.health.errors import (
    AuthorizationError,
    HealthConfigError,
    HealthError,
    ImportFileError,
)

if TYPE_CHECKING:
    from app.services.health.sync import SyncResult

# The Google client libraries load slowly: service modules that pull them in are imported
# inside the commands, so `--help` and the other commands do not wait for them.

HEALTH_CONNECT_RULE = (
    "one app per metric and day: largest total (steps, distance, calories, "
    "sleep) or most samples (weight, heart rate); never summed across apps"
)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _print(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, default=str, ensure_ascii=False, indent=2))


# --- fit-sync -------------------------------------------------------------------------------
def configure_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=int,
        default=None,
        help="fetch this many days back from today (default: since the last sync, at least 7)",
    )


class SyncProgress:
    """A progress bar in days, drawn once the sync knows its range."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def on_range(self, start: date, end: date) -> None:
        self.bar = tqdm(total=(end - start).days, unit="day", desc=f"sync {start}..{end}")

    def on_window(self, days: int) -> None:
        if self.bar is not None:
            self.bar.update(days)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fit_sync(args: argparse.Namespace) -> int:
    from app.services.health.sync import run_sync

    if args.days is not None and not 1 <= args.days <= 3650:
        return _fail("--days must be between 1 and 3650")
    progress = SyncProgress()
    try:
        result = run_sync(
            open_sessions(),
            get_settings(),
            days=args.days,
            on_window=progress.on_window,
            on_range=progress.on_range,
        )
    except (AuthorizationError, HealthConfigError) as exc:
        return _fail(str(exc))
    except HealthError as exc:
        return _fail(str(exc), 1)
    finally:
        progress.close()
    return _report_sync(result)


def _report_sync(result: SyncResult) -> int:
    """The run as JSON; exit 1 when days are missing (the next run fetches them)."""
    _print({**vars(result), "complete": result.complete})
    if result.warning:
        print(f"warning: {result.warning}", file=sys.stderr)
    if result.complete:
        return 0
    return _fail(
        f"{len(result.missing_days)} days not fetched (the next run fetches them): "
        + "; ".join(result.errors),
        1,
    )


# --- google-token-import --------------------------------------------------------------------
def configure_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="authorized-user JSON (with refresh_token)")
    parser.add_argument(
        "--provider",
        choices=[provider.value for provider in HealthProvider],
        help="default: the active provider (HEALTH_PROVIDER, or auto's current choice)",
    )


def token_import(args: argparse.Namespace) -> int:
    from app.services.health.credential_store import (
        CredentialStore,
        credentials_from_authorized_user,
    )
    from app.services.health.token_crypto import TokenCipher

    settings = get_settings()
    provider = args.provider or _active_provider(settings)
    info = _read_json_object(args.file)
    if isinstance(info, int):
        return info
    try:
        credentials = credentials_from_authorized_user(info)
        cipher = TokenCipher(settings.token_encryption_key.get_secret_value())
    except HealthError as exc:
        return _fail(str(exc))
    with session_scope(open_sessions()) as session:
        CredentialStore(session, cipher).save(provider, credentials)
    _print({"provider": provider, "stored": True, "scopes": credentials.scopes})
    return 0


def _active_provider(settings: Settings) -> str:
    from app.services.health.provider_choice import current_provider

    with session_scope(open_sessions()) as session:
        return current_provider(session, settings, local_today(settings))


def _read_json_object(path: Path) -> dict[str, Any] | int:
    """The file's JSON object, or the exit code after saying what is wrong with it."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _fail(f"{path} does not exist")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _fail(f"{path} is not a JSON file ({exc})")
    if not isinstance(info, dict):
        return _fail(f"{path} is not an authorized-user JSON object")
    return info


# --- file imports ---------------------------------------------------------------------------
def _run_import(
    label: str, unit: str, total: int | None, path: Path, do_import: Callable[..., Any]
) -> tuple[Any, int] | int:
    """Run an import under a progress bar; an exit code (2) when the file is wrong (a
    missing one before any bar is drawn)."""
    if not path.exists():
        return _fail(f"{path} does not exist")
    with tqdm(total=total, unit=unit, desc=label) as bar:
        try:
            result: tuple[Any, int] = do_import(lambda _name: bar.update(1))
        except ImportFileError as exc:
            return _fail(str(exc))
    return result


def _report_common(source: str, report: Any, rows: int) -> dict[str, Any]:
    return {
        "source": source,
        "rows_written": rows,
        "days": len(report.days),
        "first_day": report.first_day,
        "last_day": report.last_day,
    }


def configure_takeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="Takeout folder or .zip")


def import_takeout(args: argparse.Namespace) -> int:
    from app.services.health.imports import import_takeout as takeout

    outcome = _run_import(
        "takeout",
        "file",
        None,
        args.path,
        lambda progress: takeout(open_sessions(), args.path, progress),
    )
    if isinstance(outcome, int):
        return outcome
    report, rows = outcome
    _print(
        {
            **_report_common("takeout", report, rows),
            "summary_files": report.summary_files,
            "skipped_per_day_files": report.skipped_per_day_files,
            "columns": report.columns,
            "date_format": report.date_format,
            "rejected_rows": report.rejected_rows,
        }
    )
    return 0


def configure_health_connect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="health_connect_export.db or the export .zip")


def import_health_connect(args: argparse.Namespace) -> int:
    from app.services.health.imports import import_health_connect as health_connect

    tz = ZoneInfo(get_settings().tz)
    outcome = _run_import(
        "health connect",
        "table",
        7,
        args.file,
        lambda progress: health_connect(open_sessions(), args.file, tz, progress),
    )
    if isinstance(outcome, int):
        return outcome
    report, rows = outcome
    _print(
        {
            **_report_common("health_connect", report, rows),
            "records": report.records,
            "apps": report.apps,
            "days_with_several_apps": report.multi_app_days,
            "chosen_app_days": report.chosen_apps,
            "rule": HEALTH_CONNECT_RULE,
        }
    )
    return 0


COMMANDS = (
    Command(
        "fit-sync",
        "sync daily activity from Google now (HEALTH_PROVIDER: auto, fit or health_api)",
        fit_sync,
        configure_sync,
    ),
    Command(
        "google-token-import",
        "store an authorized-user JSON made on another machine (encrypted)",
        token_import,
        configure_token,
    ),
    Command(
        "import-takeout",
        "import Google Takeout Fit daily summaries",
        import_takeout,
        configure_takeout,
    ),
    Command(
        "import-health-connect",
        "import a Health Connect export (SQLite or zip)",
        import_health_connect,
        configure_health_connect,
    ),
)
