"""Print the CHANGELOG.md section of one version: the release workflow's notes.

    python3 scripts/release_notes.py 0.2.0 [--changelog CHANGELOG.md]

CHANGELOG.md follows Keep a Changelog: `## [Unreleased]`, then `## [X.Y.Z] - YYYY-MM-DD` per
release, newest first. Exits 1 with a message when the version has no section or an empty one,
so a tag pushed without its changelog entry publishes nothing. Standard library only (it runs on
the bare CI runner).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)


def sections(text: str) -> dict[str, str]:
    """Body of every `## [...]` section, by its version (or "Unreleased")."""
    found = list(HEADING.finditer(text))
    bodies = {}
    for match, following in zip(found, [*found[1:], None], strict=True):
        end = following.start() if following else len(text)
        body = text[match.end():end]
        # link references ([0.1.0]: https://...) close the file, they belong to no section
        body = re.sub(r"^\[[^\]]+\]:\s+\S+\s*$", "", body, flags=re.M)
        bodies[match["version"]] = body.strip()
    return bodies


def notes_for(text: str, version: str) -> str:
    if not VERSION.fullmatch(version):
        raise ValueError(f"{version!r} is not a version like 1.2.3 (tags are vX.Y.Z)")
    body = sections(text).get(version)
    if body is None:
        raise ValueError(f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD'")
    if not body:
        raise ValueError(f"the CHANGELOG.md section of {version} is empty")
    return body + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="X.Y.Z (a leading v is dropped)")
    parser.add_argument("--changelog", type=Path,
                        default=Path(__file__).resolve().parents[1] / "CHANGELOG.md")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(notes_for(args.changelog.read_text(encoding="utf-8"),
                                   args.version.removeprefix("v")))
    except (OSError, ValueError) as exc:
        print(f"release_notes.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
