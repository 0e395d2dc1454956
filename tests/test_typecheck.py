"""Both services type-check under `mypy --strict` (configuration in the root pyproject.toml)."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
IGNORE = re.compile(r"#\s*type:\s*ignore")


def test_config_checks_both_services_strictly() -> None:
    # A narrower `files` or a relaxed flag would let the check below pass on less code.
    assert CONFIG["files"] == ["backend-core/app", "ocr-worker/ocr_worker"]
    assert CONFIG["strict"] is True
    for override in CONFIG.get("overrides", []):
        assert set(override) <= {"module", "ignore_missing_imports"}, override


@pytest.mark.slow
def test_mypy_strict_passes() -> None:
    # The incremental cache (.mypy_cache) keeps a rerun to seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_type_ignore_says_why() -> None:
    # mypy itself requires the error code (ignore-without-code); the reason is a comment on the
    # line above or after the ignore.
    unexplained = []
    for package in CONFIG["files"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text().splitlines()
            for number, line in enumerate(lines):
                match = IGNORE.search(line)
                if match is None:
                    continue
                after = line[match.end() :].split("#", 1)[1:]
                above = lines[number - 1].strip() if number else ""
                if not (after and after[0].strip()) and not above.startswith("#"):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number + 1}")
    assert not unexplained, "type: ignore without a reason: " + ", ".join(unexplained)
