"""python -m app.cli: the command registry, migrations and the category table commands."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import COMMANDS, build_parser, main

CORE = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli_db(core_db_url, monkeypatch) -> Iterator[str]:
    """`main([...])` runs against the test database (settings re-read from the environment)."""
    from app.core.config import get_settings

    monkeypatch.setenv("DATABASE_URL", core_db_url)
    get_settings.cache_clear()
    yield core_db_url
    get_settings.cache_clear()


def test_help_lists_the_core_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"], cwd=CORE, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("migrate", "create-db", "jobs", "reprocess", "work", "categories"):
        assert name in result.stdout and name in COMMANDS


# Every command with its arguments, in `--help` order: scripts and docs call these.
COMMAND_LINE = {
    "migrate": ["revision"],
    "create-db": [],
    "jobs": ["--status", "--limit"],
    "reprocess": ["receipt_ids", "--all-failed", "--force", "--discard-corrections"],
    "work": ["--once"],
    "categories": [
        {"list": [], "seed": [], "set": ["keyword", "category"], "delete": ["keyword"],
         "recategorize": []},
    ],
    "fit-sync": ["--days"],
    "google-token-import": ["file", "--provider"],
    "import-takeout": ["path"],
    "import-health-connect": ["file"],
    "export": ["what", "--from", "--to", "-o/--output"],
    "upload": ["paths", "--url", "--token", "--wait", "--timeout"],
}


def _arguments(parser: argparse.ArgumentParser) -> list:
    found: list = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.append({name: _arguments(sub) for name, sub in action.choices.items()})
        elif not isinstance(action, argparse._HelpAction):
            found.append("/".join(action.option_strings) or action.dest)
    return found


def test_the_commands_and_their_arguments_stay_as_they_are() -> None:
    [commands] = _arguments(build_parser())
    assert list(commands) == list(COMMAND_LINE)
    assert commands == COMMAND_LINE


def test_cli_commands_are_small_top_level_functions() -> None:
    """One module per area, made of small functions: no long bodies, no closures."""
    modules = sorted((CORE / "app" / "cli").glob("*.py"))
    assert len(modules) > 5
    too_long, nested = [], []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.end_lineno - node.lineno >= 30:
                too_long.append(f"{path.name}:{node.name}")
            nested += [f"{path.name}:{node.name}.{inner.name}" for inner in ast.walk(node)
                       if inner is not node
                       and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert too_long == [] and nested == []


def test_unknown_command_is_a_usage_error() -> None:
    try:
        build_parser().parse_args(["no-such-command"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse accepted an unknown command")


def test_categories_set_seed_and_recategorize(cli_db, clean_db, capsys) -> None:
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
    assert main(["categories", "delete", "kombucha"]) == 1  # not there any more
    assert "kombucha" in capsys.readouterr().err
    assert main(["categories", "set", "foo", "notacategory"]) == 2
    assert "notacategory" in capsys.readouterr().err
    assert main(["categories", "seed"]) == 0  # defaults are all there already
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"added": []}
    assert main(["jobs"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0]) == {"counts": {}}

def test_user_corrections_survive_recategorize_and_block_forced_reprocess(
    cli_db, api, parsed_receipt, clean_db, capsys
) -> None:
    receipt_id = parsed_receipt()
    untouched = parsed_receipt()
    corrected = parsed_receipt()  # a receipt-level correction counts too
    assert api.patch(f"/api/v1/receipts/{corrected}", json={"shop": "Lidl"}).status_code == 200
    milk = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"][0]
    assert milk["category"] == "dairy"
    url = f"/api/v1/receipts/{receipt_id}/items/{milk['id']}"
    assert api.patch(url, json={"category": "drinks"}).status_code == 200
    with clean_db() as session:  # uncorrected items (3 receipts) to fix
        session.execute(text("UPDATE receipt_items SET category = 'other' "
                             "WHERE name = 'Chleb żytni'"))
        session.commit()

    assert main(["categories", "recategorize"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {"changed": 3}
    items = api.get(f"/api/v1/receipts/{receipt_id}").json()["items"]
    assert [i["category"] for i in items] == ["drinks", "bread", "alcohol"]

    assert main(["reprocess", "--force", untouched]) == 0  # nothing corrected there
    assert main(["reprocess", "--force", receipt_id]) == 1
    assert receipt_id in capsys.readouterr().err
    assert api.get(f"/api/v1/receipts/{receipt_id}").json()["status"] == "done"
    assert main(["reprocess", "--force", "--discard-corrections", receipt_id]) == 0
    assert api.get(f"/api/v1/receipts/{receipt_id}").json()["status"] == "pending"
    assert main(["reprocess", "--force", corrected]) == 1


@pytest.mark.filterwarnings("error")  # also a connection left open (ResourceWarning)
def test_jobs_lists_counts_and_jobs_without_warnings(cli_db, parsed_receipt, capsys) -> None:
    import gc

    receipt_id = parsed_receipt()
    assert main(["jobs"]) == 0
    gc.collect()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"counts": {"done": 1}}
    assert lines[1]["receipt_id"] == receipt_id and lines[1]["status"] == "done"



# --- a database that is unreachable or fails: one line on stderr, exit 1, no traceback ------
UNREACHABLE = "postgresql+psycopg://lifeboard@127.0.0.1:9/lifeboard"  # discard port: refused


@pytest.fixture
def no_database(monkeypatch) -> Iterator[None]:
    from app.core.config import get_settings

    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate"],
        ["create-db"],
        ["jobs"],
        ["reprocess", "--all-failed"],
        ["categories", "list"],
        ["export", "transactions"],
        ["export", "items", "-o", "OUT"],
    ],
)
def test_an_unreachable_database_is_one_line_and_exit_1(
    no_database, argv, tmp_path, capsys
) -> None:
    argv = [str(tmp_path / "x.csv") if arg == "OUT" else arg for arg in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"python -m app.cli {argv[0]}: database unavailable"), err
    assert "Connection refused" in err or "connection" in err.lower()
    assert not list(tmp_path.iterdir())  # no partial export left behind


def test_a_failing_statement_is_one_line_and_exit_1(core_db_url, monkeypatch, capsys) -> None:
    from sqlalchemy.engine import make_url

    from app.core.config import get_settings

    # reachable, without Lifeboard's tables: the export's query fails (read only, no harm)
    server_db = make_url(core_db_url).set(database="postgres")
    monkeypatch.setenv("DATABASE_URL", server_db.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert main(["export", "transactions"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("python -m app.cli export: database error:"), err
    assert "does not exist" in err


def test_the_real_command_prints_no_traceback(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": UNREACHABLE, "API_TOKEN": "t"}
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "export", "transactions"],
        cwd=CORE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1 and run.stdout == ""
    assert "Traceback" not in run.stderr and run.stderr.count("\n") == 1, run.stderr
