"""docker-compose.scale.yml (issue 17): the override that splits the core into an API role and a
job-worker role. Merged over docker-compose.yml it keeps every rule of tests/test_compose_rules.py,
the job role gets the core's settings unchanged (only its role differs), and the default
`docker compose up` (docker-compose.yml alone) is left as it was.
"""

from __future__ import annotations

import copy
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
OVERRIDE = ROOT / "docker-compose.scale.yml"
# what differs between the two roles, on purpose
ROLE_SETTINGS = {"JOB_WORKER_ENABLED", "FIT_SYNC_INTERVAL_MINUTES", "OCR_WORKER_URL"}


def _load_rules():
    spec = importlib.util.spec_from_file_location(
        "compose_rules", Path(__file__).with_name("test_compose_rules.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["compose_rules"] = module
    spec.loader.exec_module(module)
    return module


compose_rules = _load_rules()


def merge(base: Any, override: Any) -> Any:
    """Compose's merge of -f files for what the override uses: mappings merge key by key,
    anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def merged_compose() -> dict[str, Any]:
    return merge(compose_rules.load_compose(), yaml.safe_load(OVERRIDE.read_text()))


@pytest.mark.parametrize("rule", compose_rules.RULES, ids=lambda r: r.__name__)
def test_merged_file_keeps_the_compose_rules(rule) -> None:
    assert rule(merged_compose()) == []


def test_roles_are_split() -> None:
    services = merged_compose()["services"]
    assert services["backend-core"]["environment"]["JOB_WORKER_ENABLED"] == "false"
    jobs = services["backend-core-jobs"]
    assert jobs["environment"]["JOB_WORKER_ENABLED"] == "true"
    assert jobs["image"] == services["backend-core"]["image"]
    assert "ports" not in jobs
    assert set(jobs["networks"]) == {"backend"}, "the job role needs no route out"
    assert services["ocr-worker"]["environment"]["OCR_WORKERS"] == "1"
    # the job core reaches every OCR replica through the balancer
    assert jobs["environment"]["OCR_WORKER_URL"] == "http://ocr-balancer:5000"
    balancer = services["ocr-balancer"]
    assert set(balancer["networks"]) == {"backend"} and "ports" not in balancer
    assert "ocr-balancer" in jobs["depends_on"]


def test_the_job_role_gets_the_core_settings_unchanged() -> None:
    services = merged_compose()["services"]
    api = services["backend-core"]["environment"]
    jobs = services["backend-core-jobs"]["environment"]
    drift = {k: (api.get(k), v) for k, v in jobs.items()
             if k not in ROLE_SETTINGS and api.get(k) != v}
    assert drift == {}
    # every queue/OCR setting of the core reaches the job role too
    missing = sorted(k for k in api if (k.startswith(("JOB_", "OCR_", "POSTGRES_")))
                     and k not in jobs)
    assert missing == []


def test_default_compose_is_unchanged() -> None:
    core = compose_rules.load_compose()["services"]["backend-core"]["environment"]
    assert core["JOB_WORKER_ENABLED"] == "${JOB_WORKER_ENABLED:-true}"
    assert "backend-core-jobs" not in compose_rules.load_compose()["services"]


def test_merged_file_matches_the_compose_spec(tmp_path: Path) -> None:
    venv_checker = Path(sys.executable).with_name("check-jsonschema")
    checker = str(venv_checker) if venv_checker.exists() else shutil.which("check-jsonschema")
    if checker is None:
        pytest.skip("check-jsonschema (requirements-dev.txt)")
    merged = tmp_path / "merged.yml"
    merged.write_text(yaml.safe_dump(merged_compose(), sort_keys=False))
    for path in (OVERRIDE, merged):
        result = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(path)],
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_override_is_caught() -> None:
    broken = merged_compose()
    broken["services"]["backend-core-jobs"]["read_only"] = False
    broken["services"]["backend-core-jobs"]["networks"] = ["edge", "backend"]
    assert compose_rules.rule_read_only(broken)
    jobs = broken["services"]["backend-core-jobs"]["environment"]
    jobs["POSTGRES_PASSWORD"] = "${POSTGRES_PASSWORD:-secret}"
    assert compose_rules.rule_secrets_required(broken)


def test_balancer_template_uses_what_the_gateway_entrypoint_sets_and_passes_nginx_t(
        tmp_path: Path) -> None:
    import re

    template = (ROOT / "deploy" / "compose" / "ocr-balancer.conf.template").read_text()
    envsh = (ROOT / "gateway" / "docker-entrypoint.d" / "18-lifeboard-gateway.envsh").read_text()
    statement = re.search(r"^export ((?:.*\\\n)*.*)$", envsh, flags=re.M)[1]
    exported = set(statement.replace("\\\n", " ").split())
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", template))
    assert used and used <= exported, used - exported

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        pytest.skip("nginx (scripts/test.sh installs it)")
    values = {"NGINX_TEMP_DIR": str(tmp_path / "tmp"), "NGINX_LOCAL_RESOLVERS": "127.0.0.1",
              "GATEWAY_MAX_BODY_MB": "21"}
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "tmp").mkdir()  # the entrypoint script makes NGINX_TEMP_DIR
    (tmp_path / "conf.d" / "ocr-balancer.conf").write_text(
        re.sub(r"\$\{([A-Z][A-Z0-9_]*)\}", lambda m: values[m[1]], template))
    shutil.copy(ROOT / "gateway" / "nginx.conf", tmp_path / "nginx.conf")
    result = subprocess.run(
        [nginx, "-t", "-q", "-e", "stderr", "-p", f"{tmp_path}/",
         "-c", str(tmp_path / "nginx.conf"), "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
