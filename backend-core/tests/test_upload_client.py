"""`python -m app.cli upload` against a scripted server: which files it takes, how it skips what
the server has, waits out 429 + Retry-After, reports refusals. (Through the real gateway and
core: tests/test_e2e_uploads.py.)"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest

from app.services import upload_client


class Server:
    """Answers like the API: knows some SHA-256s, rate-limits the first POSTs, refuses text."""

    def __init__(self, known: set[str] = frozenset(), limited_posts: int = 0) -> None:
        self.known = set(known)
        self.limited_posts = limited_posts
        self.posts: list[str] = []
        self.receipts: dict[str, dict] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Bearer good":
            return httpx.Response(401, json={"detail": "Invalid or missing API token"})
        if request.method == "GET" and request.url.path == "/api/v1/receipts":
            digest = request.url.params["sha256"]
            items = [{"id": str(uuid.uuid4()), "status": "done", "total": "1.00"}] \
                if digest in self.known else []
            return httpx.Response(200, json={"items": items, "total": len(items)})
        if request.method == "POST":
            if self.limited_posts:
                self.limited_posts -= 1
                return httpx.Response(429, headers={"Retry-After": "7"},
                                      json={"detail": "Too many requests"})
            body = request.read()
            name = body.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
            self.posts.append(name)
            if b"%PDF" not in body and b"\xff\xd8\xff" not in body:
                return httpx.Response(415, json={"detail": "the file is not a supported image"})
            receipt_id = str(uuid.uuid4())
            self.receipts[receipt_id] = {"id": receipt_id, "status": "done", "shop": "Biedronka",
                                         "date": "2026-11-30", "total": "12.34",
                                         "currency": "PLN", "needs_review": name == "b.pdf"}
            return httpx.Response(202, json={"id": receipt_id, "status": "pending",
                                             "duplicate": False})
        receipt_id = request.url.path.rsplit("/", 1)[1]
        return httpx.Response(200, json=self.receipts[receipt_id])


def client_for(server: Server, token: str = "good") -> httpx.Client:  # noqa: S107
    return httpx.Client(base_url="http://lifeboard.test", transport=httpx.MockTransport(server),
                        headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def shoebox(tmp_path: Path) -> Path:
    box = tmp_path / "shoebox"
    (box / "2024" / ".thumbnails").mkdir(parents=True)
    (box / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 photo a")
    (box / "2024" / "b.pdf").write_bytes(b"%PDF-1.7 receipt b")
    (box / "2024" / "c.heic").write_bytes(b"\x00\x00\x00\x18ftypheic receipt c")
    (box / "notes.txt").write_text("not a receipt")
    (box / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (box / "2024" / ".thumbnails" / "a.jpg").write_bytes(b"\xff\xd8\xff thumb")
    return box


def test_folders_give_their_receipt_files_only(shoebox: Path):
    files = upload_client.collect([shoebox, shoebox / "notes.txt"])
    names = sorted(p.relative_to(shoebox).as_posix() for p in files)
    # a named file is sent whatever it is (the server decides); in folders only receipt formats
    assert names == ["2024/b.pdf", "2024/c.heic", "a.jpg", "notes.txt"]
    with pytest.raises(FileNotFoundError):
        upload_client.collect([shoebox / "missing"])


def test_files_the_server_has_are_skipped_without_uploading(shoebox: Path):
    known = hashlib.sha256((shoebox / "a.jpg").read_bytes()).hexdigest()
    server = Server(known={known})
    rows = upload_client.upload_all(client_for(server), [shoebox / "a.jpg",
                                                         shoebox / "2024" / "b.pdf"])
    assert [r.outcome for r in rows] == ["skipped", "uploaded"]
    assert server.posts == ["b.pdf"]


def test_429_is_waited_out_as_retry_after_says(shoebox: Path, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(upload_client.time, "sleep", slept.append)
    server = Server(limited_posts=2)
    row = upload_client.upload_one(client_for(server), shoebox / "a.jpg")
    assert row.outcome == "uploaded"
    assert slept == [7.0, 7.0]
    assert server.posts == ["a.jpg"]


def test_a_refused_file_is_reported_with_the_servers_reason(shoebox: Path):
    row = upload_client.upload_one(client_for(Server()), shoebox / "notes.txt")
    assert row.outcome == "refused"
    assert row.detail.startswith("415: the file is not a supported image")


def test_a_wrong_token_stops_the_run(shoebox: Path):
    with pytest.raises(upload_client.Fatal, match="refused the API token"):
        upload_client.upload_one(client_for(Server(), token="bad"), shoebox / "a.jpg")


def test_wait_prints_a_table_with_done_needs_review_and_refused(shoebox: Path, capsys):
    server = Server()
    client = client_for(server)
    rows = upload_client.upload_all(client, [shoebox / "a.jpg", shoebox / "2024" / "b.pdf",
                                             shoebox / "notes.txt"])
    upload_client.follow(client, [r for r in rows if r.receipt_id], timeout=10)
    upload_client.print_table(rows, waited=True)
    out = capsys.readouterr().out
    lines = {line.split()[0].rsplit("/", 1)[-1]: line for line in out.splitlines()[1:-1]}
    assert "done" in lines["a.jpg"] and "12.34 PLN" in lines["a.jpg"]
    assert "needs review" in lines["b.pdf"]
    assert "refused" in lines["notes.txt"] and "415" in lines["notes.txt"]
    assert out.splitlines()[-1] == "summary: 1 done, 1 needs review, 1 refused (3 files)"


def test_the_command_exits_2_without_a_token(shoebox: Path, monkeypatch, capsys):
    from app import cli
    from app.core.config import get_settings

    monkeypatch.setenv("API_TOKEN", "")
    monkeypatch.setattr("app.core.config.Settings.model_config",
                        {**get_settings().model_config, "env_file": None})
    get_settings.cache_clear()
    try:
        assert cli.main(["upload", str(shoebox)]) == 2
    finally:
        get_settings.cache_clear()
    assert "no API token" in capsys.readouterr().err
