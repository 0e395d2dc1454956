"""The gateway's nginx config: valid as the container renders it and as the native stack does,
and behaving as promised in front of a stand-in upstream that echoes what it receives.

Container rendering = what the nginx image's entrypoint does with gateway/Dockerfile's ENV and
docker-compose.yml's `environment:` (source docker-entrypoint.d/*.envsh, envsubst every set
variable into the templates), then `nginx -t`. Native rendering = `native-stack.sh render`.
The behaviour tests run the real nginx through `native-stack.sh start gateway`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = ROOT / "gateway"
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Content-Security-Policy")

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


def nginx_test(prefix: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nginx", "-t", "-e", "stderr", "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"),
         "-g", f"pid {prefix}/nginx.pid;"],
        capture_output=True, text=True, timeout=30, check=False,
    )


def dockerfile_env() -> dict[str, str]:
    """ENV of gateway/Dockerfile (`ENV A=1 \\ B=2` form)."""
    text = (GATEWAY / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return env


def compose_gateway_env() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["gateway"].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    # Resolve ${VAR:-default} the way compose does for an unset VAR.
    return {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(v)) for k, v in env.items()}


def render_like_the_image(workdir: Path) -> Path:
    """The official image's entrypoint steps, in a POSIX shell, into workdir/etc-nginx."""
    prefix = workdir / "etc-nginx"
    (prefix / "conf.d").mkdir(parents=True)
    shutil.copy(GATEWAY / "nginx.conf", prefix / "nginx.conf")
    env = {
        "PATH": os.environ["PATH"],
        **dockerfile_env(),
        **compose_gateway_env(),
        # 15-local-resolvers.envsh: the network's DNS, then (Podman) the host's.
        "NGINX_LOCAL_RESOLVERS": "127.0.0.11 192.0.2.53",
        # The image's /tmp paths, moved under workdir.
        "NGINX_ENVSUBST_OUTPUT_DIR": str(prefix / "conf.d"),
        "NGINX_TEMP_DIR": str(workdir / "tmp-nginx"),
    }
    script = r"""
set -e
for f in "$GATEWAY"/docker-entrypoint.d/*.envsh; do . "$f"; done
defined_envs=$(printf '${%s} ' $(awk 'END { for (name in ENVIRON) print name }' </dev/null))
for t in "$GATEWAY"/templates/*.template; do
    out="$NGINX_ENVSUBST_OUTPUT_DIR/$(basename "$t" .template)"
    envsubst "$defined_envs" <"$t" >"$out"
done
"""
    subprocess.run(["sh", "-c", script], env={**env, "GATEWAY": str(GATEWAY)}, check=True,
                   timeout=30)
    return prefix


def test_container_rendering_passes_nginx_t(tmp_path: Path) -> None:
    prefix = render_like_the_image(tmp_path)
    conf = (prefix / "conf.d" / "lifeboard.conf").read_text()
    assert "listen 8080 default_server;" in conf
    assert "set $core_upstream http://backend-core:8000;" in conf
    assert "set $grafana_upstream http://grafana:3000;" in conf
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in conf  # the network's DNS only
    assert not re.search(r"\$\{[A-Z_]+\}", conf), "a template variable was left unrendered"
    result = nginx_test(prefix)
    assert result.returncode == 0, result.stderr


def test_native_rendering_passes_nginx_t(tmp_path: Path, native_stack_script) -> None:
    rendered = native_stack_script(tmp_path, "render", GATEWAY_PORT="18080",
                                   NATIVE_CORE_PORT="18000")
    assert rendered.returncode == 0, rendered.stderr
    prefix = tmp_path / "gateway"
    conf = (prefix / "conf.d" / "lifeboard.conf").read_text()
    assert "listen 127.0.0.1:18080 default_server;" in conf
    assert "set $core_upstream http://127.0.0.1:18000;" in conf
    # Only the host names and ports differ from the container's rendering.
    container = (render_like_the_image(tmp_path / "c") / "conf.d" / "lifeboard.conf").read_text()
    differing = {
        (a, b) for a, b in zip(conf.splitlines(), container.splitlines(), strict=True) if a != b
    }
    assert {a.split()[0] for a, _ in differing} <= {
        "listen", "set", "resolver", "client_body_temp_path", "proxy_temp_path",
        "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path", "root",
    }
    result = nginx_test(prefix)
    assert result.returncode == 0, result.stderr


def test_broken_template_fails_nginx_t(tmp_path: Path) -> None:
    prefix = render_like_the_image(tmp_path)
    conf = prefix / "conf.d" / "lifeboard.conf"
    conf.write_text(conf.read_text().replace("limit_req_status 429;", "limit_req_status 429"))
    assert nginx_test(prefix).returncode != 0


# ---- behaviour, in front of a stand-in upstream ------------------------------------------------


class EchoHandler(BaseHTTPRequestHandler):
    """Answers every request with JSON describing it, plus headers the gateway must replace."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body_len = len(self.rfile.read(length)) if length else 0
        payload = json.dumps({"path": self.path, "method": self.command, "body_len": body_len,
                              "headers": {k.lower(): v for k, v in self.headers.items()}})
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Frame-Options", "SAMEORIGIN")  # must not reach the client
        self.send_header("X-Powered-By", "stand-in")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, free_tcp_ports, native_stack_script
) -> Iterator[str]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    gateway_port, grafana_port = free_tcp_ports(2)  # nothing listens on grafana_port
    state = tmp_path_factory.mktemp("gateway-only")
    settings = {
        "GATEWAY_PORT": str(gateway_port),
        "NATIVE_CORE_PORT": str(upstream.server_address[1]),
        "NATIVE_GRAFANA_PORT": str(grafana_port),
        "MAX_UPLOAD_MB": "1",
        "GATEWAY_UPLOAD_RATE": "1r/m",
        "GATEWAY_UPLOAD_BURST": "3",
    }

    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return native_stack_script(state, *args, **settings)

    try:
        started = script("start", "gateway")
        log = state / "logs" / "gateway.log"
        assert started.returncode == 0, started.stderr + (log.read_text() if log.exists() else "")
        assert f"GATEWAY_URL=http://127.0.0.1:{gateway_port}" in started.stdout
        yield f"http://127.0.0.1:{gateway_port}"
    finally:
        stopped = script("stop", "gateway")
        upstream.shutdown()
        assert stopped.returncode == 0, stopped.stderr


def assert_security_headers(response: httpx.Response) -> None:
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), f"{name} missing on {response.request.url}"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Server"] == "nginx"  # no version
    assert "X-Powered-By" not in response.headers


def test_forwarded_headers_come_from_the_gateway(gateway: str) -> None:
    response = httpx.get(f"{gateway}/api/v1/transactions?x=1",
                         headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["path"] == "/api/v1/transactions?x=1"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"  # a client cannot spoof it
    assert seen["headers"]["x-forwarded-proto"] == "http"
    assert seen["headers"]["host"] == gateway.removeprefix("http://")
    assert seen["headers"]["x-request-id"]
    assert_security_headers(response)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("path", ["/metrics", "/api/../metrics", "/internal/jobs", "/.env",
                                  "/healthz/../metrics", "/index.html", "/app/../.env",
                                  "/app/nothing.js"])
def test_internal_paths_are_not_served(gateway: str, path: str) -> None:
    # --path-as-is: send the dots unnormalised, as an attacker would.
    with httpx.Client() as client:
        request = client.build_request("GET", f"{gateway}/")
        request.url = request.url.copy_with(raw_path=path.encode())
        response = client.send(request)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert_security_headers(response)


def test_docs_get_the_swagger_policy(gateway: str) -> None:
    for path in ("/docs", "/docs/assets/swagger-ui.css", "/openapi.json", "/healthz"):
        response = httpx.get(f"{gateway}{path}")
        assert response.status_code == 200, path
        assert response.json()["path"] == path
    csp = httpx.get(f"{gateway}/docs").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"  # no inline scripts, no other hosts
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in csp


def test_grafana_absent_is_a_json_502_and_the_api_keeps_working(gateway: str) -> None:
    response = httpx.get(f"{gateway}/grafana/api/health")
    assert response.status_code == 502
    assert "detail" in response.json()
    assert_security_headers(response)
    assert httpx.get(f"{gateway}/grafana").headers["Location"] == "/grafana/"
    assert httpx.get(f"{gateway}/healthz").status_code == 200


def test_body_over_the_limit_is_a_json_413(gateway: str) -> None:
    # MAX_UPLOAD_MB=1 here: 1 MB + 1 MB of multipart headroom passes, 3 MB does not.
    ok = httpx.put(f"{gateway}/api/v1/transactions/1", content=b"x" * 1_500_000)
    assert ok.status_code == 200 and ok.json()["body_len"] == 1_500_000
    too_big = httpx.put(f"{gateway}/api/v1/transactions/1", content=b"x" * 3_000_000)
    assert too_big.status_code == 413
    assert "1 MB" in too_big.json()["detail"]
    assert_security_headers(too_big)


def test_uploads_are_rate_limited_with_429(gateway: str) -> None:
    # 1 upload per minute with a burst of 3 here; listing receipts does not count.
    statuses = [httpx.post(f"{gateway}/api/v1/receipts", files={"file": b"x"}).status_code
                for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429
    limited = httpx.post(f"{gateway}/api/v1/receipts", files={"file": b"x"})
    assert limited.status_code == 429
    assert limited.json()["detail"].startswith("Too many requests")
    assert limited.headers["Retry-After"]
    assert_security_headers(limited)
    assert httpx.get(f"{gateway}/api/v1/receipts").status_code == 200


PAGE_FILES = {
    "/": "text/html", "/app/app.js": "text/javascript", "/app/app.css": "text/css",
    "/app/sw.js": "text/javascript", "/app/manifest.webmanifest": "application/manifest+json",
    "/app/icon-192.png": "image/png", "/app/icon.svg": "image/svg+xml",
}


@pytest.mark.parametrize("path", PAGE_FILES)
def test_the_receipt_page_is_served_with_its_type_and_a_strict_policy(gateway: str,
                                                                      path: str) -> None:
    response = httpx.get(f"{gateway}{path}")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == PAGE_FILES[path]
    name = "index.html" if path == "/" else path.removeprefix("/")
    assert response.content == (GATEWAY / "html" / name).read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"  # phones see a new version at once
    assert_security_headers(response)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src", "manifest-src", "worker-src"):
        assert directives[directive] == "'self'", directive  # no inline code, no other host
    assert "unsafe" not in csp and "http" not in csp


def test_the_page_loads_nothing_from_another_host() -> None:
    for file in (GATEWAY / "html").rglob("*"):
        if file.suffix in (".html", ".js", ".css", ".webmanifest", ".svg"):
            text = file.read_text()
            assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text.replace(
                "http://www.w3.org/2000/svg", "")), f"{file} names another host"
            assert "<script>" not in text and " style=" not in text, f"inline code in {file}"


def test_the_image_copies_the_page_where_the_config_looks_for_it() -> None:
    dockerfile = (GATEWAY / "Dockerfile").read_text()
    envsh = (GATEWAY / "docker-entrypoint.d" / "18-lifeboard-gateway.envsh").read_text()
    root = re.search(r'GATEWAY_HTML_ROOT:=([^}"]+)', envsh).group(1)
    assert re.search(rf"^COPY html/ {re.escape(root)}/?$", dockerfile, re.M), root


# ---- the gateway's own errors are JSON ---------------------------------------------------------

# Every status nginx itself may answer with (not counting upstream answers, which pass as they
# are) has an error_page with a JSON body. 408 waits for client_header_timeout, too slow to
# provoke here: this list is what the static check below holds the config to.
NGINX_OWN_ERRORS = (400, 404, 405, 408, 411, 413, 414, 429, 494, 500, 501, 502, 503, 504, 505)


def test_every_error_nginx_produces_has_a_json_page(tmp_path: Path) -> None:
    conf = (render_like_the_image(tmp_path) / "conf.d" / "lifeboard.conf").read_text()
    covered = {int(code) for line in re.findall(r"^\s*error_page\s+([^;]+);", conf, re.M)
               for code in re.findall(r"(?<![=\w])(\d{3})\b", line)}
    assert set(NGINX_OWN_ERRORS) <= covered, sorted(set(NGINX_OWN_ERRORS) - covered)


def raw_exchange(gateway: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (httpx would refuse or fix most of these) and read the answer."""
    host, port = gateway.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


BIG = b"a" * 20_000
LONG_PATH = b"/api/" + b"a" * 10_000


@pytest.mark.parametrize(("request_bytes", "status"), [
    pytest.param(b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, id="TRACE"),
    pytest.param(b"GET " + LONG_PATH + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, id="long-URI"),
    pytest.param(b"GET /api/x HTTP/1.1\r\nHost: x\r\nX-Big: " + BIG + b"\r\n\r\n", 400,
                 id="huge-header"),
    pytest.param(b"GARBAGE\r\n\r\n", 400, id="garbage"),
    pytest.param(b"GET /api/x HTTP/1.1\r\n\r\n", 400, id="no-Host"),
    pytest.param(b"GET /api/x HTTP/2.0\r\nHost: x\r\n\r\n", 505, id="HTTP/2.0-line"),
    pytest.param(b"POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
                 id="unknown-transfer-encoding"),
    pytest.param(b"GET /_gateway/errors/400 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 404, id="error-pages-are-internal"),
])
def test_the_gateways_own_errors_are_json(gateway: str, request_bytes: bytes, status: int) -> None:
    got, headers, body = raw_exchange(gateway, request_bytes)
    assert got == status, body[:300]
    assert headers.get("content-type") == "application/json", headers
    assert json.loads(body)["detail"], body
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/healthz", "/gateway/healthz"])
def test_health_checks_answer_head_like_get(gateway: str, path: str) -> None:
    # The stand-in, like the core's /healthz, answers GET only (HEAD would be a 501 here).
    head = httpx.head(f"{gateway}{path}")
    assert head.status_code == 200, head.headers
    assert head.content == b""
    assert head.headers["Content-Type"] == "application/json"
    assert httpx.get(f"{gateway}{path}").status_code == 200


def test_other_methods_reach_the_core_unchanged(gateway: str) -> None:
    # Only HEAD is turned into GET for /healthz; the core decides about the rest.
    assert httpx.delete(f"{gateway}/healthz").json()["method"] == "DELETE"
