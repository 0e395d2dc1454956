"""Prepare a receipt photo for Tesseract: upright, gray, cropped to the paper, level, right-sized.

Every step is cheap (numpy on a small preview, then one resample of the full image) and kept
only because it measurably helped on the generated benchmark (see bench/README.md):

1. EXIF transpose (phones store pixels sideways and say so in the tag).
2. Grayscale.
3. Crop to the bright paper when it lies on a darker table (less clutter, fewer pixels).
4. Deskew small angles (±8°) found by a row-projection search on the preview.
5. Rescale so that text lines are about ``TARGET_PITCH_PX`` apart: upscales small text, and
   downscales huge photos, which also makes Tesseract faster.
6. Adaptive threshold (local mean − ``BINARIZE_OFFSET``, window 1.5 lines): Tesseract's LSTM
   misreads gray text with sensor noise and uneven light surprisingly often (`6 SZT * 5,66`
   read as `6) SZI 5,5266.`); on the tuning sets this step alone lifted the share of printed
   amounts found in the text from 0.86 to 0.97. The gray image before this step is kept as
   ``Prepared.gray``: the pipeline re-reads the date line from it, and the item lines when the
   first parse does not add up (``second_pass``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

ORIENTATION_TAG = 0x0112
#: EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
PREVIEW_SIDE = 900  # analysis happens on a preview this big (longest side)
TARGET_PITCH_PX = 36.0  # line-to-line distance Tesseract read best (tried 28-52)
BINARIZE_OFFSET = 10.0  # ink: this much darker than the local mean (tried 6-20)
MIN_SCALE, MAX_SCALE = 0.3, 3.0
MAX_SKEW_DEG = 8.0
MIN_SKEW_DEG = 0.3  # below this a rotation costs more than it helps


@dataclass
class Prepared:
    image: Image.Image  # 'L' image ready for Tesseract (thresholded)
    gray: Image.Image  # the same geometry before the threshold
    steps: list[str] = field(default_factory=list)
    angle: float = 0.0
    line_px: float | None = None  # measured line pitch in the (cropped) original
    scale: float = 1.0


def to_gray(image: Image.Image) -> Image.Image:
    """Upright grayscale: transparent areas become white; the EXIF turn is applied last
    (on one channel instead of three)."""
    orientation = image.getexif().get(ORIENTATION_TAG, 1)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    gray = image.convert("L")
    transpose = _EXIF_TRANSPOSE.get(orientation)
    return gray.transpose(transpose) if transpose is not None else gray


def otsu_threshold(gray: np.ndarray) -> int:
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    mean_all = cum_mean[-1]
    w0 = cum
    w1 = total - cum
    valid = (w0 > 0) & (w1 > 0)
    between = np.zeros(256)
    m0 = np.divide(cum_mean, w0, out=np.zeros(256), where=valid)
    m1 = np.divide(mean_all - cum_mean, w1, out=np.zeros(256), where=valid)
    between[valid] = w0[valid] * w1[valid] * (m0[valid] - m1[valid]) ** 2
    return int(np.argmax(between))


def _span(profile: np.ndarray, level: float, max_gap: int = 0) -> tuple[int, int] | None:
    """Longest run of indices where profile >= level, bridging dips of up to max_gap."""
    idx = np.flatnonzero(profile >= level)
    if idx.size == 0:
        return None
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    longest = int(np.argmax(ends - starts))
    return int(starts[longest]), int(ends[longest])


def paper_box(preview: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the bright paper on a darker background, or None."""
    threshold = otsu_threshold(preview)
    bright = preview > threshold
    if bright.all() or not bright.any():
        return None
    # paper must be clearly brighter than the table, else there is nothing to crop
    if preview[bright].mean() - preview[~bright].mean() < 40:
        return None
    # close text holes: a column belongs to the paper when most of its pixels are bright
    cols = bright.mean(axis=0)
    col_span = _span(cols, 0.5 * cols.max(), max_gap=preview.shape[1] // 25)
    if col_span is None:
        return None
    x0, x1 = col_span
    rows = bright[:, x0:x1].mean(axis=1)
    row_span = _span(rows, 0.5 * rows.max(), max_gap=preview.shape[0] // 25)
    if row_span is None:
        return None
    y0, y1 = row_span
    h, w = preview.shape
    if (x1 - x0) * (y1 - y0) > 0.92 * w * h or (x1 - x0) < 0.15 * w or (y1 - y0) < 0.15 * h:
        return None
    if bright[y0:y1, x0:x1].mean() < 0.5:
        return None  # no sheet: light strokes on a dark page (a dark-mode screenshot)
    return x0, y0, x1, y1


#: darker than this median (0-255), a page without a brighter sheet on it is dark-mode text
DARK_PAGE_MEDIAN = 100


def is_light_on_dark(preview: np.ndarray) -> bool:
    """Most of the page is dark and the bright pixels are few (strokes of text, not a sheet of
    paper: paper on a dark table is cropped before this is asked)."""
    return float(np.median(preview)) < DARK_PAGE_MEDIAN and \
        float((preview > 160).mean()) < 0.35


def local_mean(g: np.ndarray, k: int) -> np.ndarray:
    """Mean over a k×k box around each pixel (integral image; k odd)."""
    pad = k // 2
    padded = np.pad(g, pad, mode="edge")
    integral = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    h, w = g.shape
    mean: np.ndarray = (
        integral[k:k + h, k:k + w] - integral[0:h, k:k + w] - integral[k:k + h, 0:w]
        + integral[0:h, 0:w]
    ) / (k * k)
    return mean


def binarize(gray: Image.Image, window: int, offset: float) -> Image.Image:
    """Adaptive threshold: ink where darker than the local mean by ``offset``."""
    g = np.asarray(gray, dtype=np.float32)
    mean = local_mean(g, window | 1)
    return Image.fromarray(np.where(g < mean - offset, 0, 255).astype(np.uint8))


def ink_mask(gray: np.ndarray, paper_level: float = 0.0) -> np.ndarray:
    """Dark text pixels: darker than the local background by a margin (box-filter mean), on
    a background brighter than ``paper_level`` (so a dark table is not taken for ink)."""
    g = gray.astype(np.float32)
    local = local_mean(g, max(15, (min(g.shape) // 20) | 1))
    return (g < local - 18) & (local > paper_level)


def skew_angle(mask: np.ndarray) -> float:
    """Angle (degrees, counter-clockwise positive like PIL's rotate) that levels text rows."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 200:
        return 0.0
    if len(ys) > 60_000:
        pick = np.random.default_rng(0).choice(len(ys), 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs_c = xs - mask.shape[1] / 2.0
    height = mask.shape[0]

    def score(deg: float) -> float:
        shifted = np.round(ys + xs_c * np.tan(np.radians(deg))).astype(np.int64)
        shifted = shifted[(shifted >= 0) & (shifted < height)]
        counts = np.bincount(shifted, minlength=height).astype(np.float64)
        return float((counts**2).sum())

    coarse = np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    best = max(fine, key=score)
    # rows y' = y + x tan(a) are level when the image is rotated by -a (PIL: ccw positive)
    return -float(best)


def line_pitch(mask: np.ndarray) -> float | None:
    """Distance between text lines (pixels) in a levelled ink mask: the first strong peak of
    the autocorrelation of the row profile. None when there is no regular line structure."""
    rows = mask.mean(axis=1).astype(np.float64)
    if rows.size < 16 or rows.max() <= 0:
        return None
    rows = rows - rows.mean()
    spectrum = np.fft.rfft(rows, n=2 * rows.size)
    corr = np.fft.irfft(spectrum * np.conj(spectrum))[: rows.size]
    if corr[0] <= 0:
        return None
    corr = corr / corr[0]
    lo, hi = 6, min(rows.size // 3, 400)
    if hi <= lo + 2:
        return None
    window = corr[lo:hi]
    peaks = [
        i for i in range(1, window.size - 1)
        if window[i] >= window[i - 1] and window[i] >= window[i + 1] and window[i] > 0.15
    ]
    if not peaks:
        return None
    best = max(window[i] for i in peaks)
    first = next(i for i in peaks if window[i] >= 0.6 * best)
    # parabolic refinement around the peak
    a, b, c = window[first - 1], window[first], window[first + 1]
    denom = a - 2 * b + c
    offset = 0.5 * (a - c) / denom if denom != 0 else 0.0
    return float(lo + first + offset)


def row_runs_pitch(mask: np.ndarray) -> float | None:
    """Line pitch as the median distance between the starts of consecutive runs of inked rows
    (one run per text line); None when there are too few lines to tell. Coarse but hard to
    fool: the autocorrelation can lock onto the spacing of sections or rules instead."""
    rows = mask.mean(axis=1)
    if not (rows > 0).any():
        return None
    inked = rows > 0.15 * np.percentile(rows[rows > 0], 90)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    keep = (ends - starts) >= 3
    starts = starts[keep]
    if starts.size < 8:
        return None
    return float(np.median(np.diff(starts)))


def text_pitch(mask: np.ndarray) -> float | None:
    """Line pitch of a levelled ink mask: the autocorrelation's (precise) where it agrees with
    the row runs' (robust) within 25 %, else the row runs'."""
    fine, coarse = line_pitch(mask), row_runs_pitch(mask)
    if coarse is None or (fine is not None and abs(fine - coarse) <= 0.25 * coarse):
        return fine
    return coarse


def _rotate(gray: Image.Image, angle: float) -> Image.Image:
    return gray.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=255)


def prepare(image: Image.Image) -> Prepared:
    gray = to_gray(image)
    steps = ["exif_transpose", "gray"]
    factor = min(1.0, PREVIEW_SIDE / max(gray.size))
    preview_img = gray.resize(
        (max(1, round(gray.width * factor)), max(1, round(gray.height * factor))),
        Image.Resampling.BILINEAR,
    )
    preview = np.asarray(preview_img)

    box = paper_box(preview)
    if box is not None:
        x0, y0, x1, y1 = box
        pad = 0.02 * max(preview.shape)
        x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
        x1, y1 = min(preview.shape[1], x1 + pad), min(preview.shape[0], y1 + pad)
        gray = gray.crop(tuple(round(v / factor) for v in (x0, y0, x1, y1)))
        preview = preview[int(y0):int(y1), int(x0):int(x1)]
        steps.append("crop")
    elif is_light_on_dark(preview):
        # a dark-mode app screenshot: light text on a dark page; Tesseract wants dark on light
        gray, preview = ImageOps.invert(gray), 255 - preview
        steps.append("invert")

    mask = ink_mask(preview, paper_level=otsu_threshold(preview) if box is not None else 0.0)
    angle = skew_angle(mask)
    rotate = abs(angle) >= MIN_SKEW_DEG
    if rotate:
        levelled = Image.fromarray(mask.astype(np.uint8) * 255).rotate(angle, expand=True)
        mask = np.asarray(levelled) > 127

    pitch = text_pitch(mask)
    line_px = pitch / factor if pitch is not None else None
    scale = 1.0
    if line_px is not None:
        scale = float(np.clip(TARGET_PITCH_PX / line_px, MIN_SCALE, MAX_SCALE))
        if 0.8 <= scale <= 1.25:
            scale = 1.0
    # rotate the smaller of the two versions: after a downscale, before an upscale
    if rotate and scale > 1.0:
        gray = _rotate(gray, angle)
        steps.append("deskew")
    if scale != 1.0:
        size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        resample = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
        gray = gray.resize(size, resample)
        steps.append(f"scale {scale:.2f}")
    if rotate and scale <= 1.0:
        gray = _rotate(gray, angle)
        steps.append("deskew")
    ready = binarize(gray, int(TARGET_PITCH_PX * 1.5), BINARIZE_OFFSET)
    steps.append("binarize")
    return Prepared(image=ready, gray=gray, steps=steps, angle=angle, line_px=line_px,
                    scale=scale)
