"""scripts/lib/envfile.py reads .env as Docker Compose does; `make up` (init-env.py), the native
stack and the upload benchmark all read it through this one parser."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "lib" / "envfile.py"
_spec = importlib.util.spec_from_file_location("envfile", SCRIPT)
assert _spec and _spec.loader
envfile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(envfile)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A=plain", "plain"),
        ("export A=exported", "exported"),
        ("  A=  blanks around  ", "blanks around"),
        ("A=value # a comment", "value"),
        ("A=no#comment", "no#comment"),
        ('A="quoted # not a comment"', "quoted # not a comment"),
        ('A="quoted"   # a comment after the quotes', "quoted"),
        ("A='single $HOME ${X}'", "single $HOME ${X}"),
        ('A="unterminated', '"unterminated'),
        ("A=", ""),
        ("A=a=b", "a=b"),
    ],
)
def test_a_value_is_read_as_compose_reads_it(tmp_path: Path, line: str, expected: str) -> None:
    env = tmp_path / ".env"
    env.write_text(f"# comment\n{line}\r\n", encoding="utf-8")
    assert envfile.read_env(env) == {"A": expected}


def test_the_command_prints_nul_separated_pairs_for_the_shell(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("A=1\nB=two words\nnot a pair\nA=3\nEMPTY=\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(env)], capture_output=True, check=True, timeout=30
    ).stdout
    assert out == b"A=3\0B=two words\0EMPTY=\0"


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "cannot read" in result.stderr
