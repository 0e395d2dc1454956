"""The real container files run: scripts/container-smoke.sh builds the images, starts
docker-compose.yml and probes the stack (issue 8). One slow test; skipped, with the reason,
on machines that can run neither a Docker engine nor ../shared/container-env.

LIFEBOARD_SKIP_CONTAINER_SMOKE=1 skips it on purpose (e.g. a quick local run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "container-smoke.sh"
CONTAINER_ENV = Path(os.environ.get("CONTAINER_ENV", ROOT.parent / "shared" / "container-env"
                                    / "container-env"))


def why_it_cannot_run() -> str | None:
    if os.environ.get("LIFEBOARD_SKIP_CONTAINER_SMOKE") == "1":
        return "LIFEBOARD_SKIP_CONTAINER_SMOKE=1"
    if not shutil.which("docker") and not CONTAINER_ENV.is_file():
        return "no docker client and no container-env on this machine"
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False)
        if probe.returncode == 0:
            return None          # a real engine answers
    if not CONTAINER_ENV.is_file():
        return f"no Docker engine answers and {CONTAINER_ENV} is missing"
    if os.geteuid() != 0:
        return "container-env needs root (rootful Podman) and no Docker engine answers"
    if not shutil.which("apt-get") and not shutil.which("podman"):
        return "container-env needs Debian's podman (apt-get) and no Docker engine answers"
    return None


@pytest.mark.slow
def test_container_stack_builds_runs_and_is_fenced_in() -> None:
    reason = why_it_cannot_run()
    if reason:
        pytest.skip(f"container smoke test cannot run here: {reason}")
    result = subprocess.run(
        ["bash", str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=1800,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, "container-smoke.sh failed:\n" + output[-8000:]
    assert "container-smoke: PASSED" in output
    # The Python images hold what their Dockerfiles copy and nothing else (tests, tooling...).
    for service in ("backend-core", "ocr-worker"):
        assert f"image files: {service}: " in output, output[-4000:]
