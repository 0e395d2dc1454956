"""Code is grouped by what it does, not by who wrote it: no file names an owner or a team."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# "owned by the health engineer", "# owner: finance", "the finance team's section"; database
# owners (`--no-owner`, "owned by the user of the Secret") and OWNER in image names are not.
OWNERSHIP = re.compile(
    r"\bengineers?\b"
    r"|\bowned\s+by\s+(?:the\s+)?[\w-]+\s+(?:team|developer|dev|squad|group|helper)s?\b"
    r"|(?:#|//|--)\s*owners?\s*:"
    r"|\b(?:team|developer|squad)'s\s+(?:section|code|module)s?\b",
    re.IGNORECASE,
)


def tracked_text_files() -> dict[Path, str]:
    """Every file git tracks (this one aside) that is text, with its content."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    texts = {}
    for name in filter(None, listing.stdout.decode().split("\0")):
        path = ROOT / name
        if path.is_file() and path != Path(__file__).resolve():
            data = path.read_bytes()
            if b"\0" not in data[:8192]:  # images, fonts, archives
                texts[path] = data.decode("utf-8", errors="replace")
    return texts


def ownership_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if OWNERSHIP.search(line)]


def test_the_pattern_finds_ownership_comments() -> None:
    assert ownership_lines("# --- health (owned by the health engineer) ---")
    assert ownership_lines("    # owner: finance team")
    assert ownership_lines("# --- receipts: owned by the finance team ---")
    assert ownership_lines("# the ops team's section")
    assert not ownership_lines("# The database `lifeboard` is owned by the user of the Secret")
    assert not ownership_lines("pg_dump --clean --if-exists --no-owner")
    assert not ownership_lines("LIFEBOARD_IMAGE_PREFIX=ghcr.io/OWNER")
    assert not ownership_lines("| `POSTGRES_USER` | `lifeboard` | database owner (compose) |")


def test_no_file_names_an_owner() -> None:
    files = tracked_text_files()
    assert len(files) > 100, "git ls-files found too few files to check"
    assert ROOT / "backend-core" / "app" / "main.py" in files
    found = [
        f"{path.relative_to(ROOT)}: {line}"
        for path, text in files.items()
        for line in ownership_lines(text)
    ]
    assert found == [], "group code by function, not by owner:\n" + "\n".join(found)
