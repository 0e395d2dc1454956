#!/usr/bin/env python3
"""Read a `.env` file as Docker Compose does: the one parser of `make up` (scripts/init-env.py)
and scripts/native-stack.sh, so a `.env` means the same with and without Docker.

    python3 scripts/lib/envfile.py FILE    prints KEY=VALUE pairs, each ended by a NUL byte

Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE pairs as compose reads them: `export ` prefixes and blanks around the pair are
    dropped, a quoted value is what stands between its quotes (taken literally; a comment may
    follow), an unquoted value ends at ` #` (a comment). A later line beats an earlier one."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(raw.strip().removeprefix("export ").strip())
        if match:
            values[match["key"]] = parse_value(match["value"].strip())
    return values


def parse_value(value: str) -> str:
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        if end > 0:
            return value[1:end]
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: envfile.py FILE", file=sys.stderr)
        return 2
    try:
        values = read_env(Path(argv[0]))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"envfile: cannot read {argv[0]}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{key}={value}\0" for key, value in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
