"""One Tesseract pass over a prepared receipt image: lines of text plus word confidences.

Tesseract runs in this process through its C++ API (tesserocr) with ``-l OCR_LANG --oem 1
--psm 6``: the LSTM engine reading the slip as one uniform block of text, which measured best
on receipts; a few symbols that never occur on receipts are blacklisted. Each worker process
keeps one initialised engine per thread and language, so the models are loaded once, not on
every call: in the benchmark that alone cut the CPU time of a pass to about 0.6 of starting the
``tesseract`` program for it (model loading, and the image written out and read back). The
engine is single-threaded (the bundled library is built without OpenMP; ``OMP_THREAD_LIMIT=1``
is kept for any Tesseract a deployment swaps in): one worker process per core scales.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"  # before the library loads

import tesserocr
from PIL import Image

DEFAULT_LANG = "pol+eng+deu"
#: Symbols never printed on receipts that the LSTM likes to see in "=" and the VAT letter C
#: (`3 x 1,22 © 3,66 ¢`); forbidding them lifted item F1 on the tuning sets from 0.964 to 0.975.
NEVER_ON_RECEIPTS = "©¢®™§«»"
PAGE_SEGMENTATION = tesserocr.PSM.SINGLE_BLOCK  # --psm 6
ENGINE_MODE = tesserocr.OEM.LSTM_ONLY  # --oem 1
#: Where Debian's tesseract-ocr-* packages put the models (container and test machine alike).
DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
_TSV_COLUMNS = 12  # level page block par line word left top width height conf text


class OcrError(RuntimeError):
    """Tesseract failed or ran out of time (transient: the caller may retry)."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0..100
    left: int
    top: int
    width: int
    height: int
    line: int  # index into OcrText.lines


@dataclass
class OcrText:
    lines: list[str] = field(default_factory=list)
    words: list[OcrWord] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float:
        """Mean word confidence (0..100); 0 when nothing was read."""
        if not self.words:
            return 0.0
        return sum(w.confidence for w in self.words) / len(self.words)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def line_box(self, index: int) -> tuple[int, int]:
        """Top and bottom pixel row of line ``index`` (its words' boxes)."""
        words = [w for w in self.words if w.line == index]
        return min(w.top for w in words), max(w.top + w.height for w in words)

    def line_rect(self, index: int) -> tuple[int, int, int, int]:
        """Left, top, right and bottom pixel of line ``index``'s words."""
        words = [w for w in self.words if w.line == index]
        top, bottom = self.line_box(index)
        return min(w.left for w in words), top, max(w.left + w.width for w in words), bottom


def ocr_lang() -> str:
    return os.environ.get("OCR_LANG", "").strip() or DEFAULT_LANG


def tessdata_dir() -> str:
    """TESSDATA_PREFIX when set (Tesseract's own variable), else Debian's model folder."""
    return os.environ.get("TESSDATA_PREFIX", "").strip() or str(DEBIAN_TESSDATA)


_engines = threading.local()


def engine(lang: str) -> tesserocr.PyTessBaseAPI:
    """This thread's initialised Tesseract for ``lang`` (created on first use, then reused)."""
    cache: dict[tuple[str, str], tesserocr.PyTessBaseAPI] = _engines.__dict__.setdefault(
        "by_lang", {}
    )
    key = (tessdata_dir(), lang)
    if key not in cache:
        try:
            cache[key] = tesserocr.PyTessBaseAPI(
                path=key[0], lang=lang, oem=ENGINE_MODE, psm=PAGE_SEGMENTATION,
                variables={"tessedit_char_blacklist": NEVER_ON_RECEIPTS},
            )
        except RuntimeError as exc:
            raise OcrError(
                f"Tesseract failed: cannot load language {lang!r} from {key[0]} ({exc})"
            ) from exc
    return cache[key]


def tesseract_version() -> str:
    """Version of the Tesseract library, after proving the configured models load."""
    engine(ocr_lang())
    return str(tesserocr.tesseract_version()).split()[1]


def read_text(image: Image.Image, *, lang: str | None = None, timeout: float = 60.0) -> OcrText:
    """Run Tesseract once over ``image`` and group the words into lines, top to bottom."""
    api = engine(lang or ocr_lang())
    tsv = None
    try:
        api.SetImage(image)
        started = time.monotonic()
        if api.Recognize(timeout=max(1, round(timeout * 1000))):
            tsv = api.GetTSVText(0)
        seconds = time.monotonic() - started
    except RuntimeError as exc:  # tesserocr reports engine failures as RuntimeError
        raise OcrError(f"Tesseract failed: {exc}") from exc
    finally:
        api.Clear()
    if tsv is None:  # stopped by the deadline, or refused (e.g. wider than 32767 px)
        if seconds >= timeout:
            raise OcrError(f"Tesseract did not finish within {timeout:g} s")
        raise OcrError(f"Tesseract failed: it could not read this {image.width}x"
                       f"{image.height} image")
    return group_lines(tsv)


def group_lines(tsv: str) -> OcrText:
    """Words of Tesseract's TSV output (level 5 rows) grouped by (block, paragraph, line)."""
    result = OcrText()
    current: tuple[str, str, str] | None = None
    parts: list[str] = []
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < _TSV_COLUMNS or cells[0] != "5":
            continue
        text, conf = cells[11].strip(), float(cells[10])
        if not text or conf < 0:
            continue
        key = (cells[2], cells[3], cells[4])
        if key != current and parts:
            result.lines.append(" ".join(parts))
            parts = []
        current = key
        parts.append(text)
        left, top, width, height = (int(v) for v in cells[6:10])
        result.words.append(OcrWord(text, conf, left, top, width, height, len(result.lines)))
    if parts:
        result.lines.append(" ".join(parts))
    return result
