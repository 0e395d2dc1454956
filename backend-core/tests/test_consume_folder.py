"""The consume folder: a file dropped in is uploaded once and moved to done/ or failed/ (with the
reason beside it); half-written and temporary files wait; the watcher runs in the core's
lifespan when CONSUME_DIR is set."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Receipt
from app.services.consume_folder import ConsumeFolder


@pytest.fixture
def folder(tmp_path: Path, clean_db) -> ConsumeFolder:
    root = tmp_path / "consume"
    root.mkdir()
    return ConsumeFolder(root=root, settle_seconds=0, max_bytes=2 << 20, max_pixels=10**7,
                         max_attempts=3, sessions=clean_db)


def receipts(sessions) -> list[Receipt]:
    with sessions() as session:
        return list(session.scalars(select(Receipt).order_by(Receipt.created_at)))


def two_scans(folder: ConsumeFolder):
    """A file is taken on the second scan that sees it unchanged."""
    assert folder.scan_once() == []
    return folder.scan_once()


def test_a_dropped_photo_is_uploaded_once_and_moved_to_done(folder, clean_db,
                                                            make_receipt_image):
    data = make_receipt_image()
    (folder.root / "shop.jpg").write_bytes(data)
    (folder.root / "box" / "2019").mkdir(parents=True)
    (folder.root / "box" / "2019" / "old.png").write_bytes(make_receipt_image(fmt="PNG"))
    outcomes = two_scans(folder)
    assert sorted(o.path.relative_to(folder.root).as_posix() for o in outcomes) == [
        "done/old.png", "done/shop.jpg"]
    assert all(o.accepted and o.receipt_id for o in outcomes)
    assert not (folder.root / "shop.jpg").exists()
    stored = receipts(clean_db)
    assert sorted(r.filename for r in stored) == ["old.png", "shop.jpg"]
    assert all(r.status == "pending" for r in stored)
    assert folder.scan_once() == [] and folder.scan_once() == []  # done/ is not consumed again


def test_the_same_bytes_again_make_no_second_receipt(folder, clean_db, make_receipt_image):
    data = make_receipt_image()
    (folder.root / "a.jpg").write_bytes(data)
    two_scans(folder)
    (folder.root / "a.jpg").write_bytes(data)  # dropped again, same name
    outcome, = two_scans(folder)
    assert outcome.accepted and outcome.path.name == "a-1.jpg"
    with clean_db() as session:
        assert session.scalar(select(func.count()).select_from(Receipt)) == 1


def test_a_refused_file_goes_to_failed_with_the_reason_beside_it(folder, clean_db):
    (folder.root / "notes.txt").write_text("milk, bread\n")
    (folder.root / "scan.pdf").write_bytes(b"%PDF-1.7\nbroken")
    (folder.root / "huge.jpg").write_bytes(b"\xff\xd8\xff" + b"\0" * (3 << 20))
    outcomes = {o.path.name: o for o in two_scans(folder)}
    assert set(outcomes) == {"notes.txt", "scan.pdf", "huge.jpg"}
    failed = folder.root / "failed"
    assert (failed / "notes.txt.reason.txt").read_text().startswith("415: ")
    assert "PDF" in (failed / "scan.pdf.reason.txt").read_text()
    assert (failed / "huge.jpg.reason.txt").read_text().startswith("413: ")
    assert not any(o.accepted for o in outcomes.values())
    assert receipts(clean_db) == []


def test_half_written_and_temporary_files_wait(folder, make_receipt_image):
    data = make_receipt_image()
    growing = folder.root / "phone.jpg"
    growing.write_bytes(data[:1000])
    for name in (".hidden.jpg", "upload.jpg.part", "x.tmp", "y.crdownload", "z.jpg~"):
        (folder.root / name).write_bytes(data)
    assert folder.scan_once() == []
    with growing.open("ab") as file:  # the copy goes on between two scans
        file.write(data[1000:])
    assert folder.scan_once() == []
    outcome, = folder.scan_once()
    assert outcome.path.name == "phone.jpg" and outcome.accepted
    assert sorted(p.name for p in folder.root.iterdir() if p.is_file()) == sorted(
        [".hidden.jpg", "upload.jpg.part", "x.tmp", "y.crdownload", "z.jpg~"])


def test_a_file_must_be_settled_for_a_while(folder, make_receipt_image):
    folder.settle_seconds = 60
    path = folder.root / "fresh.jpg"
    path.write_bytes(make_receipt_image())
    assert two_scans(folder) == []
    old = time.time() - 120
    os.utime(path, (old, old))
    assert two_scans(folder)[0].accepted


def test_an_unwritable_folder_is_reported_not_crashed_on(folder, caplog, monkeypatch,
                                                         make_receipt_image):
    (folder.root / "a.jpg").write_bytes(make_receipt_image())
    monkeypatch.setattr("app.services.consume_folder.os.access", lambda path, mode: False)
    assert two_scans(folder) == []
    assert "not writable" in caplog.text
    assert caplog.text.count("not writable") == 1  # said once, not every few seconds
    assert (folder.root / "a.jpg").exists()


def test_the_core_watches_consume_dir(tmp_path, settings_for, clean_db, make_receipt_image):
    from fastapi.testclient import TestClient

    from app.main import create_app

    consume = tmp_path / "consume"
    consume.mkdir()
    settings = settings_for(job_worker_enabled=True, consume_dir=consume,
                            consume_poll_seconds=0.05, consume_settle_seconds=0)
    with TestClient(create_app(settings)):
        (consume / "dropped.jpg").write_bytes(make_receipt_image())
        deadline = time.monotonic() + 20
        while not (consume / "done" / "dropped.jpg").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert (consume / "done" / "dropped.jpg").exists()
    assert [r.filename for r in receipts(clean_db)] == ["dropped.jpg"]


def test_consume_dir_is_off_unless_set(settings_for):
    assert settings_for().consume_dir is None
