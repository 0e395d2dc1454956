"""RapidOCR, the second engine: line grouping, a real read, the deadline, one thread, offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ocr_worker import rapid_engine
from ocr_worker.image_input import load_image
from ocr_worker.ocr import OcrError, OcrWord
from ocr_worker.preprocess import prepare
from ocr_worker.rapid_engine import Segment, group_lines, read_text_rapid
from receipt_synth import generate

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
WORKER_DIR = Path(__file__).resolve().parents[1]
LINES = ["PARAGON FISKALNY", "Mleko UHT 2 x3,49 6,98 C", "SUMA PLN 6,98"]


def seg(text: str, left: int, top: int, width: int = 80, height: int = 20,
        score: float = 0.9) -> Segment:
    return Segment(text, score, left, top, width, height)


def slip(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(str(FONT), 28)
    image = Image.new("L", (760, 60 + 46 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 46 * i), line, font=font, fill=0)
    return image


# --- line grouping (synthetic boxes) ---------------------------------------------------------

def test_two_segments_on_one_skewed_row_make_one_line() -> None:
    # the right-hand amount sits 9 px lower (a skewed scan): still 11 of 20 px shared
    text = group_lines([seg("9.00", 400, 109), seg("Total:", 40, 100)])
    assert text.lines == ["Total: 9.00"]
    assert [w.text for w in text.words] == ["Total:", "9.00"]
    assert {w.line for w in text.words} == {0}


def test_rows_apart_make_separate_lines_top_to_bottom() -> None:
    segments = [seg("10.00", 400, 160), seg("Cash", 40, 158), seg("9.00", 400, 101),
                seg("Total:", 40, 100), seg("SHOP", 150, 30)]
    text = group_lines(segments)
    assert text.lines == ["SHOP", "Total: 9.00", "Cash 10.00"]
    assert [w.line for w in text.words] == [0, 1, 1, 2, 2]


def test_rows_touching_by_less_than_half_stay_apart() -> None:
    # 8 of 20 px shared: two printed rows close together, not one row
    text = group_lines([seg("A", 40, 100), seg("B", 200, 112)])
    assert text.lines == ["A", "B"]


def test_a_steep_row_does_not_swallow_the_next_row() -> None:
    # each segment overlaps its left neighbour on the row, the last one also touches row 2
    row1 = [seg(f"r1c{i}", 40 + 100 * i, 100 + 6 * i) for i in range(4)]
    row2 = [seg("r2c0", 40, 126), seg("r2c1", 140, 132)]
    text = group_lines(row1 + row2)
    assert text.lines == ["r1c0 r1c1 r1c2 r1c3", "r2c0 r2c1"]


def test_words_keep_boxes_and_confidence_in_percent() -> None:
    text = group_lines([seg("SUMA", 12, 34, 56, 18, score=0.875)])
    assert text.words == [OcrWord("SUMA", 87.5, 12, 34, 56, 18, 0)]
    assert text.mean_confidence == 87.5
    assert text.line_box(0) == (34, 52)


def test_nothing_read_is_an_empty_text() -> None:
    assert group_lines([]).lines == []
    assert read_text_rapid(Image.new("L", (400, 300), 255), timeout=60).lines == []


# --- real reads ----------------------------------------------------------------------------

def test_reads_a_plain_slip_line_by_line() -> None:
    text = read_text_rapid(slip(LINES), timeout=60)
    # PP-OCRv4 drops some spaces inside a segment: compare without them
    assert [line.replace(" ", "") for line in text.lines] == [
        line.replace(" ", "") for line in LINES
    ]
    assert text.mean_confidence > 80
    assert all(0 <= w.confidence <= 100 for w in text.words)


def test_the_recogniser_alone_reads_one_line() -> None:
    line = slip(["Date: 28/12/2018 10:15"])
    text, score = rapid_engine.recognise_line(line.crop(ImageOps.invert(line).getbbox()))
    assert text.replace(" ", "") == "Date:28/12/201810:15" and score > 0.8


@pytest.mark.parametrize("layout", ["uk", "biedronka"])
def test_reads_the_total_of_a_generated_receipt_photo(layout: str) -> None:
    sample = generate(5, 0, layout=layout, size_class="normal")
    photo = load_image(sample.image, max_bytes=20_000_000, max_pixels=40_000_000)
    prepared = prepare(photo)
    text = read_text_rapid(prepared.gray, timeout=120)
    total = f"{Decimal(sample.truth_json()['total']):.2f}"
    if layout == "biedronka":
        total = total.replace(".", ",")
    assert any(total in line for line in text.lines), (total, text.lines)


def test_rgb_and_gray_images_are_read_alike() -> None:
    gray = slip(LINES[2:])
    assert read_text_rapid(gray.convert("RGB"), timeout=60).lines == read_text_rapid(
        gray, timeout=60
    ).lines


# --- bounded work --------------------------------------------------------------------------

def test_a_passed_deadline_stops_the_read_with_ocr_error() -> None:
    rapid_engine.engine()  # loaded: the deadline covers reading, not the first model load
    with pytest.raises(OcrError, match="did not finish within"):
        read_text_rapid(slip(LINES), timeout=1e-9)


def test_an_oversized_image_is_refused_before_any_work() -> None:
    side = int(rapid_engine.MAX_PIXELS**0.5) + 2
    started = time.process_time()
    with pytest.raises(OcrError, match="refused"):
        read_text_rapid(Image.new("L", (side, side), 255), timeout=60)
    # refusing is cheap next to a read of even a small slip
    refused = time.process_time() - started
    started = time.process_time()
    read_text_rapid(slip(LINES[:1]), timeout=60)
    assert refused < time.process_time() - started


# --- one warm engine per thread, one ONNX Runtime thread -----------------------------------

def test_one_engine_per_thread_reused() -> None:
    mine = rapid_engine.engine()
    assert rapid_engine.engine() is mine
    other: list[object] = []
    worker = threading.Thread(target=lambda: other.append(rapid_engine.engine()))
    worker.start()
    worker.join()
    assert other[0] is not mine


def run_python(code: str, tmp_path: Path, *, prefix: list[str] | None = None,
               ) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, with the worker importable and an empty HOME/TMP/cwd."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(WORKER_DIR),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": str(home),
        "TMPDIR": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        # any HTTP client would go here: nothing listens on this port
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [*(prefix or []), sys.executable, "-c", textwrap.dedent(code)],
        cwd=home, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


OUR_THREADS = """
    import os
    from PIL import Image, ImageDraw
    from ocr_worker import rapid_engine
    threads = lambda: len(os.listdir("/proc/self/task"))
    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).text((30, 80), "TOTAL 12.34 PLN", fill=0, font_size=40)
    rapid_engine.cv2.setNumThreads(1)
    before = threads()
    assert rapid_engine.read_text_rapid(image, timeout=60).lines
    session = rapid_engine.engine().text_det.infer.session
    assert session.get_session_options().intra_op_num_threads == 1
    print(threads() - before)
"""
#: The control: a live session with ONNX Runtime's default options starts its pool.
DEFAULT_THREADS = """
    import os
    from pathlib import Path
    import onnxruntime, rapidocr_onnxruntime
    threads = lambda: len(os.listdir("/proc/self/task"))
    model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_det_infer.onnx"
    before = threads()
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    print(threads() - before)
"""


def test_onnx_runtime_adds_no_threads(tmp_path: Path) -> None:
    """Loading the engine and reading start no ONNX Runtime pool threads; one session with
    ONNX Runtime's default options does (the control: counting threads sees the pools)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: ONNX Runtime's default is one thread too, nothing to compare")
    added = []
    for code in (OUR_THREADS, DEFAULT_THREADS):
        result = run_python(code, tmp_path)
        assert result.returncode == 0, result.stderr
        added.append(int(result.stdout))
    assert added[0] == 0
    assert added[1] >= 1


READ_OFFLINE = f"""
    import sys
    FONT = {str(FONT)!r}
    from PIL import Image, ImageDraw, ImageFont, ImageOps
    writes, connects = [], []
    def watch(event, args):
        if event == "open" and args[1] is not None and any(c in str(args[1]) for c in "wax+"):
            writes.append(str(args[0]))
        elif event == "socket.connect":
            connects.append(repr(args[1]))
    sys.addaudithook(watch)
    from ocr_worker.rapid_engine import read_text_rapid
    font = ImageFont.truetype(FONT, 32)
    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((30, 40), "TOTAL 12.34", font=font, fill=0)
    print(read_text_rapid(image, timeout=120).text)
    print("WRITES", writes)
    print("CONNECTS", connects)
"""


def _package_files() -> dict[str, tuple[int, float]]:
    import rapidocr_onnxruntime

    root = Path(rapidocr_onnxruntime.__file__).parent
    return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*") if p.is_file()}


def test_reads_with_no_network_and_writes_no_file(tmp_path: Path) -> None:
    """In a network namespace of its own (no interface up), a fresh process loads the models
    from the package and reads; it opens no file for writing and connects nowhere."""
    prefix: list[str] = []
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        prefix = [unshare, "-n"]  # else: the unroutable proxies of run_python still apply
    package_before = _package_files()
    result = run_python(READ_OFFLINE, tmp_path, prefix=prefix)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "12.34" in out[0]
    assert "WRITES []" in out
    assert "CONNECTS []" in out
    assert list((tmp_path / "home").iterdir()) == []  # no cache, no temp file
    assert _package_files() == package_before
