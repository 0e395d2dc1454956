"""docker-compose.yml follows the stack's rules (issue 7 "The stack", issue 2 compose bullets).

Each rule is a function that returns the list of violations it finds in a parsed compose
project, so every rule is checked twice: the real file has none, and a copy broken on purpose
in just that respect has some (a rule that can never fire would prove nothing).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

SERVICES = {"db", "migrate", "backend-core", "ocr-worker", "gateway", "prometheus",
            "alertmanager", "grafana"}
SECRETS = ("API_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "GRAFANA_DB_PASSWORD")
INTERNAL_ONLY = ("db", "ocr-worker", "prometheus")
LONG_RUNNING_RESTART = {"always", "unless-stopped", "on-failure"}
GATEWAY_PORT = "${GATEWAY_PORT:-8080}:8080"
# `${NAME`, but not the `$${NAME}` escape that leaves a literal `$` for the container's shell
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
# The images this repository builds and the release workflow publishes: PREFIX/lifeboard-NAME
BUILT_IMAGE = re.compile(
    r"^\$\{LIFEBOARD_IMAGE_PREFIX:-[^}]+\}/lifeboard-(?P<name>[a-z-]+):\$\{LIFEBOARD_VERSION:-(?P<v>[^}]+)\}$")
RENDER_SCRIPT = ROOT / "alertmanager" / "render-config.sh"

Compose = dict[str, Any]
Rule = Callable[[Compose], list[str]]


def load_compose() -> Compose:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_example_values() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def services(compose: Compose) -> dict[str, dict[str, Any]]:
    return compose.get("services") or {}


def one_shots(compose: Compose) -> set[str]:
    """Services others wait for with `service_completed_successfully` (the migrate job)."""
    found = set()
    for svc in services(compose).values():
        for dep, cond in (svc.get("depends_on") or {}).items():
            if isinstance(cond, dict) and cond.get("condition") == "service_completed_successfully":
                found.add(dep)
    return found


def network_names(svc: dict[str, Any]) -> set[str]:
    nets = svc.get("networks") or []
    return set(nets) if isinstance(nets, list) else set(nets.keys())


def all_strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, v in node.items() for s in all_strings(key) + all_strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in all_strings(v)]
    return []


# ------------------------------------------------------------------------------- the rules
def rule_services_present(compose: Compose) -> list[str]:
    missing = SERVICES - set(services(compose))
    return [f"missing service {name}" for name in sorted(missing)]


def rule_only_gateway_publishes(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        for port in svc.get("ports") or []:
            spec = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port}"
            if name == "gateway":
                if spec != GATEWAY_PORT:
                    problems.append(f"gateway publishes {spec!r}, expected {GATEWAY_PORT!r}")
            elif not spec.startswith("127.0.0.1:"):
                problems.append(f"{name} publishes {spec!r} beyond 127.0.0.1")
    if not (services(compose).get("gateway") or {}).get("ports"):
        problems.append("the gateway publishes no port")
    return problems


def rule_networks(compose: Compose) -> list[str]:
    problems = []
    nets = compose.get("networks") or {}
    internal = {n for n, cfg in nets.items() if (cfg or {}).get("internal") is True}
    edge = {n for n, cfg in nets.items() if not (cfg or {}).get("internal")}
    if not internal or not edge:
        problems.append("need an edge network and an `internal: true` network")
    svcs = services(compose)
    for name in INTERNAL_ONLY:
        joined = network_names(svcs.get(name, {}))
        if not joined or not joined <= internal:
            problems.append(f"{name} must be on internal networks only, is on {sorted(joined)}")
    gateway_nets = network_names(svcs.get("gateway", {}))
    if not gateway_nets or gateway_nets & internal:
        problems.append(f"gateway must be on the edge network only, is on {sorted(gateway_nets)}")
    # who must reach whom
    for name in ("backend-core", "grafana"):
        joined = network_names(svcs.get(name, {}))
        if not (joined & internal and joined & gateway_nets):
            problems.append(f"{name} must share a network with the gateway and the internal one")
    for name, svc in svcs.items():
        if not network_names(svc):
            problems.append(f"{name} is on the default network; name its networks")
    return problems


def rule_non_root(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        user = str(svc.get("user", "")).strip()
        if not user or user.split(":")[0] in {"root", "0"}:
            problems.append(f"{name} runs as {user or 'the image default (root?)'}")
    return problems


def rule_privileges(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        if "no-new-privileges:true" not in (svc.get("security_opt") or []):
            problems.append(f"{name}: security_opt lacks no-new-privileges:true")
        if [c.upper() for c in svc.get("cap_drop") or []] != ["ALL"]:
            problems.append(f"{name}: cap_drop is not [ALL]")
        if svc.get("cap_add"):
            problems.append(f"{name}: adds capabilities {svc['cap_add']}")
        if svc.get("privileged"):
            problems.append(f"{name}: privileged")
        if svc.get("network_mode") == "host" or svc.get("pid") == "host":
            problems.append(f"{name}: shares a host namespace")
    return problems


def rule_read_only(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        if svc.get("read_only") is not True:
            problems.append(f"{name}: root file system is not read_only")
        tmpfs = svc.get("tmpfs") or []
        tmpfs = [tmpfs] if isinstance(tmpfs, str) else tmpfs
        if not any(t.split(":")[0] == "/tmp" for t in tmpfs):
            problems.append(f"{name}: read-only without a tmpfs /tmp")
    return problems


def rule_limits(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        limits = ((svc.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        if not (svc.get("mem_limit") or limits.get("memory")):
            problems.append(f"{name}: no memory limit")
        if not (svc.get("pids_limit") or limits.get("pids")):
            problems.append(f"{name}: no pids limit")
    return problems


def rule_healthchecks(compose: Compose) -> list[str]:
    problems = []
    shots = one_shots(compose)
    for name, svc in services(compose).items():
        check = svc.get("healthcheck") or {}
        if name in shots:
            continue   # a one-shot job is judged by its exit status
        test = check.get("test")
        if check.get("disable") or not test:
            problems.append(f"{name}: no healthcheck")
            continue
        if isinstance(test, list) and test[0] == "CMD" and any(" " in a for a in test[1:]):
            problems.append(f"{name}: CMD healthcheck argument with spaces (use CMD-SHELL)")
        if not check.get("interval") or not check.get("start_period"):
            problems.append(f"{name}: healthcheck needs interval and start_period")
    return problems


def rule_depends_on(compose: Compose) -> list[str]:
    problems = []
    svcs = services(compose)
    shots = one_shots(compose)
    for name, svc in svcs.items():
        deps = svc.get("depends_on") or {}
        if isinstance(deps, list):
            problems.append(f"{name}: depends_on without conditions")
            continue
        for dep, cond in deps.items():
            want = ("service_completed_successfully" if dep in shots else "service_healthy")
            if (cond or {}).get("condition") != want:
                problems.append(f"{name} -> {dep}: condition must be {want}")
    core = svcs.get("backend-core", {}).get("depends_on") or {}
    if "migrate" not in shots or "migrate" not in core or "db" not in core:
        problems.append("backend-core must wait for db healthy and migrate completed")
    if "db" not in (svcs.get("migrate", {}).get("depends_on") or {}):
        problems.append("migrate must wait for db healthy")
    if "grafana" in (svcs.get("gateway", {}).get("depends_on") or {}):
        problems.append("gateway must not depend on grafana (the API must work without it)")
    return problems


def rule_restart(compose: Compose) -> list[str]:
    problems = []
    shots = one_shots(compose)
    for name, svc in services(compose).items():
        policy = str(svc.get("restart", ""))
        allowed = {"no", "on-failure"} if name in shots else LONG_RUNNING_RESTART
        if policy.split(":")[0] not in allowed:
            problems.append(f"{name}: restart {policy!r} not in {sorted(allowed)}")
    return problems


def with_defaults(text: str) -> str:
    """The text as compose resolves it when no variable is set (`${X:-d}` -> d, `${X}` -> "")."""
    return VARIABLE.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else "", text)


def rule_pinned_images(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        raw = svc.get("image")
        if not raw:
            problems.append(f"{name}: no image reference")
            continue
        built = BUILT_IMAGE.match(raw)
        if svc.get("build") and not built:
            problems.append(f"{name}: built image {raw!r} is not "
                            "${LIFEBOARD_IMAGE_PREFIX:-...}/lifeboard-NAME:${LIFEBOARD_VERSION:-x.y.z}")
            continue
        # a built image's version comes from LIFEBOARD_VERSION; its default must be a version
        image = with_defaults(raw) if built else raw
        tag = image.rpartition(":")[2] if ":" in image.split("/")[-1] else ""
        if not tag or tag == "latest" or "$" in image:
            problems.append(f"{name}: image {image!r} is not pinned to a version")
        if (built or not svc.get("build")) and not re.fullmatch(r"v?\d+(\.\d+)*(-\S+)?", tag):
            problems.append(f"{name}: pulled image {image!r} has no version number in its tag")
    return problems


def rule_secrets_required(compose: Compose) -> list[str]:
    problems = []
    seen = set()
    for text in all_strings(compose):
        for match in VARIABLE.finditer(text):
            var, op, word = match.groups()
            if var in SECRETS:
                seen.add(var)
                if op != ":?" or not word.strip():
                    problems.append(f"{var} must be ${{{var}:?message}}, found {match.group(0)}")
    problems += [f"secret {s} is never used" for s in SECRETS if s not in seen]
    return problems


def rule_variables_documented(compose: Compose) -> list[str]:
    documented = env_example_values()
    used = {m.group(1) for text in all_strings(compose) for m in VARIABLE.finditer(text)}
    return [f"${{{v}}} is not in .env.example" for v in sorted(used - set(documented))]


def rule_service_wiring(compose: Compose) -> list[str]:
    """The addresses and settings the services rely on (contracts.md)."""
    problems = []
    svcs = services(compose)
    core_env = svcs.get("backend-core", {}).get("environment") or {}
    if core_env.get("OCR_WORKER_URL") != "http://ocr-worker:5000":
        problems.append("backend-core must use OCR_WORKER_URL=http://ocr-worker:5000")
    if "DATABASE_URL" in core_env:
        problems.append("backend-core must build its URL from POSTGRES_* (DATABASE_URL is native)")
    if svcs.get("migrate", {}).get("image") != svcs.get("backend-core", {}).get("image"):
        problems.append("migrate must run the backend-core image")
    if "upgrade" not in (svcs.get("migrate", {}).get("command") or []):
        problems.append("migrate must run `alembic upgrade head`")
    graf = svcs.get("grafana", {}).get("environment") or {}
    wanted = {"GF_USERS_ALLOW_SIGN_UP": "false", "GF_AUTH_ANONYMOUS_ENABLED": "false",
              "GF_SERVER_SERVE_FROM_SUB_PATH": "true"}
    problems += [f"grafana: {k} must be {v}" for k, v in wanted.items() if graf.get(k) != v]
    for var in ("GRAFANA_DB_USER", "GRAFANA_DB_PASSWORD", "POSTGRES_DB", "GF_SERVER_ROOT_URL"):
        if var not in graf:
            problems.append(f"grafana needs {var} (provisioning reads it)")
    for name in ("db", "prometheus", "grafana"):
        mounts = [v for v in svcs.get(name, {}).get("volumes") or [] if not v.startswith(".")]
        if not mounts:
            problems.append(f"{name} keeps its data in no named volume")
    return problems


def rule_alerting_wiring(compose: Compose) -> list[str]:
    """Prometheus reaches Alertmanager on the internal network, Alertmanager reaches the
    outside, renders its configuration with render-config.sh and gets every ALERT_* it reads."""
    problems = []
    svcs = services(compose)
    manager = svcs.get("alertmanager", {})
    joined = network_names(manager)
    nets = compose.get("networks") or {}
    if not any((nets.get(n) or {}).get("internal") for n in joined & network_names(
            svcs.get("prometheus", {}))):
        problems.append("alertmanager must share the internal network with prometheus")
    if not any(not (nets.get(n) or {}).get("internal") for n in joined):
        problems.append("alertmanager needs a network with a route out (webhooks, SMTP)")
    entrypoint = " ".join(manager.get("entrypoint") or [])
    if "/etc/alertmanager/lifeboard/entrypoint.sh" not in entrypoint or \
            "./alertmanager:/etc/alertmanager/lifeboard:ro" not in (manager.get("volumes") or []):
        problems.append("alertmanager must run alertmanager/entrypoint.sh (mounted read-only)")
    if "--config.file=/tmp/alertmanager.yml" not in (manager.get("command") or []):
        problems.append("alertmanager must read the configuration its entrypoint renders")
    wanted = set(re.findall(r"\bALERT_[A-Z_]+", RENDER_SCRIPT.read_text()))
    given = set(manager.get("environment") or {})
    problems += [f"alertmanager does not get {v}" for v in sorted(wanted - given)]
    return problems


# Host folders that hold data a service writes, not configuration: the consume folder, whose
# files the core moves to done/ or failed/.
WRITABLE_DATA_BINDS = {("backend-core", "./consume")}


def rule_bind_sources_exist(compose: Compose) -> list[str]:
    problems = []
    for name, svc in services(compose).items():
        for vol in svc.get("volumes") or []:
            source = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source.startswith(".") and not (ROOT / source).exists():
                problems.append(f"{name} mounts {source}, which does not exist")
            if isinstance(vol, str) and source.startswith(".") and not vol.endswith(":ro") \
                    and (name, source) not in WRITABLE_DATA_BINDS:
                problems.append(f"{name} mounts {source} writable; mount configuration :ro")
        build = svc.get("build")
        if isinstance(build, dict) and not (ROOT / build["context"]).is_dir():
            problems.append(f"{name} builds from a missing {build['context']}")
    return problems


RULES: list[Rule] = [
    rule_services_present, rule_only_gateway_publishes, rule_networks, rule_non_root,
    rule_privileges, rule_read_only, rule_limits, rule_healthchecks, rule_depends_on,
    rule_restart, rule_pinned_images, rule_secrets_required, rule_variables_documented,
    rule_service_wiring, rule_alerting_wiring, rule_bind_sources_exist,
]


# ------------------------------------------------------------------------------- the real file
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_compose_file_keeps_rule(rule: Rule) -> None:
    assert rule(load_compose()) == []


def test_env_example_leaves_secrets_empty() -> None:
    values = env_example_values()
    assert {s: values.get(s) for s in SECRETS} == dict.fromkeys(SECRETS, "")


# ------------------------------------------------------------------------------- rules can fire
def _set(path: str, value: Any) -> Callable[[Compose], None]:
    def apply(compose: Compose) -> None:
        *parents, last = path.split("/")
        node = compose
        for key in parents:
            node = node[key]
        if value is KeyError:
            node.pop(last, None)
        else:
            node[last] = value
    return apply


BREAKAGES: list[tuple[Rule, Callable[[Compose], None]]] = [
    (rule_services_present, _set("services/ocr-worker", KeyError)),
    (rule_only_gateway_publishes, _set("services/db/ports", ["5432:5432"])),
    (rule_only_gateway_publishes, _set("services/gateway/ports", ["0.0.0.0:80:8080"])),
    (rule_networks, _set("services/ocr-worker/networks", ["edge", "backend"])),
    (rule_networks, _set("networks/backend", {})),
    (rule_non_root, _set("services/gateway/user", "0:0")),
    (rule_privileges, _set("services/db/cap_add", ["CHOWN"])),
    (rule_privileges, _set("services/db/security_opt", [])),
    (rule_read_only, _set("services/ocr-worker/read_only", False)),
    (rule_limits, _set("services/prometheus/mem_limit", KeyError)),
    (rule_healthchecks, _set("services/gateway/healthcheck", {"disable": True})),
    (rule_healthchecks, _set("services/db/healthcheck/test", ["CMD", "pg_isready -q"])),
    (rule_depends_on,
     _set("services/backend-core/depends_on/db", {"condition": "service_started"})),
    (rule_depends_on,
     _set("services/gateway/depends_on/grafana", {"condition": "service_healthy"})),
    (rule_restart, _set("services/db/restart", "no")),
    (rule_pinned_images, _set("services/prometheus/image", "prom/prometheus:latest")),
    (rule_pinned_images, _set("services/grafana/image", "grafana/grafana")),
    (rule_pinned_images, _set("services/gateway/image", "lifeboard/gateway:local")),
    (rule_pinned_images, _set("services/gateway/image",
                              "${LIFEBOARD_IMAGE_PREFIX:-x}/lifeboard-gateway:${LIFEBOARD_VERSION:-latest}")),
    (rule_alerting_wiring, _set("services/alertmanager/networks", ["backend"])),
    (rule_alerting_wiring, _set("services/alertmanager/environment/ALERT_SMTP_TO", KeyError)),
    (rule_alerting_wiring, _set("services/alertmanager/entrypoint", KeyError)),
    (rule_secrets_required, _set("services/backend-core/environment/API_TOKEN", "${API_TOKEN:-x}")),
    (rule_variables_documented, _set("services/db/environment/X", "${NOT_DOCUMENTED_ANYWHERE}")),
    (rule_service_wiring, _set("services/backend-core/environment/DATABASE_URL", "postgresql://")),
    (rule_bind_sources_exist, _set("services/prometheus/volumes", ["./nowhere.yml:/etc/x.yml:ro"])),
]


@pytest.mark.parametrize(("rule", "breakage"), BREAKAGES,
                         ids=[f"{r.__name__}-{i}" for i, (r, _) in enumerate(BREAKAGES)])
def test_rule_fires_on_a_broken_copy(rule: Rule, breakage: Callable[[Compose], None]) -> None:
    broken = copy.deepcopy(load_compose())
    breakage(broken)
    assert rule(broken), f"{rule.__name__} did not notice"


def test_variable_pattern_skips_escaped_dollars() -> None:
    text = 'pg_isready -U "$${POSTGRES_USER}" ${GATEWAY_PORT:-8080} ${API_TOKEN:?set it}'
    assert [m.groups() for m in VARIABLE.finditer(text)] == [
        ("GATEWAY_PORT", ":-", "8080"), ("API_TOKEN", ":?", "set it")]
