"""Shared fixtures of the cross-service tests.

`native_stack` (session): the whole stack started by scripts/native-stack.sh in a temporary
state dir, on free loopback ports, against its own fresh database, with a random API token.
It is brought `down` at the end of the session, which must leave no process behind.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import CompletedProcess

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
NATIVE_STACK = ROOT / "scripts" / "native-stack.sh"
DEFAULT_TEST_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
UP_TIMEOUT_SECONDS = 240
SERVICES = ("ocr-worker", "backend-core", "gateway", "prometheus", "alertmanager")


def script_env(state_dir: Path, base: Mapping[str, str] | None = None,
               **settings: str) -> dict[str, str]:
    """Environment for native-stack.sh on the stack in state_dir. It reads .env.example, never a
    developer's .env: a test stack must not pick up real settings."""
    return {
        **(os.environ if base is None else base),
        "NATIVE_STACK_ENV_FILE": str(ROOT / ".env.example"),
        "NATIVE_STACK_DIR": str(state_dir),
        **settings,
    }


def run_script(*args: str, env: Mapping[str, str], timeout: float = 60) -> CompletedProcess:
    """scripts/native-stack.sh ARGS; never raises on a failure exit."""
    return subprocess.run([str(NATIVE_STACK), *args], env=dict(env), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class NativeStack:
    gateway_url: str
    prometheus_url: str
    alertmanager_url: str
    core_url: str
    ocr_url: str
    api_token: str
    database_url: str
    state_dir: Path
    env: dict[str, str] = field(repr=False)

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}

    def run(self, *args: str, timeout: float = UP_TIMEOUT_SECONDS) -> CompletedProcess:
        """scripts/native-stack.sh ARGS with this stack's environment; never raises on failure."""
        return run_script(*args, env=self.env, timeout=timeout)

    def log(self, service: str, lines: int = 60) -> str:
        path = self.state_dir / "logs" / f"{service}.log"
        if not path.exists():
            return f"(no {path})"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def logs(self, lines: int = 40) -> str:
        return "\n".join(f"---- {s} ----\n{self.log(s, lines)}" for s in (*SERVICES, "migrate"))

    def processes(self) -> list[int]:
        """PIDs of processes that carry this stack's marker (see native-stack.sh)."""
        return stack_processes(self.state_dir)


def stack_processes(state_dir: Path) -> list[int]:
    """Processes of the stack in state_dir: those with its marker in their environment, and
    those naming the dir on their command line (nginx overwrites its environment area with its
    process title, so only the latter finds an nginx master)."""
    marker = f"LIFEBOARD_NATIVE_STACK={state_dir}".encode()
    in_args = f"{state_dir}/".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in environ or in_args in cmdline:
            found.append(int(proc.name))
    return found


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together so that none is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def parse_urls(output: str) -> dict[str, str]:
    urls = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in ("GATEWAY_URL", "PROMETHEUS_URL", "ALERTMANAGER_URL"):
            urls[key] = value.strip()
    return urls


def _admin_conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    with psycopg.connect(_admin_conninfo(database_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def free_tcp_ports() -> Callable[[int], list[int]]:
    """free_ports as a fixture, for tests that start servers of their own."""
    return free_ports


@pytest.fixture(scope="session")
def native_stack_processes() -> Callable[[Path], list[int]]:
    """stack_processes as a fixture: PIDs of the stack whose state dir is given."""
    return stack_processes


@pytest.fixture(scope="session")
def native_stack_script() -> Callable[..., CompletedProcess]:
    """native-stack.sh for tests that run a stack (or part of one) of their own:
    native_stack_script(state_dir, "start", "gateway", GATEWAY_PORT="18080", timeout=60)."""

    def run(state_dir: Path, *args: str, timeout: float = 60,
            base_env: Mapping[str, str] | None = None, **settings: str) -> CompletedProcess:
        return run_script(*args, env=script_env(state_dir, base_env, **settings),
                          timeout=timeout)

    return run


@pytest.fixture(scope="session")
def native_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NativeStack]:
    state_dir = tmp_path_factory.mktemp("native-stack")
    ocr_port, core_port, gateway_port, prometheus_port, alertmanager_port = free_ports(5)
    base_url = make_url(os.environ.get("TEST_PG_URL", DEFAULT_TEST_PG_URL))
    database_url = base_url.set(
        drivername="postgresql+psycopg", database=f"lifeboard_t_{secrets.token_hex(6)}"
    ).render_as_string(hide_password=False)
    api_token = secrets.token_urlsafe(32)
    env = script_env(state_dir, **{
        "NATIVE_OCR_PORT": str(ocr_port),
        "NATIVE_CORE_PORT": str(core_port),
        "GATEWAY_PORT": str(gateway_port),
        "NATIVE_PROMETHEUS_PORT": str(prometheus_port),
        "NATIVE_ALERTMANAGER_PORT": str(alertmanager_port),
        "DATABASE_URL": database_url,
        "API_TOKEN": api_token,
        "LIFEBOARD_VENV": os.environ.get("LIFEBOARD_VENV", str(ROOT / ".venv")),
        "FIT_SYNC_INTERVAL_MINUTES": "0",
        "GATEWAY_BIND": "127.0.0.1",
        # Every cross-service test shares this one gateway (and its per-address rate-limit
        # state) for the whole session: roomy limits keep one test's traffic (the fuzz run...)
        # from turning another's answers into 429s. The production limits themselves are
        # tested in test_gateway_config.py.
        "GATEWAY_API_RATE": "200r/s",
        "GATEWAY_API_BURST": "2000",
        "GATEWAY_UPLOAD_RATE": "600r/m",
        "GATEWAY_UPLOAD_BURST": "200",
        "GATEWAY_AUTH_RATE": "600r/m",
        "GATEWAY_AUTH_BURST": "200",
        # the consume folder (tests/test_e2e_uploads.py drops files into it)
        "CONSUME_DIR": str(state_dir / "consume"),
        "CONSUME_POLL_SECONDS": "0.5",
        "CONSUME_SETTLE_SECONDS": "0.5",
    })
    (state_dir / "consume").mkdir()
    stack = NativeStack(
        gateway_url=f"http://127.0.0.1:{gateway_port}",
        prometheus_url=f"http://127.0.0.1:{prometheus_port}",
        alertmanager_url=f"http://127.0.0.1:{alertmanager_port}",
        core_url=f"http://127.0.0.1:{core_port}",
        ocr_url=f"http://127.0.0.1:{ocr_port}",
        api_token=api_token,
        database_url=database_url,
        state_dir=state_dir,
        env=env,
    )
    # A SIGTERM (a CI time limit, `kill`) then unwinds like Ctrl-C: the teardown below still
    # brings the stack down instead of leaving its processes behind.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        up = stack.run("up")
        if up.returncode != 0:
            pytest.fail(
                f"native-stack.sh up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}\n"
                f"{stack.logs()}", pytrace=False,
            )
        urls = parse_urls(up.stdout)
        assert urls == {"GATEWAY_URL": stack.gateway_url, "PROMETHEUS_URL": stack.prometheus_url,
                        "ALERTMANAGER_URL": stack.alertmanager_url}
        yield stack
    finally:
        down = stack.run("down", timeout=120)
        left = stack.processes()
        try:
            drop_database(database_url)
        finally:
            assert down.returncode == 0, f"native-stack.sh down failed:\n{down.stdout}{down.stderr}"
            assert not left, f"processes left after down: {left}"


@pytest.fixture(scope="session")
def receipt_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A realistic photo of a Polish receipt (the OCR worker's generator), as a JPEG file."""
    from receipt_synth import generate

    sample = generate(seed=2026, index=0)
    path = tmp_path_factory.mktemp("receipt-photo") / f"{sample.name}.jpg"
    path.write_bytes(sample.image)
    return path
