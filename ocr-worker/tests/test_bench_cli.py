"""`python -m bench` from ocr-worker/ starts with the options its READMEs show (the benchmark
itself is too slow for the suite): the generator it imports lives outside the worker package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

OCR_WORKER = Path(__file__).resolve().parents[1]
READMES = [
    OCR_WORKER / "bench" / "README.md",
    OCR_WORKER / "README.md",
    OCR_WORKER.parent / "README.md",
]


def documented_options() -> set[str]:
    options = set()
    for readme in READMES:
        for line in readme.read_text(encoding="utf-8").splitlines():
            for command in re.findall(
                r"python -m bench((?: +-[-\w]+(?: +[^\s`#-][^\s`]*)?)*)", line
            ):
                options.update(re.findall(r"(?<!\S)(-{1,2}[a-z][-a-z]*)", command))
    return options


def test_bench_starts_from_the_worker_folder_with_the_documented_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=OCR_WORKER,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    options = documented_options()
    assert {"--n", "--seed", "--dir", "--set", "--save", "--every", "--no-plain"} <= options
    missing = sorted(o for o in options if not re.search(rf"(?<![-\w]){o}\b", result.stdout))
    assert missing == [], f"the READMEs show options python -m bench lacks: {missing}"
