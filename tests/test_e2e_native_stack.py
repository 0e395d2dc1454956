"""scripts/native-stack.sh as a developer uses it: status, stopping and starting one service,
an idempotent `up`, and `down` on a stack that never ran. (`down` of the session stack, with its
no-orphans check, is the teardown of the `native_stack` fixture in conftest.py.)
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("ocr-worker", "backend-core", "gateway", "prometheus", "alertmanager")


def service_states(status_output: str) -> dict[str, str]:
    states = {}
    for line in status_output.splitlines():
        match = re.match(r"^(\S+)\s+(running healthy|running unhealthy|stopped)\b", line)
        if match:
            states[match[1]] = match[2]
    return states


def test_status_reports_every_service_and_the_urls(native_stack) -> None:
    status = native_stack.run("status", timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    assert service_states(status.stdout) == dict.fromkeys(SERVICES, "running healthy")
    assert f"GATEWAY_URL={native_stack.gateway_url}" in status.stdout.splitlines()
    assert f"PROMETHEUS_URL={native_stack.prometheus_url}" in status.stdout.splitlines()
    assert f"ALERTMANAGER_URL={native_stack.alertmanager_url}" in status.stdout.splitlines()


def test_up_again_changes_nothing(native_stack) -> None:
    pids_before = {s: (native_stack.state_dir / "run" / f"{s}.pid").read_text() for s in SERVICES}
    again = native_stack.run("up")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("already running") == len(SERVICES)
    assert f"GATEWAY_URL={native_stack.gateway_url}" in again.stdout
    pids_after = {s: (native_stack.state_dir / "run" / f"{s}.pid").read_text() for s in SERVICES}
    assert pids_after == pids_before


def test_stop_and_start_one_service(native_stack) -> None:
    stopped = native_stack.run("stop", "gateway", timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    status = native_stack.run("status", timeout=60)
    assert status.returncode == 3
    assert service_states(status.stdout)["gateway"] == "stopped"
    assert service_states(status.stdout)["backend-core"] == "running healthy"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{native_stack.gateway_url}/healthz", timeout=5)

    started = native_stack.run("start", "gateway", timeout=120)
    assert started.returncode == 0, started.stderr
    assert f"GATEWAY_URL={native_stack.gateway_url}" in started.stdout
    assert httpx.get(f"{native_stack.gateway_url}/healthz", timeout=10).status_code == 200
    assert native_stack.run("status", timeout=60).returncode == 0


def test_unknown_service_is_refused(native_stack) -> None:
    result = native_stack.run("stop", "db", timeout=30)
    assert result.returncode != 0
    assert "unknown service" in result.stderr


def test_down_of_a_stack_that_never_ran(tmp_path: Path, native_stack_script) -> None:
    result = native_stack_script(tmp_path, "down")
    assert result.returncode == 0, result.stderr
    assert "no process" in result.stderr


def test_down_finds_a_process_that_left_its_group(tmp_path: Path, native_stack_script) -> None:
    # A service's child that started a session of its own (setsid) is no longer in the group
    # `down` signals; the environment marker still finds it.
    escaped = subprocess.Popen(
        ["sleep", "300"], env={**os.environ, "LIFEBOARD_NATIVE_STACK": str(tmp_path)},
        start_new_session=True,
    )
    try:
        result = native_stack_script(tmp_path, "down")
        assert result.returncode == 0, result.stderr
        assert "left-over processes" in result.stderr
        assert escaped.wait(timeout=10) == -9
    finally:
        if escaped.poll() is None:
            escaped.kill()


def test_start_refuses_a_port_taken_by_someone_else(tmp_path: Path, native_stack_script) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = native_stack_script(tmp_path, "start", "gateway", GATEWAY_PORT=str(port))
    assert result.returncode != 0
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert not (tmp_path / "run" / "gateway.pid").exists()


def test_settings_process_env_beats_env_file_beats_defaults(
    tmp_path: Path, native_stack_script
) -> None:
    env_file = tmp_path / "test.env"
    env_file.write_text(
        "# comment line\n"
        "GATEWAY_PORT=18181   # inline comment, as compose allows\n"
        "NATIVE_CORE_PORT=18001\n"
        "export NATIVE_OCR_PORT='18002'\n"
        'MAX_UPLOAD_MB="7"\n'
        "NATIVE_PROMETHEUS_PORT=\n"  # empty = unset: the default applies
    )
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("NATIVE_", "GATEWAY_", "MAX_UPLOAD"))}
    result = native_stack_script(tmp_path / "state", "render", base_env=clean,
                                 NATIVE_STACK_ENV_FILE=str(env_file), NATIVE_CORE_PORT="18999")
    assert result.returncode == 0, result.stderr
    gateway = (tmp_path / "state" / "gateway" / "conf.d" / "lifeboard.conf").read_text()
    assert "listen 127.0.0.1:18181 default_server;" in gateway
    assert "set $core_upstream http://127.0.0.1:18999;" in gateway  # process env wins
    assert "client_max_body_size 8m;" in gateway
    prometheus = (tmp_path / "state" / "prometheus" / "prometheus.yml").read_text()
    assert '"127.0.0.1:18002"' in prometheus and '"127.0.0.1:9090"' in prometheus


@pytest.mark.parametrize("failure", ["empty API_TOKEN", "gateway port taken", "bad DATABASE_URL"])
def test_a_failed_up_leaves_no_process_behind(
    tmp_path: Path, native_stack_script, native_stack_processes, free_tcp_ports, failure: str
) -> None:
    # Each failure happens after up has launched some services (ocr-worker first, backend-core
    # last): what this run started must be stopped again, whatever the way out.
    ocr, core, gateway, prometheus, alertmanager, closed = free_tcp_ports(6)
    settings = {
        "NATIVE_OCR_PORT": str(ocr), "NATIVE_CORE_PORT": str(core),
        "GATEWAY_PORT": str(gateway), "NATIVE_PROMETHEUS_PORT": str(prometheus),
        "NATIVE_ALERTMANAGER_PORT": str(alertmanager),
        "API_TOKEN": "t" * 32, "OCR_WORKERS": "1", "NATIVE_STOP_TIMEOUT": "10",
        # Nothing listens on `closed`: the database check fails if it gets that far.
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed}/lifeboard_none",
    }
    with socket.socket() as squatter:
        if failure == "empty API_TOKEN":
            settings["API_TOKEN"] = ""
        elif failure == "gateway port taken":
            squatter.bind(("127.0.0.1", gateway))
            squatter.listen()
        result = native_stack_script(tmp_path, "up", timeout=120, **settings)
    assert result.returncode != 0, result.stdout
    assert "stopping what this command started: ocr-worker" in result.stderr, result.stderr
    assert native_stack_processes(tmp_path) == []
    assert list((tmp_path / "run").glob("*.pid")) == []


def test_nginx_in_sbin_is_found_without_sbin_on_path(tmp_path: Path, native_stack_script) -> None:
    # A Debian user's PATH often lacks /usr/sbin, where the nginx package puts nginx.
    sbin_nginx = [d for d in ("/usr/sbin", "/sbin") if Path(d, "nginx").exists()]
    if not sbin_nginx:
        pytest.skip("nginx is not in /usr/sbin or /sbin here")
    path = ":".join(d for d in os.environ["PATH"].split(":")
                    if d not in ("/usr/local/sbin", "/usr/sbin", "/sbin")) or "/usr/bin:/bin"
    assert subprocess.run(["sh", "-c", "command -v nginx"], env={"PATH": path},
                          capture_output=True, check=False).returncode != 0
    result = native_stack_script(tmp_path, "render", base_env={**os.environ, "PATH": path})
    assert result.returncode == 0, result.stderr  # render runs nginx -t
    assert "GATEWAY_CONFIG=" in result.stdout


def test_exported_empty_variables_count_as_unset(
    tmp_path: Path, native_stack_script, free_tcp_ports
) -> None:
    # The shell of `set -a; . ./.env; set +a` exports every empty key of .env as "".
    env_file = tmp_path / "test.env"
    env_file.write_text("GATEWAY_PORT=18182\nMAX_UPLOAD_MB=7\nOCR_WORKERS=\n")
    (ocr_port,) = free_tcp_ports(1)
    exported = {**os.environ, "GATEWAY_PORT": "", "MAX_UPLOAD_MB": "", "OCR_WORKERS": "",
                "OCR_MAX_MB": "", "NATIVE_OCR_PORT": str(ocr_port)}
    rendered = native_stack_script(tmp_path / "state", "render", base_env=exported,
                                   NATIVE_STACK_ENV_FILE=str(env_file))
    assert rendered.returncode == 0, rendered.stderr
    gateway = (tmp_path / "state" / "gateway" / "conf.d" / "lifeboard.conf").read_text()
    assert "listen 127.0.0.1:18182 default_server;" in gateway  # the file's value, not ""
    assert "client_max_body_size 8m;" in gateway
    # The OCR worker boots (an empty OCR_WORKERS used to kill it: input_value='').
    try:
        started = native_stack_script(tmp_path / "state", "start", "ocr-worker", timeout=120,
                                      base_env=exported, NATIVE_STACK_ENV_FILE=str(env_file))
        assert started.returncode == 0, started.stderr
    finally:
        stopped = native_stack_script(tmp_path / "state", "stop", "ocr-worker", base_env=exported,
                                      NATIVE_STACK_ENV_FILE=str(env_file))
        assert stopped.returncode == 0, stopped.stderr


def test_readme_curl_snippet_finds_the_running_gateway(native_stack) -> None:
    # The README's curl section takes the URL from `status` (sourcing .env would export its
    # empty keys into the user's shell and reset a GATEWAY_PORT given on the command line).
    readme = (ROOT / "README.md").read_text()
    curl_section = readme.split("### With curl", 1)[1].split("\n### ", 1)[0]
    assert not re.search(r"^\s*(set -a|\. \./\.env|source \./?\.env)", curl_section, re.M)
    snippet = re.search(r"eval \"\$\(\./scripts/native-stack\.sh status[^\n]*", curl_section)
    assert snippet, "the curl section shows no native-stack URL snippet"
    shown = subprocess.run(["bash", "-c", f'{snippet[0]}\necho "$BASE"'], cwd=ROOT,
                           env=native_stack.env, capture_output=True, text=True, timeout=60,
                           check=False)
    assert shown.stdout.strip() == native_stack.gateway_url, shown.stderr


def test_head_health_check_through_the_gateway(native_stack) -> None:
    # The core's /healthz answers GET only; the gateway turns a HEAD into a GET for it.
    for path in ("/healthz", "/gateway/healthz"):
        response = httpx.head(f"{native_stack.gateway_url}{path}", timeout=10)
        assert response.status_code == 200, (path, response.headers)


def test_prometheus_sends_its_alerts_to_the_native_alertmanager(native_stack) -> None:
    expected = f"{native_stack.alertmanager_url}/api/v2/alerts"
    deadline = time.monotonic() + 30
    active: list[str] = []
    while time.monotonic() < deadline:
        answer = httpx.get(f"{native_stack.prometheus_url}/api/v1/alertmanagers", timeout=10)
        active = [m["url"] for m in answer.json()["data"]["activeAlertmanagers"]]
        if active:
            break
        time.sleep(0.5)
    assert active == [expected]
    assert httpx.get(f"{native_stack.alertmanager_url}/-/ready", timeout=10).status_code == 200


def _dockerfile_cmd(service: str, *options: str) -> list[str]:
    """The CMD of service's Dockerfile as scripts/lib/dockerfile.py reads it for the stack."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts/lib/dockerfile.py"), "cmd",
         str(ROOT / service / "Dockerfile"), *options],
        capture_output=True, check=True, timeout=30,
    ).stdout
    return out.decode().split("\0")[:-1]


@pytest.mark.parametrize("service", ["backend-core", "ocr-worker"])
def test_services_run_the_command_of_their_dockerfile(native_stack, service: str) -> None:
    port = native_stack.core_url.rsplit(":", 1)[1]
    options = ("--host", "127.0.0.1", "--port", port) if service == "backend-core" else ()
    expected = _dockerfile_cmd(service, *options)
    pid = (native_stack.state_dir / "run" / f"{service}.pid").read_text().strip()
    # The venv's console script runs under its python: [python, VENV/bin/PROGRAM, args...]
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    program = [i for i, arg in enumerate(cmdline) if Path(arg).name == expected[0]]
    assert program, f"{service} does not run {expected[0]}: {cmdline}"
    assert cmdline[program[0] + 1 :] == expected[1:]


def test_backend_core_runs_with_the_containers_flags(native_stack) -> None:
    # --no-server-header and --timeout-graceful-shutdown 20 come from the Dockerfile's CMD.
    pid = (native_stack.state_dir / "run" / "backend-core.pid").read_text().strip()
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    assert "--timeout-graceful-shutdown" in cmdline
    response = httpx.get(f"{native_stack.core_url}/healthz", timeout=10)
    assert response.status_code == 200
    assert "server" not in response.headers


def test_status_of_a_stopped_stack_names_no_url(tmp_path: Path, native_stack_script) -> None:
    # After `down` (or before any `up`) nothing listens: no GATEWAY_URL= a client could follow.
    status = native_stack_script(tmp_path, "status", timeout=60)
    assert status.returncode == 3
    assert service_states(status.stdout) == dict.fromkeys(SERVICES, "stopped")
    assert "_URL=" not in status.stdout


def test_start_installs_the_venv_with_the_test_scripts_code(
    tmp_path: Path, native_stack_script, free_tcp_ports
) -> None:
    # A venv without the requirements' stamp: `start` installs them as scripts/test.sh does
    # (scripts/lib/setup.sh), here through a pip that only records its arguments.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    calls = tmp_path / "pip-calls"
    pip = venv / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\necho "$*" >>{calls}\n')
    pip.chmod(0o755)
    (port,) = free_tcp_ports(1)
    try:
        started = native_stack_script(tmp_path / "state", "start", "gateway", timeout=120,
                                      LIFEBOARD_VENV=str(venv), GATEWAY_PORT=str(port))
        assert started.returncode == 0, started.stderr
        assert f"GATEWAY_URL=http://127.0.0.1:{port}" in started.stdout.splitlines()
        assert "installing Python requirements" in started.stderr  # progress is not on stdout
    finally:
        native_stack_script(tmp_path / "state", "stop", "gateway", LIFEBOARD_VENV=str(venv))
    installs = calls.read_text()
    for requirements in ("backend-core/requirements.txt", "ocr-worker/requirements.txt",
                         "requirements-dev.txt", "ocr-worker/requirements-nodeps.txt"):
        assert requirements in installs
    assert (venv / ".requirements.sha256").is_file()
    # the code both services share is on the venv's path, from this checkout (as in the images,
    # next to each package): python -m app.cli and the services import it
    assert (site / "lifeboard-shared.pth").read_text() == f"{ROOT / 'libs' / 'upload_formats'}\n"
