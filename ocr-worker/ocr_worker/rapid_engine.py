"""Second OCR engine: RapidOCR (PP-OCRv4 text detection + recognition run by ONNX Runtime).

It reads real scanned receipts much better than Tesseract, so the pipeline falls back to it
when Tesseract's text does not parse. The models ship inside the pinned
``rapidocr-onnxruntime`` wheel (nothing is downloaded or written at run time). Each worker
thread keeps one loaded engine; ONNX Runtime is held to one thread per session (one worker
process per core is how the worker scales), and the angle classifier is off: the worker's
preprocessing already turns receipts upright.

RapidOCR returns one box per text segment ("Total:" and "9.00" apart on one row); the
segments are grouped into lines like Tesseract's so the parser reads both engines alike.
Known limits of the PP-OCRv4 model: no Polish/German diacritics (ą, ł, ü read as a, l, u),
and it often drops the spaces inside one segment ("SDNBHD").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from rapidocr_onnxruntime import RapidOCR

from ocr_worker.ocr import OcrError, OcrText, OcrWord

#: Longest side the detector sees; larger images are scaled down first (RapidOCR's own
#: default cap). Measured on scanned receipts: see README "Second OCR engine".
MAX_SIDE = 2000
#: Segments the recogniser is less sure of than this (0..1) are dropped (RapidOCR's default).
MIN_SCORE = 0.5
#: Work is bounded before it starts: an image this large is refused, not read.
MAX_PIXELS = 40_000_000
#: Two segments share a line when their vertical extents overlap by more than this share of
#: the smaller height (skewed rows still overlap most of the way between neighbours).
LINE_OVERLAP = 0.5

_ENGINE_OPTIONS = {
    "intra_op_num_threads": 1,  # one worker process per core: no thread pool inside
    "inter_op_num_threads": 1,
    "use_cls": False,  # receipts are upright after preprocessing; the classifier costs
    "max_side_len": MAX_SIDE,
    # Scale down only: RapidOCR's default ("min" 736) enlarges narrow or short images until
    # the shorter side is 736 px, and on enlarged text the detector splits words into
    # overlapping boxes that are read twice ("PLN 6,98" as "PLN6" "6,98", "6,98" as "96,98").
    "det_limit_type": "max",
    "det_limit_side_len": MAX_SIDE,
    "text_score": MIN_SCORE,
    # One segment per recognition run: a batch is padded to its widest segment, and on
    # scanned receipts batches of 6 (the default) cost 1.6x as much CPU as single segments.
    "rec_batch_num": 1,
}


@dataclass(frozen=True)
class Segment:
    """One detected and recognised text box, in the input image's pixels."""

    text: str
    score: float  # 0..1
    left: int
    top: int
    width: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


_engines = threading.local()


def engine() -> RapidOCR:
    """This thread's loaded RapidOCR (created on first use, then reused)."""
    cached: RapidOCR | None = getattr(_engines, "rapid", None)
    if cached is None:
        # OpenCV's own pool (resizes and warps around the models) follows the same rule as
        # ONNX Runtime: one thread; nothing else in the worker uses OpenCV.
        cv2.setNumThreads(1)
        try:
            cached = RapidOCR(**_ENGINE_OPTIONS)
        except Exception as exc:  # a broken install: missing model file, bad ONNX Runtime
            raise OcrError(f"RapidOCR failed to load: {exc}") from exc
        _engines.rapid = cached
    return cached


#: A box by its bounding rectangle in the input image: left, top, right, bottom.
Box = tuple[int, int, int, int]


def read_text_rapid(
    image: Image.Image, *, timeout: float, keep: Callable[[Box], bool] | None = None
) -> OcrText:
    """Read ``image`` (mode L or RGB) with RapidOCR; lines top to bottom like ``read_text``.

    RapidOCR has no deadline of its own, so the work is bounded around it: images above
    ``MAX_PIXELS`` are refused, and the deadline is checked after detection and between
    recognition batches, raising ``OcrError`` once it has passed. With ``keep``, only the
    detected boxes it accepts are recognised (recognition is most of the cost).
    """
    started = time.monotonic()
    if image.width * image.height > MAX_PIXELS:
        raise OcrError(f"RapidOCR refused a {image.width}x{image.height} image "
                       f"(more than {MAX_PIXELS} pixels)")
    segments = read_segments(image, deadline=started + timeout, timeout=timeout, keep=keep)
    return group_lines(segments)


def _bgr(image: Image.Image) -> np.ndarray:
    """The image as the BGR array OpenCV and RapidOCR take."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def _rectangle(quad: np.ndarray) -> Box:
    xs, ys = quad[:, 0], quad[:, 1]
    return (int(np.floor(xs.min())), int(np.floor(ys.min())),
            int(np.ceil(xs.max())), int(np.ceil(ys.max())))


def read_segments(
    image: Image.Image, *, deadline: float, timeout: float,
    keep: Callable[[Box], bool] | None = None,
) -> list[Segment]:
    """Detection, then recognition in batches, with the deadline checked between steps.

    The steps are RapidOCR 1.4.4's own (``RapidOCR.__call__`` without the classifier), driven
    here so that the deadline can stop the work between them.
    """
    ocr = engine()
    bgr = _bgr(image)
    try:
        img, ratio_h, ratio_w = ocr.preprocess(bgr)  # scales the longest side to MAX_SIDE
        img, record = ocr.maybe_add_letterbox(img, {"preprocess": {
            "ratio_h": ratio_h, "ratio_w": ratio_w}})
        boxes, _ = ocr.auto_text_det(img)
        if boxes is None:
            return []
        _check_deadline(deadline, timeout, "detection")
        quads = ocr._get_origin_points(boxes, record, bgr.shape[0], bgr.shape[1])
        if keep is not None:
            chosen = [i for i, quad in enumerate(quads) if keep(_rectangle(quad))]
            if not chosen:
                return []
            boxes, quads = [boxes[i] for i in chosen], quads[chosen]
        crops = ocr.get_crop_img_list(img, boxes)
        recognised: list[tuple[str, float]] = []
        batch = ocr.text_rec.rec_batch_num
        for start in range(0, len(crops), batch):
            _check_deadline(deadline, timeout, "recognition")
            results, _ = ocr.text_rec(crops[start:start + batch])
            recognised += [(str(text), float(score)) for text, score in results]
    except OcrError:
        raise
    except Exception as exc:  # ONNX Runtime and OpenCV report failures as plain exceptions
        raise OcrError(f"RapidOCR failed: {exc}") from exc
    segments = []
    for quad, (text, score) in zip(quads, recognised, strict=True):
        text = text.strip()
        if score < MIN_SCORE or not text:
            continue
        left, top, right, bottom = _rectangle(quad)
        segments.append(Segment(text, score, left, top, right - left, bottom - top))
    return segments


def recognise_line(image: Image.Image) -> tuple[str, float]:
    """RapidOCR's recogniser alone over one line's image (no detection: the caller knows
    where the line is): its text and score. A few tens of milliseconds."""
    try:
        results, _ = engine().text_rec([_bgr(image)])
    except OcrError:
        raise
    except Exception as exc:  # ONNX Runtime and OpenCV report failures as plain exceptions
        raise OcrError(f"RapidOCR failed: {exc}") from exc
    text, score = results[0]
    return str(text).strip(), float(score)


def _check_deadline(deadline: float, timeout: float, step: str) -> None:
    if time.monotonic() > deadline:
        raise OcrError(f"RapidOCR did not finish within {timeout:g} s (stopped after {step})")


def _overlap(a: Segment, b: Segment) -> float:
    """Vertical overlap of two segments as a share of the smaller height."""
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    return shared / max(1, min(a.height, b.height))


def group_lines(segments: list[Segment]) -> OcrText:
    """Segments grouped into lines (top to bottom), each line's segments left to right.

    A segment joins the line whose horizontally nearest segment it overlaps most vertically
    (by more than ``LINE_OVERLAP``): comparing with the nearest neighbour, not the whole line,
    keeps a skewed row together without chaining neighbouring rows into one.
    """
    lines: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: (s.middle, s.left)):
        best, best_overlap = None, LINE_OVERLAP
        for line in lines:
            nearest = min(line, key=lambda s: _horizontal_gap(s, seg))
            overlap = _overlap(nearest, seg)
            if overlap > best_overlap:
                best, best_overlap = line, overlap
        if best is None:
            lines.append([seg])
        else:
            best.append(seg)
    lines.sort(key=lambda line: sum(s.middle for s in line) / len(line))
    result = OcrText()
    for index, line in enumerate(lines):
        line.sort(key=lambda s: s.left)
        result.lines.append(" ".join(s.text for s in line))
        result.words += [
            OcrWord(s.text, round(s.score * 100, 2), s.left, s.top, s.width, s.height, index)
            for s in line
        ]
    return result


def _horizontal_gap(a: Segment, b: Segment) -> int:
    """Pixels between two segments side by side (0 when they overlap horizontally)."""
    return max(0, max(a.left, b.left) - min(a.left + a.width, b.left + b.width))
