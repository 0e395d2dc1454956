"""The package probes of scripts/lib/setup.sh (sourced by scripts/test.sh and native-stack.sh),
run as the scripts run them (bash, ``set -euo pipefail``) against stand-in ``apt-cache`` /
``dpkg-query`` programs with long output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = (ROOT / "scripts" / "lib" / "setup.sh").read_text(encoding="utf-8")


def probe_functions() -> str:
    found = re.findall(r"^(?:installed|apt_has)\(\) \{.*\}$", SCRIPT, flags=re.MULTILINE)
    assert len(found) == 2, "scripts/lib/setup.sh defines installed() and apt_has() on one line"
    return "\n".join(found)


def fake_program(folder: Path, name: str, first_line: str) -> None:
    """Prints ``first_line`` and then a long version table, as apt-cache policy does."""
    path = folder / name
    path.write_text(
        "#!/usr/bin/env bash\n"
        f"printf '%s\\n' '{first_line}'\n"
        "for i in $(seq 1 20000); do echo \"     1.$i-1 500 http://mirror/debian main\"; done\n",
        encoding="utf-8",
    )
    path.chmod(0o755)


def run_probe(tmp_path: Path, call: str) -> int:
    script = f"set -euo pipefail\n{probe_functions()}\nif {call}; then exit 0; else exit 3; fi\n"
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    return subprocess.run(["bash", "-c", script], env=env, timeout=60).returncode


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [("  Candidate: 156.0-1~deb12u1", 0), ("  Candidate: (none)", 3)],
)
def test_apt_has_reads_the_candidate_from_long_output(
    tmp_path: Path, candidate: str, expected: int
) -> None:
    # A probe that quits reading early (grep -q) kills apt-cache with SIGPIPE; under pipefail the
    # package then looks missing and the optional browser test silently skipped in CI.
    fake_program(tmp_path, "apt-cache", candidate)
    assert run_probe(tmp_path, "apt_has chromium") == expected


def test_installed_reads_the_status_from_long_output(tmp_path: Path) -> None:
    fake_program(tmp_path, "dpkg-query", "install ok installed")
    assert run_probe(tmp_path, "installed nginx") == 0
