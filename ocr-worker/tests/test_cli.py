"""``python -m ocr_worker IMAGE...``: one JSON object per image, one per line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OCR_WORKER_DIR = Path(__file__).resolve().parents[1]


def test_cli_prints_one_json_line_per_image(tmp_path: Path, simple_receipt_png: bytes) -> None:
    good = tmp_path / "receipt.png"
    good.write_bytes(simple_receipt_png)
    bad = tmp_path / "notes.jpg"
    bad.write_text("just text", encoding="utf-8")
    # the worker's directory first; an inherited PYTHONPATH stays (the venv's .pth puts the shared
    # upload_formats on the path, a PYTHONPATH may too)
    path = [str(OCR_WORKER_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    result = subprocess.run(
        [sys.executable, "-m", "ocr_worker", str(good), str(bad)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stderr
    first, second = (json.loads(line) for line in lines)
    assert first["file"] == str(good)
    assert first["total"] == "11.97"
    assert first["shop"] == "Biedronka"
    assert second["error"] == "not_an_image"
    assert result.returncode == 1  # one of the images failed
