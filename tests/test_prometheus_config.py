"""prometheus/prometheus.yml: valid for promtool as the container reads it and as the native
stack renders it, scraping exactly the services the dashboards and alerts name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "prometheus" / "prometheus.yml"
PROMTOOL = shutil.which("promtool")
JOBS = {"prometheus": "localhost:9090", "backend-core": "backend-core:8000",
        "ocr-worker": "ocr-worker:5000"}

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian package prometheus)")


def promtool_check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, "check", "config", str(config)], capture_output=True,
                          text=True, timeout=60, check=False)


def alertmanagers(config: Path) -> list[str]:
    managers = yaml.safe_load(config.read_text())["alerting"]["alertmanagers"]
    return [t for m in managers for sc in m["static_configs"] for t in sc["targets"]]


def targets(config: Path) -> dict[str, list[str]]:
    scrape = yaml.safe_load(config.read_text())["scrape_configs"]
    return {job["job_name"]: [t for sc in job["static_configs"] for t in sc["targets"]]
            for job in scrape}


def test_container_config_is_valid_and_scrapes_the_services() -> None:
    result = promtool_check(CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert targets(CONFIG) == {job: [target] for job, target in JOBS.items()}
    assert yaml.safe_load(CONFIG.read_text())["rule_files"] == ["alerts.yml"]
    # alerts go to the compose service alertmanager
    assert alertmanagers(CONFIG) == ["alertmanager:9093"]


def test_native_rendering_changes_only_the_targets(tmp_path: Path, native_stack_script) -> None:
    rendered = native_stack_script(tmp_path, "render", NATIVE_CORE_PORT="18000",
                                   NATIVE_OCR_PORT="15000", NATIVE_PROMETHEUS_PORT="19090",
                                   NATIVE_ALERTMANAGER_PORT="19093")
    assert rendered.returncode == 0, rendered.stderr
    native = tmp_path / "prometheus" / "prometheus.yml"
    assert targets(native) == {"prometheus": ["127.0.0.1:19090"],
                               "backend-core": ["127.0.0.1:18000"],
                               "ocr-worker": ["127.0.0.1:15000"]}
    assert alertmanagers(native) == ["127.0.0.1:19093"]
    original = yaml.safe_load(CONFIG.read_text())
    localised = yaml.safe_load(native.read_text())
    for job in (*original["scrape_configs"], *localised["scrape_configs"],
                *original["alerting"]["alertmanagers"], *localised["alerting"]["alertmanagers"]):
        job.pop("static_configs")
    assert localised == original
    # alerts.yml is copied beside it, so the rules load natively too.
    assert (tmp_path / "prometheus" / "alerts.yml").read_text() == (
        ROOT / "prometheus" / "alerts.yml").read_text()
    result = promtool_check(native)
    assert result.returncode == 0, result.stdout + result.stderr
