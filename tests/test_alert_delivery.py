"""Alerts reach a person: alertmanager/render-config.sh turns the ALERT_* settings into a valid
Alertmanager configuration, and the whole path runs natively: the OCR worker stops, Prometheus
(the real prometheus.yml and alerts.yml, with short intervals) fires OcrWorkerDown, Alertmanager
(configured by the real script) posts it to a webhook receiver on loopback, and posts the
resolution once the worker is back.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socketserver
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RENDER = ROOT / "alertmanager" / "render-config.sh"
PROMETHEUS_DIR = ROOT / "prometheus"
AMTOOL = shutil.which("amtool")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
PROMETHEUS = shutil.which("prometheus")
ALERT_ENV = ("ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_TYPE", "ALERT_SMTP_TO", "ALERT_SMTP_SMARTHOST",
             "ALERT_SMTP_FROM", "ALERT_SMTP_USERNAME", "ALERT_SMTP_PASSWORD",
             "ALERT_SMTP_REQUIRE_TLS", "ALERT_GROUP_WAIT", "ALERT_GROUP_INTERVAL",
             "ALERT_REPEAT_INTERVAL")
WAIT_SECONDS = 90   # upper bound of every wait below; the path normally takes ~10 s


def render(tmp_path: Path, **settings: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """render-config.sh with only the given ALERT_* settings (none inherited from the caller)."""
    out = tmp_path / "alertmanager.yml"
    env = {k: v for k, v in os.environ.items() if k not in ALERT_ENV} | settings
    result = subprocess.run(["sh", str(RENDER), str(out)], env=env, capture_output=True,
                            text=True, timeout=30, check=False)
    return result, out


def amtool_check(config: Path) -> subprocess.CompletedProcess[str]:
    if AMTOOL is None:
        pytest.skip("amtool (Debian package prometheus-alertmanager)")
    return subprocess.run([AMTOOL, "check-config", str(config)], capture_output=True, text=True,
                          timeout=30, check=False)


def receiver_of(config: Path) -> dict[str, Any]:
    data = yaml.safe_load(config.read_text())
    assert data["route"]["receiver"] == "lifeboard"
    (receiver,) = data["receivers"]
    return receiver


# ------------------------------------------------------------------------ the configuration
def test_without_receivers_the_config_is_valid_and_says_nobody_is_notified(tmp_path) -> None:
    result, config = render(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "notify nobody" in result.stderr
    check = amtool_check(config)
    assert check.returncode == 0, check.stdout + check.stderr
    assert receiver_of(config) == {"name": "lifeboard"}


@pytest.mark.parametrize(("kind", "key", "url_key"), [
    ("webhook", "webhook_configs", "url"),
    ("slack", "slack_configs", "api_url"),
    ("discord", "discord_configs", "webhook_url"),
])
def test_each_webhook_type_gets_its_receiver(tmp_path, kind: str, key: str, url_key: str) -> None:
    # quotes and backslashes in a URL survive the YAML quoting unchanged
    url = 'https://hooks.example.test/a/b?x="1"&y=\\z'
    result, config = render(tmp_path, ALERT_WEBHOOK_URL=url, ALERT_WEBHOOK_TYPE=kind)
    assert result.returncode == 0, result.stderr
    check = amtool_check(config)
    assert check.returncode == 0, check.stdout + check.stderr
    receiver = receiver_of(config)
    assert set(receiver) == {"name", key}
    (entry,) = receiver[key]
    assert entry[url_key] == url
    assert entry["send_resolved"] is True


def test_smtp_receiver_with_login(tmp_path) -> None:
    result, config = render(
        tmp_path, ALERT_SMTP_TO="me@example.test", ALERT_SMTP_FROM="lifeboard@example.test",
        ALERT_SMTP_SMARTHOST="mail.example.test:587", ALERT_SMTP_USERNAME="me",
        ALERT_SMTP_PASSWORD='pa"ss\\word $HOME', ALERT_WEBHOOK_URL="http://127.0.0.1:1/x",
    )
    assert result.returncode == 0, result.stderr
    check = amtool_check(config)
    assert check.returncode == 0, check.stdout + check.stderr
    receiver = receiver_of(config)
    (mail,) = receiver["email_configs"]
    assert mail == {"to": "me@example.test", "from": "lifeboard@example.test",
                    "smarthost": "mail.example.test:587", "auth_username": "me",
                    "auth_password": 'pa"ss\\word $HOME', "require_tls": True,
                    "send_resolved": True}
    assert receiver["webhook_configs"][0]["url"] == "http://127.0.0.1:1/x"
    assert config.stat().st_mode & 0o077 == 0, "the file holds a password: owner only"


@pytest.mark.parametrize(("settings", "message"), [
    ({"ALERT_WEBHOOK_URL": "http://x/\nreceivers: []"}, "control character"),
    ({"ALERT_WEBHOOK_URL": "ftp://x/"}, "http:// or https://"),
    ({"ALERT_WEBHOOK_URL": "http://x/", "ALERT_WEBHOOK_TYPE": "teams"},
     "webhook, slack or discord"),
    ({"ALERT_SMTP_TO": "me@example.test", "ALERT_SMTP_FROM": "a@example.test"},
     "ALERT_SMTP_SMARTHOST"),
    ({"ALERT_SMTP_TO": "me@example.test", "ALERT_SMTP_FROM": "a@example.test",
      "ALERT_SMTP_SMARTHOST": "mail.example.test"}, "host:port"),
    ({"ALERT_GROUP_WAIT": "soon"}, "duration"),
])
def test_bad_settings_are_refused_without_writing_a_file(
    tmp_path, settings: dict[str, str], message: str
) -> None:
    result, config = render(tmp_path, **settings)
    assert result.returncode == 2
    assert message in result.stderr
    assert not config.exists()


BUSYBOX = shutil.which("busybox")
BUSYBOX_APPLETS = ("sh", "tr", "sed", "mv", "printf", "cat", "dirname")


@pytest.mark.skipif(BUSYBOX is None, reason="busybox (Debian package busybox)")
def test_the_official_images_busybox_renders_the_same(tmp_path) -> None:
    """prom/alertmanager has busybox's sh, tr and sed only: with nothing else on PATH the
    script writes the same file as under dash, and still refuses a newline."""
    assert BUSYBOX
    applets = tmp_path / "bin"
    applets.mkdir()
    for name in BUSYBOX_APPLETS:
        (applets / name).symlink_to(BUSYBOX)
    settings = {"ALERT_WEBHOOK_URL": 'https://ntfy.example.test/tópic?template=alertmanager&x="\\',
                "ALERT_SMTP_TO": "me@example.test", "ALERT_SMTP_FROM": "lb@example.test",
                "ALERT_SMTP_SMARTHOST": "mail.example.test:465", "ALERT_SMTP_USERNAME": "me",
                "ALERT_SMTP_PASSWORD": "p\\a\"ss$1"}
    (tmp_path / "dash").mkdir()
    dash, dash_config = render(tmp_path / "dash", **settings)
    assert dash.returncode == 0, dash.stderr

    def busybox(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(applets / "sh"), str(RENDER), str(out)],
                              env={"PATH": str(applets), **env}, capture_output=True, text=True,
                              timeout=30, check=False)

    result = busybox(tmp_path / "busybox.yml", **settings)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "busybox.yml").read_text() == dash_config.read_text()
    refused = busybox(tmp_path / "refused.yml", ALERT_WEBHOOK_URL="http://x/\nreceivers: []")
    assert refused.returncode == 2 and "control character" in refused.stderr


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h)", duration))


def test_ocr_worker_down_is_notified_within_two_minutes_in_production(tmp_path) -> None:
    """Worst case from the stop to the notification: one scrape interval to notice, the rule's
    `for`, one evaluation interval, then Alertmanager's group_wait (the defaults)."""
    prometheus = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())["global"]
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())["groups"]
    rule = next(r for g in rules for r in g["rules"] if r.get("alert") == "OcrWorkerDown")
    result, config = render(tmp_path)
    assert result.returncode == 0, result.stderr
    group_wait = yaml.safe_load(config.read_text())["route"]["group_wait"]
    worst = (_seconds(prometheus["scrape_interval"]) + _seconds(rule["for"])
             + _seconds(prometheus["evaluation_interval"]) + _seconds(group_wait))
    assert worst <= 120, f"OcrWorkerDown may take {worst:.0f} s to reach a person"


# ------------------------------------------------------------------------ the live path
class Receiver:
    """A webhook receiver on 127.0.0.1: every JSON body posted to it, in order."""

    def __init__(self) -> None:
        self.posts: queue.Queue[dict[str, Any]] = queue.Queue()
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                posts.put(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, status: str, labels: dict[str, str],
                 timeout: float) -> tuple[dict[str, Any], dict[str, Any], float]:
        """The first post carrying an alert in that status with those labels: the post, the
        alert, and the seconds it took to come."""
        start = time.monotonic()
        deadline = start + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                post = self.posts.get(timeout=left)
            except queue.Empty:
                break
            for alert in post.get("alerts", []):
                if alert["status"] == status and labels.items() <= alert["labels"].items():
                    return post, alert, time.monotonic() - start
        raise AssertionError(f"no {status} notification of {labels} within {timeout:.0f} s")

    def next_post(self, timeout: float) -> dict[str, Any]:
        try:
            return self.posts.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing was posted within {timeout:.0f} s") from None

    def drain(self) -> None:
        while not self.posts.empty():
            self.posts.get_nowait()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    try:
        yield rec
    finally:
        rec.close()


class Processes:
    """Programs started by a test, each in its own process group, stopped at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str]) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.started.append((name, proc))

    def logs(self) -> str:
        tails = []
        for name, _ in self.started:
            text = (self.log_dir / f"{name}.log").read_text(errors="replace")
            tails.append(f"---- {name} ----\n{text[-3000:]}")
        return "\n".join(tails)

    def stop_all(self) -> None:
        for _, proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, ValueError, KeyError):  # not up yet, or not answering JSON yet
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class SmtpSink:
    """The few SMTP commands Alertmanager sends, on 127.0.0.1 (no TLS, no login): every
    message it delivers, as text."""

    def __init__(self) -> None:
        self.messages: queue.Queue[str] = queue.Queue()
        messages = self.messages

        class Session(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                def say(line: str) -> None:
                    self.wfile.write(line.encode() + b"\r\n")

                say("220 sink ESMTP")
                while raw := self.rfile.readline():
                    verb = raw.decode(errors="replace").strip().split(" ")[0].upper()
                    if verb == "EHLO":
                        say("250-sink")
                        say("250 8BITMIME")
                    elif verb == "DATA":
                        say("354 end with .")
                        body = []
                        while (line := self.rfile.readline()) not in (b".\r\n", b""):
                            body.append(line.decode(errors="replace"))
                        messages.put("".join(body))
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:   # HELO, MAIL, RCPT, RSET, NOOP
                        say("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_alertmanager(procs: Processes, config: Path, data: Path, port: int) -> str:
    assert ALERTMANAGER
    procs.start("alertmanager", [
        ALERTMANAGER, f"--config.file={config}", f"--storage.path={data}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
    ])
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/-/ready", timeout=5).is_success, "alertmanager")
    return url


FAST = {"ALERT_GROUP_WAIT": "1s", "ALERT_GROUP_INTERVAL": "1s", "ALERT_REPEAT_INTERVAL": "1h"}
TEST_ALERT = {
    "labels": {"alertname": "OcrWorkerDown", "job": "ocr-worker", "severity": "critical"},
    "annotations": {"summary": "OCR worker is down", "description": "no scrape for a minute"},
}


@pytest.mark.slow
@pytest.mark.skipif(ALERTMANAGER is None, reason="alertmanager (Debian: prometheus-alertmanager)")
@pytest.mark.parametrize("kind", ["webhook", "slack", "discord"])
def test_each_webhook_type_posts_the_body_its_service_reads(
    tmp_path: Path, receiver: Receiver, free_tcp_ports, kind: str
) -> None:
    """What Alertmanager really posts for each ALERT_WEBHOOK_TYPE: its own JSON, a Slack
    message (`attachments` with title and text), a Discord message (`embeds`)."""
    (port,) = free_tcp_ports(1)
    result, config = render(tmp_path, ALERT_WEBHOOK_URL=receiver.url, ALERT_WEBHOOK_TYPE=kind,
                            **FAST)
    assert result.returncode == 0, result.stderr
    procs = Processes(tmp_path)
    try:
        url = start_alertmanager(procs, config, tmp_path / "data", port)
        httpx.post(f"{url}/api/v2/alerts", json=[TEST_ALERT], timeout=10).raise_for_status()
        post = receiver.next_post(WAIT_SECONDS)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{procs.logs()}") from None
    finally:
        procs.stop_all()
    if kind == "webhook":
        assert post["status"] == "firing"
        assert post["alerts"][0]["annotations"]["summary"] == "OCR worker is down"
    elif kind == "slack":
        (attachment,) = post["attachments"]
        assert "FIRING" in attachment["title"] and "OcrWorkerDown" in attachment["title"]
        assert attachment["text"] == "*OCR worker is down*: no scrape for a minute\n"
    else:
        (embed,) = post["embeds"]
        assert "FIRING" in embed["title"] and "OcrWorkerDown" in embed["title"]
        assert "no scrape for a minute" in embed["description"]


@pytest.mark.slow
@pytest.mark.skipif(ALERTMANAGER is None, reason="alertmanager (Debian: prometheus-alertmanager)")
def test_smtp_receiver_sends_the_alert_by_mail(tmp_path: Path, free_tcp_ports) -> None:
    (port,) = free_tcp_ports(1)
    sink = SmtpSink()
    result, config = render(tmp_path, ALERT_SMTP_TO="me@example.test",
                            ALERT_SMTP_FROM="lifeboard@example.test",
                            ALERT_SMTP_SMARTHOST=sink.address, ALERT_SMTP_REQUIRE_TLS="false",
                            **FAST)
    assert result.returncode == 0, result.stderr
    procs = Processes(tmp_path)
    try:
        url = start_alertmanager(procs, config, tmp_path / "data", port)
        httpx.post(f"{url}/api/v2/alerts", json=[TEST_ALERT], timeout=10).raise_for_status()
        try:
            message = sink.messages.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            raise AssertionError(f"no mail within {WAIT_SECONDS} s\n{procs.logs()}") from None
    finally:
        procs.stop_all()
        sink.close()
    assert "To: me@example.test" in message
    assert re.search(r"^Subject: .*FIRING.*OcrWorkerDown", message, re.M)
    assert "OCR worker is down" in message


def fast_prometheus_config(out_dir: Path, ocr_port: int, alertmanager_port: int) -> Path:
    """prometheus.yml and alerts.yml as shipped, with 1 s intervals, loopback targets and the
    OcrWorkerDown `for` shortened; nothing else changes."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    (ocr_job,) = [j for j in config["scrape_configs"] if j["job_name"] == "ocr-worker"]
    ocr_job["static_configs"] = [{"targets": [f"127.0.0.1:{ocr_port}"]}]
    config["scrape_configs"] = [ocr_job]   # only the worker runs in this test
    (manager,) = config["alerting"]["alertmanagers"]
    assert manager["static_configs"] == [{"targets": ["alertmanager:9093"]}]
    manager["static_configs"] = [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    (rule,) = [r for g in rules["groups"] for r in g["rules"] if r.get("alert") == "OcrWorkerDown"]
    rule["for"] = "3s"
    (out_dir / "alerts.yml").write_text(yaml.safe_dump(rules))
    path = out_dir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _native(native_stack_script, state: Path, env: Mapping[str, str], *args: str):
    result = native_stack_script(state, *args, timeout=120, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.slow
@pytest.mark.skipif(PROMETHEUS is None or ALERTMANAGER is None,
                    reason="prometheus and alertmanager (Debian: prometheus-alertmanager)")
def test_stopped_ocr_worker_reaches_a_webhook_and_so_does_its_recovery(
    tmp_path: Path, receiver: Receiver, native_stack_script, free_tcp_ports
) -> None:
    assert PROMETHEUS and ALERTMANAGER
    ocr_port, prometheus_port, alertmanager_port = free_tcp_ports(3)
    state = tmp_path / "native"
    worker_env = {"NATIVE_OCR_PORT": str(ocr_port), "OCR_WORKERS": "1"}
    am_dir = tmp_path / "alertmanager"
    prom_dir = tmp_path / "prometheus"
    am_dir.mkdir()
    prom_dir.mkdir()
    result, am_config = render(am_dir, ALERT_WEBHOOK_URL=receiver.url, **FAST)
    assert result.returncode == 0, result.stderr
    prom_config = fast_prometheus_config(prom_dir, ocr_port, alertmanager_port)
    procs = Processes(tmp_path)
    prom_url = f"http://127.0.0.1:{prometheus_port}"

    def ocr_target_up() -> bool:
        targets = httpx.get(f"{prom_url}/api/v1/targets", timeout=5).json()["data"]
        return [t["health"] for t in targets["activeTargets"]] == ["up"]

    try:
        _native(native_stack_script, state, worker_env, "start", "ocr-worker")
        start_alertmanager(procs, am_config, am_dir / "data", alertmanager_port)
        procs.start("prometheus", [
            PROMETHEUS, f"--config.file={prom_config}", f"--storage.tsdb.path={prom_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}", "--rules.alert.resend-delay=1s",
        ])
        wait_until(ocr_target_up, "Prometheus to scrape the running OCR worker")
        receiver.drain()

        stopping = time.monotonic()
        _native(native_stack_script, state, worker_env, "stop", "ocr-worker")
        # (A starting Prometheus may have fired absent(up) before its first scrape: the alert
        # looked for is the stopped worker's, with its instance.)
        worker = {"alertname": "OcrWorkerDown", "instance": f"127.0.0.1:{ocr_port}"}
        firing, alert, _ = receiver.wait_for("firing", worker, WAIT_SECONDS)
        to_fire = time.monotonic() - stopping
        assert alert["labels"]["severity"] == "critical"
        assert alert["labels"]["job"] == "ocr-worker"
        assert alert["annotations"]["summary"] == "OCR worker is down"
        assert firing["receiver"] == "lifeboard"

        starting = time.monotonic()
        _native(native_stack_script, state, worker_env, "start", "ocr-worker")
        resolved, _, _ = receiver.wait_for("resolved", worker, WAIT_SECONDS)
        to_resolve = time.monotonic() - starting
        assert resolved["status"] == "resolved"
        print(f"\nOcrWorkerDown: notified {to_fire:.1f} s after `stop` began (rule `for` 3 s), "
              f"resolved {to_resolve:.1f} s after `start` began")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{procs.logs()}") from None
    finally:
        native_stack_script(state, "down", timeout=60, **worker_env)
        procs.stop_all()
