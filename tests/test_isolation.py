"""From a network namespace that stands for the internet, only the gateway answers.

The test builds its own namespace joined to this host by a veth pair (addresses of its own test
hosts only), binds the native gateway to every interface, as a user exposing Lifeboard would,
and probes each service's port from the "internet" side: the gateway serves /healthz; the OCR
worker, the core, Prometheus and PostgreSQL are unreachable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NATIVE_STACK = ROOT / "scripts" / "native-stack.sh"

PROBE = textwrap.dedent(
    """
    import socket, sys, urllib.request
    host, port, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    try:
        if kind == "http":
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as r:
                print(f"http {r.status}")
        else:
            socket.create_connection((host, port), timeout=3).close()
            print("open")
    except ConnectionRefusedError:
        print("refused")
    except OSError as exc:
        print(f"unreachable {type(exc).__name__}")
    """
)


@dataclass(frozen=True)
class Internet:
    namespace: str
    host_address: str  # this machine, as the internet side sees it

    def probe(self, port: int, kind: str = "tcp") -> str:
        result = subprocess.run(
            ["ip", "netns", "exec", self.namespace, "python3", "-c", PROBE,
             self.host_address, str(port), kind],
            capture_output=True, text=True, timeout=30, check=False,
        )
        return (result.stdout or result.stderr).strip()


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture()
def internet() -> Iterator[Internet]:
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 to create a network namespace")
    tag = os.getpid() % 200 + 20
    namespace, host_if, ns_if = f"lb-inet-{tag}", f"lbh{tag}", f"lbn{tag}"
    host_address, ns_address = f"10.254.{tag}.1", f"10.254.{tag}.2"
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
    try:
        sh("ip", "netns", "add", namespace)
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        sh("ip", "link", "set", ns_if, "netns", namespace)
        sh("ip", "addr", "add", f"{host_address}/30", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "-n", namespace, "addr", "add", f"{ns_address}/30", "dev", ns_if)
        sh("ip", "-n", namespace, "link", "set", ns_if, "up")
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        yield Internet(namespace, host_address)
    finally:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, check=False)


@pytest.fixture()
def exposed_gateway(native_stack) -> Iterator[None]:
    """The native gateway listening on every interface, restored to loopback afterwards."""

    def restart(bind: str) -> None:
        env = {**native_stack.env, "GATEWAY_BIND": bind}
        for action in ("stop", "start"):
            done = subprocess.run(
                [str(NATIVE_STACK), action, "gateway"], env=env, cwd=ROOT,
                capture_output=True, text=True, timeout=120, check=False,
            )
            assert done.returncode == 0, done.stdout + done.stderr

    restart("0.0.0.0")  # noqa: S104 - exposing on every interface is the point of the test
    try:
        yield
    finally:
        restart("127.0.0.1")


def test_only_the_gateway_answers_the_internet(native_stack, internet, exposed_gateway):
    gateway_port = int(native_stack.gateway_url.rsplit(":", 1)[1])
    assert internet.probe(gateway_port, "http") == "http 200"

    hidden = {
        "ocr-worker": int(native_stack.ocr_url.rsplit(":", 1)[1]),
        "backend-core": int(native_stack.core_url.rsplit(":", 1)[1]),
        "prometheus": int(native_stack.prometheus_url.rsplit(":", 1)[1]),
        "postgresql": make_url(native_stack.database_url).port or 5432,
    }
    answers = {name: internet.probe(port) for name, port in hidden.items()}
    assert all(a == "refused" or a.startswith("unreachable") for a in answers.values()), answers
