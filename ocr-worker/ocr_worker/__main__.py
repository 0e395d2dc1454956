"""``python -m ocr_worker IMAGE...``: one JSON object per image, one per line on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ocr_worker.config import get_settings
from ocr_worker.errors import InputError
from ocr_worker.ocr import OcrError
from ocr_worker.pipeline import process_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr_worker", description=__doc__)
    parser.add_argument("images", nargs="+", type=Path, help="receipt image files")
    parser.add_argument("--debug", action="store_true", help="include the OCR lines")
    args = parser.parse_args(argv)
    settings = get_settings()
    failures = 0
    for path in args.images:
        record: dict[str, object] = {"file": str(path)}
        try:
            record.update(process_image(path.read_bytes(), settings, debug=args.debug))
        except OSError as exc:
            record.update({"error": "unreadable_file", "message": str(exc)})
        except (InputError, OcrError) as exc:
            code = exc.code if isinstance(exc, InputError) else "ocr_failed"
            record.update({"error": code, "message": str(exc)})
        if "error" in record:
            failures += 1
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
