"""`python -m app.cli fit-sync` end to end over real HTTP: a loopback server plays Google (token
endpoint via the grant's token_uri, Fit via GOOGLE_FIT_API_ENDPOINT). A 200-day backfill is
three aggregate requests; re-running does not duplicate days."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
from google.oauth2 import credentials as google_credentials
from sqlalchemy import func, select

from app.core.db import session_scope
from app.models import Activity, HealthSyncState
from app.services.health import request_retry

WARSAW = ZoneInfo("Europe/Warsaw")


class FakeGoogle(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str, bytes]]] = []

    def log_message(self, *args):
        pass

    def _reply(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        FakeGoogle.requests.append(("GET", self.path, b""))
        self._reply({"session": []})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        FakeGoogle.requests.append(("POST", self.path, body))
        if self.path == "/token":
            self._reply({"access_token": "fresh", "expires_in": 3600, "token_type": "Bearer"})
            return
        request = json.loads(body)
        start = int(request["startTimeMillis"])
        end = int(request["endTimeMillis"])
        buckets = []
        day = datetime.fromtimestamp(start / 1000, WARSAW).date()
        while (
            ms := int(datetime.combine(day, datetime.min.time(), WARSAW).timestamp() * 1000)
        ) < end:
            next_ms = int(
                datetime.combine(day + timedelta(days=1), datetime.min.time(), WARSAW).timestamp()
                * 1000
            )
            points = (
                [{"value": [{"intVal": 1000 + day.toordinal() % 1000}]}] if day.day != 13 else []
            )
            buckets.append(
                {
                    "startTimeMillis": str(ms),
                    "endTimeMillis": str(next_ms),
                    "dataset": [{"point": points}] + [{"point": []}] * 6,
                }
            )
            day += timedelta(days=1)
        self._reply({"bucket": buckets})


@pytest.fixture
def google():
    FakeGoogle.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGoogle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_cli(run_cli, google, monkeypatch):
    """run_cli with Google's token endpoint on the loopback server (google-auth pins the token
    endpoint of authorized-user grants to Google's own; the test moves it here)."""
    monkeypatch.setattr(google_credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", google + "/token")
    return run_cli


def test_cli_backfill_over_loopback(loopback_cli, db, google, grant_file, monkeypatch):
    monkeypatch.setenv("GOOGLE_FIT_API_ENDPOINT", google + "/")
    assert loopback_cli("google-token-import", str(grant_file))[0] == 0

    code, out, err = loopback_cli("fit-sync", "--days", "200")
    assert code == 0, err
    result = json.loads(out)
    today = datetime.now(WARSAW).date()
    assert result["start"] == str(today - timedelta(days=199))
    assert result["end"] == str(today + timedelta(days=1))
    thirteenths = sum(1 for i in range(200) if (today - timedelta(days=i)).day == 13)
    assert result["rows_written"] == 200 - thirteenths  # empty days are not rows
    assert "200/200" in err  # tqdm progress bar reached the end

    aggregates = [
        json.loads(b)
        for m, p, b in FakeGoogle.requests
        if p.startswith("/fitness/v1/users/me/dataset:aggregate?")
    ]
    assert len(aggregates) == 3  # 90 + 90 + 20 days
    token_request = next(r for r in FakeGoogle.requests if r[1] == "/token")
    assert token_request[2].startswith(b"grant_type=refresh_token")

    FakeGoogle.requests = []
    code, out, err = loopback_cli("fit-sync")  # scheduled-style run: the last 7 days again
    assert code == 0, err
    assert json.loads(out)["start"] == str(today - timedelta(days=6))
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 200 - thirteenths
    assert not any(p == "/token" for _, p, _ in FakeGoogle.requests)  # refreshed token reused


def test_unreachable_google_is_a_clean_failure(loopback_cli, db, grant_file, monkeypatch):
    monkeypatch.setenv("GOOGLE_FIT_API_ENDPOINT", "http://127.0.0.1:9/")  # nothing listens
    backoffs: list[float] = []
    monkeypatch.setattr(request_retry.time, "sleep", backoffs.append)  # retries, no wait
    monkeypatch.setenv("HEALTH_SYNC_MAX_ATTEMPTS", "3")
    assert loopback_cli("google-token-import", str(grant_file))[0] == 0

    code, _, err = loopback_cli("fit-sync", "--days", "3")
    assert code == 1
    assert "cannot reach Google" in err and "Traceback" not in err
    assert len(backoffs) == 2  # the request was retried twice before giving up
    with session_scope(db) as session:
        assert "cannot reach Google" in session.get(HealthSyncState, "fit").last_error
