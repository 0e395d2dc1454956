"""python -m app.cli: the command registry, migrations and the category table commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from app.cli import COMMANDS, build_parser, main

CORE = Path(__file__).resolve().parents[1]


def test_help_lists_the_core_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"], cwd=CORE, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("migrate", "create-db", "jobs", "reprocess", "work", "categories"):
        assert name in result.stdout and name in COMMANDS


def test_unknown_command_is_a_usage_error() -> None:
    try:
        build_parser().parse_args(["no-such-command"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted an unknown command")


def test_categories_set_seed_and_recategorize(core_db_url, clean_db, monkeypatch, capsys) -> None:
    from app.core.config import get_settings

    monkeypatch.setenv("DATABASE_URL", core_db_url)
    get_settings.cache_clear()
    try:
        with clean_db() as session:
            session.execute(text(
                "INSERT INTO receipts (id, sha256, content_type, image) "
                "VALUES ('00000000-0000-0000-0000-000000000001', 'x', 'image/png', '')"
            ))
            session.execute(text(
                "INSERT INTO receipt_items (receipt_id, position, name, category) "
                "VALUES ('00000000-0000-0000-0000-000000000001', 1, 'Kombucha Imbir', 'other')"
            ))
            session.commit()
        assert main(["categories", "set", "Kombucha", "drinks"]) == 0
        assert main(["categories", "recategorize"]) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"changed": 1}
        with clean_db() as session:
            assert session.scalar(text("SELECT category FROM receipt_items")) == "drinks"
        assert main(["categories", "delete", "kombucha"]) == 0
        assert main(["categories", "seed"]) == 0  # defaults are all there already
        assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"added": []}
        assert main(["jobs"]) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[0]) == {"counts": {}}
    finally:
        get_settings.cache_clear()
