"""Both services and the code they share (libs/) type-check under `mypy --strict` (configuration
in the root pyproject.toml), with no blanket ignores: a `# type: ignore` names its error code and
says why."""

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<code>\[[^\]]*\])?(?P<rest>.*)")
INLINE_CONFIG = re.compile(r"#\s*mypy:")


def source_lines() -> Iterator[tuple[str, int, list[str]]]:
    for package in CONFIG["files"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text().splitlines()
            for index in range(len(lines)):
                yield f"{path.relative_to(ROOT)}:{index + 1}", index, lines


def test_config_checks_both_services_strictly() -> None:
    # A narrower `files` or a relaxed flag would let the check below pass on less code.
    assert CONFIG["files"] == ["backend-core/app", "ocr-worker/ocr_worker", "libs/upload_formats"]
    assert CONFIG["strict"] is True
    relaxed = [key for key, value in CONFIG.items() if value is False]
    assert not relaxed, f"strict flags turned off: {relaxed}"
    assert "ignore_errors" not in CONFIG and "disable_error_code" not in CONFIG
    assert "ignore-without-code" in CONFIG["enable_error_code"]
    for override in CONFIG.get("overrides", []):
        # only third-party modules without hints or stubs, never our own code
        assert set(override) == {"module", "ignore_missing_imports"}, override
        modules = override["module"]
        modules = modules if isinstance(modules, list) else [modules]
        ours = ("app", "ocr_worker", "upload_formats")
        assert not [m for m in modules if m.split(".")[0] in ours], modules


@pytest.mark.slow
def test_mypy_strict_passes() -> None:
    # The incremental cache (.mypy_cache) keeps a rerun to seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_type_ignore_names_its_error_and_says_why() -> None:
    # The reason is a comment after the ignore or on the line above it.
    unexplained = []
    for where, index, lines in source_lines():
        match = IGNORE.search(lines[index])
        if match is None:
            continue
        reason_after = match["rest"].lstrip().startswith("#") and match["rest"].strip("# ")
        reason_above = index > 0 and lines[index - 1].strip().startswith("#")
        if not match["code"] or not (reason_after or reason_above):
            unexplained.append(where)
    assert not unexplained, "type: ignore without an error code or a reason: " + ", ".join(
        unexplained
    )


def test_no_file_switches_mypy_off() -> None:
    # `# mypy: ignore-errors` (or any per-file flag) would bypass the configuration above.
    inline = [where for where, index, lines in source_lines() if INLINE_CONFIG.search(lines[index])]
    assert not inline, inline
