#!/usr/bin/env python3
"""Create `.env` from `.env.example` with random secrets, or print how to reach the stack.

    scripts/init-env.py            create .env when it is missing (never touches an existing one)
    scripts/init-env.py --show     print the URLs (receipt page, Swagger UI, Grafana) and API token

Standard library only: it runs before any venv exists (`make up`, scripts/native-stack.sh).
The new file is created with O_EXCL and mode 600, so a concurrent or existing .env is never
overwritten and the secrets are never readable by other users, not even for a moment.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The .env parser shared with scripts/native-stack.sh.
sys.path.insert(0, str(ROOT / "scripts" / "lib"))
from envfile import ASSIGNMENT, read_env  # noqa: E402


def fernet_key() -> str:
    """What cryptography's Fernet.generate_key() returns: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


# The secrets .env.example leaves empty, and how each is made. Hex keeps passwords free of
# characters that would need quoting in a database URL or a shell.
SECRETS: dict[str, Callable[[], str]] = {
    "API_TOKEN": lambda: secrets.token_hex(32),
    "POSTGRES_PASSWORD": lambda: secrets.token_hex(24),
    "GRAFANA_ADMIN_PASSWORD": lambda: secrets.token_hex(24),
    "GRAFANA_DB_PASSWORD": lambda: secrets.token_hex(24),
    "TOKEN_ENCRYPTION_KEY": fernet_key,
}
# Compose refuses to start while one of these is empty (`${VAR:?...}` in docker-compose.yml).
REQUIRED = ("API_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "GRAFANA_DB_PASSWORD")


def fill_secrets(example: str, keys: list[str]) -> str:
    """The example text with each empty `KEY=` line of `keys` set to a fresh random value."""
    lines = []
    for line in example.splitlines(keepends=True):
        match = ASSIGNMENT.match(line.rstrip("\r\n"))
        if match and match["key"] in keys and not match["value"].strip():
            ending = line[len(line.rstrip("\r\n")):]
            line = f"{match['key']}={SECRETS[match['key']]()}{ending}"
        lines.append(line)
    return "".join(lines)


def create(env_file: Path, example: Path, keys: list[str]) -> bool:
    """Write env_file (mode 600) from example with fresh secrets; False if it already exists."""
    text = fill_secrets(example.read_text(encoding="utf-8"), keys)
    try:
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, 0o600)  # the umask may only remove bits; make the mode exact
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except BaseException:
        env_file.unlink(missing_ok=True)
        raise
    return True


def show(env_file: Path) -> str:
    values = read_env(env_file)
    # As in compose: the process environment beats .env.
    port = os.environ.get("GATEWAY_PORT") or values.get("GATEWAY_PORT") or "8080"
    base = f"http://localhost:{port}"
    grafana_user = values.get("GRAFANA_ADMIN_USER") or "admin"
    token = values.get("API_TOKEN") or "(empty: set API_TOKEN in .env)"
    return "\n".join([
        "Lifeboard is up:",
        f"  receipt page  {base}/",
        f"  API, Swagger  {base}/docs   (Authorize with the API token)",
        f"  Grafana       {base}/grafana/   (user {grafana_user}, password: "
        f"GRAFANA_ADMIN_PASSWORD in {env_file.name})",
        f"  API token     {token}",
        f"Keep a copy of {env_file.name}: TOKEN_ENCRYPTION_KEY and the passwords are only there "
        "(make backup copies it beside the dump).",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/init-env.py", description=__doc__.split("\n")[0])
    parser.add_argument("--env-file", type=Path, default=ROOT / ".env")
    parser.add_argument("--example", type=Path, default=ROOT / ".env.example")
    parser.add_argument(
        "--secrets", default=",".join(SECRETS),
        help=f"comma-separated keys to fill (default: all of {', '.join(SECRETS)})",
    )
    parser.add_argument("--show", action="store_true", help="print URLs and the API token")
    args = parser.parse_args(argv)

    if args.show:
        if not args.env_file.is_file():
            print(f"init-env: {args.env_file} does not exist", file=sys.stderr)
            return 1
        print(show(args.env_file))
        return 0

    keys = [key.strip() for key in args.secrets.split(",") if key.strip()]
    unknown = [key for key in keys if key not in SECRETS]
    if unknown:
        parser.error(f"unknown secret {', '.join(unknown)}; known: {', '.join(SECRETS)}")
    if not args.env_file.exists() and not args.example.is_file():
        print(f"init-env: {args.example} is missing; cannot create {args.env_file}",
              file=sys.stderr)
        return 1
    if create(args.env_file, args.example, keys):
        print(f"init-env: created {args.env_file} (mode 600) with random {', '.join(keys)}",
              file=sys.stderr)
        return 0
    empty = [key for key in REQUIRED if not read_env(args.env_file).get(key)]
    note = f"; still empty there: {', '.join(empty)}" if empty else ""
    print(f"init-env: kept the existing {args.env_file}{note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
