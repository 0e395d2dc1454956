"""Prometheus alert rules: promtool accepts them and their unit tests pass."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

PROMETHEUS_DIR = Path(__file__).resolve().parents[1] / "prometheus"
PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian package prometheus)")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True,
                          timeout=60)


def test_rules_are_valid() -> None:
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 7 rules found" in result.stdout


def test_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test_that_fires() -> None:
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text("utf-8"))
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    assert alerts == {"OcrWorkerDown", "HighErrorRatio", "ReceiptsFailing", "ReceiptQueueStuck",
                      "HealthSyncFailing", "HealthSyncStale", "DatabaseLarge"}
    tests = yaml.safe_load((PROMETHEUS_DIR / "alerts.test.yml").read_text("utf-8"))["tests"]
    firing = {c["alertname"] for t in tests for c in t["alert_rule_test"] if c["exp_alerts"]}
    quiet = {c["alertname"] for t in tests for c in t["alert_rule_test"] if not c["exp_alerts"]}
    assert firing == alerts and quiet == alerts


def test_broken_expectations_are_caught(tmp_path: Path) -> None:
    """The unit tests can fail: flip the queue threshold and promtool must say so."""
    rules = (PROMETHEUS_DIR / "alerts.yml").read_text("utf-8")
    (tmp_path / "alerts.yml").write_text(
        rules.replace("(lifeboard_queue_oldest_pending_age_seconds) > 900",
                      "(lifeboard_queue_oldest_pending_age_seconds) > 90000"))
    shutil.copy(PROMETHEUS_DIR / "alerts.test.yml", tmp_path / "alerts.test.yml")
    assert PROMTOOL
    result = subprocess.run([PROMTOOL, "test", "rules", "alerts.test.yml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
