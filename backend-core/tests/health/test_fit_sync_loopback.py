"""`python -m app.cli fit-sync` end to end over real HTTP: a loopback server plays Google (token
endpoint via the grant's token_uri, Fit via GOOGLE_FIT_API_ENDPOINT). A 200-day backfill is
three aggregate requests; re-running does not duplicate days."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from zoneinfo import ZoneInfo

import googleapiclient.http
import pytest
from cryptography.fernet import Fernet
from google.oauth2 import credentials as google_credentials
from sqlalchemy import func, select

from app import cli
from app.core.config import get_settings
from app.core.db import session_scope
from app.models import Activity

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


def test_cli_backfill_over_loopback(db, core_db_url, google, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", core_db_url)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("HEALTH_PROVIDER", "fit")
    monkeypatch.setenv("GOOGLE_FIT_API_ENDPOINT", google + "/")
    monkeypatch.setenv("TZ", "Europe/Warsaw")
    # google-auth pins the token endpoint of authorized-user grants to Google's; point it here.
    monkeypatch.setattr(google_credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", google + "/token")
    get_settings.cache_clear()
    try:
        grant = tmp_path / "authorized_user.json"
        grant.write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": "cid",
                    "client_secret": "sec",
                    "refresh_token": "1//r",
                    "token_uri": google + "/token",
                }
            )
        )
        assert cli.main(["google-token-import", str(grant)]) == 0
        capsys.readouterr()

        assert cli.main(["fit-sync", "--days", "200"]) == 0
        out, err = capsys.readouterr()
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
        assert next(r for r in FakeGoogle.requests if r[1] == "/token")[2].startswith(
            b"grant_type=refresh_token"
        )

        FakeGoogle.requests = []
        assert cli.main(["fit-sync"]) == 0  # scheduled-style run: the last 7 days again
        rerun = json.loads(capsys.readouterr().out)
        assert rerun["start"] == str(today - timedelta(days=6))
        with session_scope(db) as session:
            total = session.scalar(select(func.count()).select_from(Activity))
            assert total == 200 - thirteenths
            assert (
                session.get(Activity, today - timedelta(days=1)) is not None
                or (today - timedelta(days=1)).day == 13
            )
        assert not any(p == "/token" for _, p, _ in FakeGoogle.requests)  # refreshed token reused
    finally:
        get_settings.cache_clear()


def test_unreachable_google_is_a_clean_failure(
    db, core_db_url, google, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("DATABASE_URL", core_db_url)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("GOOGLE_FIT_API_ENDPOINT", "http://127.0.0.1:9/")  # nothing listens
    backoffs: list[float] = []
    monkeypatch.setattr(googleapiclient.http.time, "sleep", backoffs.append)  # retries, no wait
    monkeypatch.setattr(google_credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", google + "/token")
    get_settings.cache_clear()
    try:
        grant = tmp_path / "authorized_user.json"
        grant.write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": "cid",
                    "client_secret": "sec",
                    "refresh_token": "1//r",
                }
            )
        )
        assert cli.main(["google-token-import", str(grant)]) == 0
        assert cli.main(["fit-sync", "--days", "3"]) == 1
        err = capsys.readouterr().err
        assert "cannot reach Google" in err and "Traceback" not in err
        assert len(backoffs) == 2  # the request was retried twice before giving up
        from app.models import HealthSyncState

        with session_scope(db) as session:
            assert "cannot reach Google" in session.get(HealthSyncState, "fit").last_error
    finally:
        get_settings.cache_clear()
