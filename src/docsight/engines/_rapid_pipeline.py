"""Detection, cropping and recognition around RapidOCR's ONNX sessions.

RapidOCR's own ``__call__`` shrinks every page to 2000 px before anything else, crops lines
from that shrunken copy, pads every recognition input to at least 320 px and decides word
boundaries only from the spaces the recogniser happens to emit. Each of those costs accuracy or
time on documents, so this module drives the same sessions itself:

- detection runs at a scale chosen from the text height it finds (a cheap first pass), so small
  print on low-resolution scans is enlarged and large print on 300 dpi pages is not wasted on;
- lines are cropped from the full-resolution page, so recognition never sees a downscaled copy;
- recognition batches are padded only to their widest member;
- the CTC decoder keeps each character's column, so words are split where the gap between
  characters is wide, not only where a space was decoded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from docsight.engines._runtime import Session
from docsight.engines.checkboxes import ink_mask as page_ink_mask

REC_HEIGHT = 48
# Runners-up kept per doubtful column (see ``Char``): three cover the look-alike and the blank.
ALT_K = 3
ALT_BELOW = 0.95

FloatArray = NDArray[np.float32]
ImageArray = NDArray[np.uint8]


@dataclass(frozen=True)
class Tuning:
    """Knobs measured on SROIE, FUNSD and UNLV scans (the engine's docstring has the figures).

    - ``det_target_text_px``: detected line height the detector runs at. 16 beat 12, 24 and 32
      on SROIE and FUNSD F1 and is the cheapest; 300 dpi print is shrunk to it, ~100 dpi forms
      stay near 1:1 (enlarging them to 24 px cost time and 0.005 F1).
    - ``det_box_thresh`` 0.4 (RapidOCR: 0.5) keeps faint receipt lines: +0.005 F1 on SROIE.
    - ``det_unclip_ratio``: 1.3 and 2.0 both did worse than 1.6.
    - ``det_probe_side``: the probe only measures the text height, yet at 1280 px it cost
      twice the final pass on every speed page (64% of detection). The box of a line of
      height ``t`` page px, detected at scale ``s``, is ``t * s + det_margin_px`` probe px
      tall (the detector's unclip margin and dilation add a near-constant few pixels: fitted
      on 90 pages of SROIE, FUNSD, scribeocr and tesseract_test, the margin came out 5.0,
      6.0 and 6.1 px from probes of 960, 800 and 640 px against 1280). So a probe at 800
      px measures taller lines than one at 1280, and the target text height was tuned on
      what the 1280 probe (``det_reference_side``) measures: the probe's median is mapped to
      that, within -6/+8% of the 1280 probe's own on 80% of those pages (unmapped +2/+23%).
      That bias is why a plain 960 probe once moved F1 by -0.006 (scribeocr), -0.003
      (SROIE), +0.005 (FUNSD). A probe that measures under ``det_probe_min_px`` looks again
      at twice the scale. Running the final pass only on the probe's text area plus 3 (6)
      text heights saved 6% (0%) with scribeocr -0.006 (+0.005): not kept.
    - ``det_reuse_within``: how far off the target scale the probe's boxes may be kept
      instead of a final pass. With the 1280 probe, 30% ran 40 SROIE + 40 FUNSD pages in
      0.97 instead of 1.17 s/page but cost SROIE 0.004 F1 (0.880 -> 0.876), and 15% was
      kept. The 800 probe lies closer to the target, so 15% reused it on many more pages:
      scribeocr filing 0.984 -> 0.981 (below Tesseract's 0.984), SROIE 0.898 -> 0.896. 4%
      keeps SROIE at 0.898 and filing at 0.984 (FUNSD 0.813 -> 0.810, table 0.976 -> 0.972);
      speed 0.89x -> 0.94x the CLI on the AMD EPYC host (``docs/benchmarks.md``).
    - ``rec_width_step``: batch widths are rounded up to it (``bucket_width``). OpenVINO
      adapts its kernels to each new input shape the first time it sees it; on 19 pages, steps
      of 64 columns gave 37 shapes instead of 90 and took recognition from 20.0 to 15.0 s
      (bf16, first pass). With recognition on two streams, 128 ran the 19 pages in 24.2/23.2 s
      against 26.3/26.3 s for 64 and 28.9/27.3 s for 32 (interleaved, two passes), at the same
      F1 (SROIE/FUNSD 50 each, scribeocr: within 0.002).
    - ``rec_batch``/``rec_batch_columns``: 8 and 1,600 ran the 19 pages in 24.2/25.6 s, 16
      and 3,200 in 30.7/30.2 s, 4 and 800 in 29.9/26.6 s (two streams).
    - ``rec_squeeze`` < 1 narrows recognition inputs: 0.8 saves ~14% CPU for -0.004 F1.
    - ``text_score`` between 0.3 and 0.8 moved F1 by under 0.002.
    - ``lexicon_prob``: letters below it may be mended against the word list (``_lexicon``,
      ``engine.lexicon``). With 0.9: SROIE 50 0.871 -> 0.875, FUNSD 50 0.794 -> 0.799,
      scribeocr +0.001 (0.7 mended fewer words for the same SROIE gain).
    - ``lexicon_prior``: the word frequency's weight against the recogniser's probability
      when choosing among readings (``_lexicon``). With the recogniser's runners-up and 0.5:
      SROIE 0.890 -> 0.891, FUNSD 0.799 -> 0.803 (full sets).
    - ``space_gap``: see ``_rapid_words.split_words``; 0.4 gave +0.012 F1 on SROIE.
    - ``colon_gap``/``colon_after_gap``: ``space_gap`` for the blank before/after a colon (not
      one inside a number, 12:30). A colon is narrow ink centred in its advance, so "TEL : 03"
      leaves less extra paper than a space between letters. On 100 SROIE receipts the
      word-before-colon blank, in ink heights above the line's median, was 0.31 (median) where
      the truth has a space and 0.08 where it has none; 0.25 before and 0.1 after took the first
      50 from 0.861 to 0.871 F1 (FUNSD 50: 0.794 both; scribeocr unchanged).
    - ``point_gap``: ``space_gap`` for the blank beside a decimal point between digits, which
      in monospaced print sits in a full cell of its own (``RM 64. 15`` at double height: 22 px
      of paper after the point, limit 19 px). 0.7 joined the 6 amounts of SROIE's 100 receipts
      split there (0.9006 -> 0.9014) and changed no other word on SROIE, FUNSD or scribeocr.
    - ``glued_gap``: see ``_rapid_words.split_glued``.
    - ``cell_pitch``/``cell_blank``: a skipped cell in monospaced print (``split_words``).
      1.75 x pitch and half of ``space_gap`` took scribeocr receipt_03 from 0.959 to 0.984 and
      left the first 30 SROIE receipts at 0.881; 1.5 x pitch gave 0.880, both lowered 0.871.
    - ``missed_score``: the mean character probability a word of ink outside every detected
      box (``missed``) must read with to be kept. 0.9 took SROIE 0.8990 -> 0.9005 (31 lone
      quantity ``1``s among 37 words gained, 6 spurious) and FUNSD 0.8089 -> 0.8095; 0.8
      scored within 0.0001.
    - ``colon_score``: the same for a colon standing alone in its column (``missed_colons``),
      which must read as ``:``. A lone colon is one doubtful glyph, so its bar is lower: with
      0.5, SROIE's lone ``:`` missed went 131 -> 97 (extra 51 -> 52) and SROIE 0.9001 ->
      0.9019 (0.9018 once columns of colons down blank rows are left out as rules, which
      keeps scribeocr filing at 0.984: its caption's colons, 6 read, are not in its truth);
      0.3 wrote the same words (the readings lie at 0.53-0.97 or read as nothing). FUNSD
      and the rest of scribeocr unchanged.
    """

    det_probe_side: int = 800
    det_reference_side: int = 1280
    det_margin_px: float = 6.0
    det_probe_min_px: float = 10.0
    det_reuse_within: float = 0.04
    det_target_text_px: float = 16.0
    det_min_scale: float = 0.25
    det_max_scale: float = 3.0
    det_max_side: int = 3200
    det_strip_pixels: int = 1_000_000
    det_grid: int = 128
    det_box_thresh: float = 0.4
    det_unclip_ratio: float = 1.6
    rec_batch: int = 8
    rec_batch_columns: int = 1600  # padded input columns per batch: bounds peak memory
    rec_min_ratio: float = 2.0
    rec_width_step: int = 128
    rec_squeeze: float = 1.0
    text_score: float = 0.5
    lexicon_prob: float = 0.9
    lexicon_prior: float = 0.5
    space_gap: float = 0.4
    colon_gap: float = 0.25
    colon_after_gap: float = 0.1
    point_gap: float = 0.7
    missed_score: float = 0.9
    colon_score: float = 0.5
    mark_score: float = 0.85
    cell_pitch: float = 1.75
    cell_blank: float = 0.5
    glued_gap: float = 0.2


@dataclass
class Char:
    """One decoded character; ``alts`` are the recogniser's runners-up where it hesitated.

    ``alts`` holds up to ``ALT_K`` other readings of the character's column with their
    probabilities, best first, only when ``prob`` is below ``ALT_BELOW``; an empty string
    means the column may be blank (no character at all). The word list weighs them
    (``_lexicon``) instead of guessing look-alikes blind.
    """

    text: str
    x: float
    prob: float
    alts: tuple[tuple[str, float], ...] = ()


@dataclass
class RawLine:
    """One recognised line: its quadrilateral in page pixels and its characters in order."""

    quad: FloatArray
    score: float
    height: float
    chars: list[Char] = field(default_factory=list)
    ink: NDArray[np.bool_] | None = None
    ink_height: float = 0.0

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars).strip()


def _resize_for_det(img: ImageArray, scale: float) -> tuple[ImageArray, float, float]:
    """Resize to multiples of 32 (the detector's stride) and report the exact x/y factors."""
    h, w = img.shape[:2]
    nh = max(32, round(h * scale / 32) * 32)
    nw = max(32, round(w * scale / 32) * 32)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    out = cv2.resize(img, (nw, nh), interpolation=interp)
    return out.astype(np.uint8), nw / w, nh / h


def detect(det: Any, img: ImageArray, tuning: Tuning) -> tuple[FloatArray, dict[str, float]]:
    """Text quads in ``img`` pixels, found at a scale set by the page's own text height."""
    h, w = img.shape[:2]
    probe = min(tuning.det_probe_side / max(h, w), 1.0)
    quads, fx, fy = _run_det(det, img, probe, tuning.det_grid)
    if not len(quads):
        # Nothing at the probe: a blank page, text too large for the probe's view, or an
        # input the model misjudges at that size (a SROIE receipt turned a quarter came out
        # 22% "text" in bf16 at 1280 x 896 px, 3.6% in f32, and no box; at half the scale
        # it read). One more look at half the scale costs a blank page a quarter probe.
        probe /= 2
        quads, fx, fy = _run_det(det, img, probe, tuning.det_grid)
    if len(quads) and probe < 1.0:
        measured = float(np.median(_quad_heights(quads)))
        if measured < tuning.det_probe_min_px:  # too small to measure: a closer look
            probe = min(probe * 2, 1.0)
            quads, fx, fy = _run_det(det, img, probe, tuning.det_grid)
    info = {"det_probe_scale": probe}
    if len(quads):
        measured = float(np.median(_quad_heights(quads)))
        text_px = reference_height(
            measured, fy, min(tuning.det_reference_side / max(h, w), 1.0), tuning.det_margin_px
        )
        scale = tuning.det_target_text_px / max(text_px, 1.0)
        scale = min(max(scale, tuning.det_min_scale), tuning.det_max_scale)
        scale = min(scale, tuning.det_max_side / max(h, w))
        info["text_height_px"] = text_px
        info["det_scale"] = scale
        # ``det_reuse_within``: the probe's boxes stand in for the final pass when the probe
        # ran that close to the target scale.
        if abs(scale - probe) / probe > tuning.det_reuse_within:
            # The probe's buffers would otherwise stay beside the final pass's (OpenVINO keeps
            # them per shape until released).
            det.session.release()
            final = _run_det(det, img, scale, tuning.det_grid)
            if len(final[0]):  # else the probe's boxes, rather than none
                quads, fx, fy = final
    if len(quads):
        quads = quads.copy()
        quads[:, :, 0] /= fx
        quads[:, :, 1] /= fy
    return quads, info


def reference_height(measured: float, scale: float, reference: float, margin: float) -> float:
    """The line height (page px) a probe at scale ``reference`` would have measured.

    ``measured`` probe px at ``scale`` are ``t * scale + margin`` for a line ``t`` page px
    tall (``Tuning.det_probe_side``); the reference probe sees ``t * reference + margin``.
    """
    t = max(measured - margin, 1.0) / scale
    return t + margin / reference


def pad_to_grid(img: ImageArray, grid: int) -> ImageArray:
    """``img`` extended right and down to multiples of ``grid`` with its own edge colour.

    Detection inputs then fall on a few shapes across pages of slightly different sizes, so the
    runtime reuses kernels it has already prepared (OpenVINO: 33 detection inputs of 19 pages
    came down from 33 to 20 shapes with a grid of 128, for 10% more pixels). Text never lies in
    the margin, so boxes are unchanged; the edge colour keeps a dark page from gaining an edge.
    """
    h, w = img.shape[:2]
    nh, nw = -(-h // grid) * grid, -(-w // grid) * grid
    if (nh, nw) == (h, w):
        return img
    edge = np.concatenate([img[-1, :], img[:, -1]])
    fill = [int(v) for v in np.median(edge, axis=0).reshape(-1)]
    out = cv2.copyMakeBorder(img, 0, nh - h, 0, nw - w, cv2.BORDER_CONSTANT, value=fill)
    return np.asarray(out, dtype=np.uint8)


def _run_det(det: Any, img: ImageArray, scale: float, grid: int) -> tuple[FloatArray, float, float]:
    """RapidOCR's detector steps with our own input scaling and normalization.

    RapidOCR's ``DetPreProcess`` normalizes in float64 numpy (~30 ms per MP, 4% of a page's
    time on the speed pages); OpenCV's ``blobFromImage`` does the same arithmetic and the
    channel transpose in one float32 pass (~6x faster, equal to 1e-7).
    """
    small, fx, fy = _resize_for_det(img, scale)
    small = pad_to_grid(small, grid)
    preds = det.session(det_input(small, det.mean, det.std))
    boxes, _ = det.postprocess_op(preds, small.shape[:2])
    if len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32), fx, fy
    return np.asarray(det.sorted_boxes(boxes), dtype=np.float32), fx, fy


def det_input(img: ImageArray, mean: Any, std: Any) -> FloatArray:
    """``(img / 255 - mean) / std`` as a float32 NCHW batch of one."""
    m = np.asarray(mean, dtype=np.float32).reshape(-1)
    d = np.asarray(std, dtype=np.float32).reshape(-1)
    if np.all(m == m[0]) and np.all(d == d[0]):
        scale = 1.0 / (255.0 * float(d[0]))
        blob = cv2.dnn.blobFromImage(img, scale, mean=(255.0 * float(m[0]),) * 3, swapRB=False)
        return np.asarray(blob, dtype=np.float32)
    x = (img.astype(np.float32) / 255.0 - m) / d
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


class StripedDetector:
    """Runs the detector on horizontal strips of a large input and stitches its output map.

    The detection model maps an image to a per-pixel text probability of the same size, so a
    tall input can be cut into strips that overlap by ``overlap`` rows, each strip keeping only
    the rows it owns. Peak activation memory then follows the strip, not the page: a 200-dpi
    book page (a 1.7 MP final pass) otherwise held ~180 MiB of OpenVINO buffers. The overlap
    gives each owned row the context it has in the full image, except for the model's
    squeeze-excitation blocks, which average over whatever they are given.
    """

    def __init__(self, session: Any, max_pixels: int, overlap: int = 96) -> None:
        self.session = session
        self.max_pixels = max_pixels
        self.overlap = overlap

    def __call__(self, x: FloatArray) -> FloatArray:
        h, w = x.shape[2], x.shape[3]
        if h * w <= self.max_pixels or h < 4 * self.overlap:
            out: FloatArray = self.session(x)
            return out
        n = math.ceil(h * w / self.max_pixels)
        own = math.ceil(h / n / 32) * 32  # rows each strip owns; the model's stride is 32
        stitched: FloatArray | None = None
        for start in range(0, h, own):
            stop = min(h, start + own)
            top, bottom = max(0, start - self.overlap), min(h, stop + self.overlap)
            pred = self.session(np.ascontiguousarray(x[:, :, top:bottom]))
            self.release()  # one strip's buffers at a time
            if stitched is None:
                stitched = np.empty((*pred.shape[:2], h, pred.shape[3]), dtype=pred.dtype)
            stitched[:, :, start:stop] = pred[:, :, start - top : stop - top]
        assert stitched is not None
        return stitched

    def release(self) -> None:
        self.session.release()


def _quad_heights(quads: FloatArray) -> FloatArray:
    left = np.linalg.norm(quads[:, 0] - quads[:, 3], axis=1)
    right = np.linalg.norm(quads[:, 1] - quads[:, 2], axis=1)
    top = np.linalg.norm(quads[:, 0] - quads[:, 1], axis=1)
    h = np.maximum(left, right)
    # Vertical lines (taller than wide) are measured across, like the cropper does.
    out: FloatArray = np.where(h / np.maximum(top, 1) >= 1.5, top, h).astype(np.float32)
    return out


def quad_size(quad: FloatArray) -> tuple[float, float]:
    """The quad's width and height: its longer top/bottom and left/right edges."""
    w = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    h = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(w), float(h)


def crop(img: ImageArray, quad: FloatArray) -> ImageArray:
    """The quad warped flat, rotated upright when it is a vertical line (as RapidOCR does)."""
    w, h = (max(int(v), 1) for v in quad_size(quad))
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    out = cv2.warpPerspective(
        img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if h / w >= 1.5:
        out = np.ascontiguousarray(np.rot90(out))
    return out.astype(np.uint8)


def ink_mask(img: ImageArray) -> ImageArray:
    """1 where a crop (BGR or grey) is inked, 0 on paper: ``checkboxes.ink_mask`` of its grey.

    Otsu's threshold separates ink from paper whatever the scan's contrast; light text on a
    dark band is flipped so that ink is always the minority.
    """
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    return page_ink_mask(gray)


def _without_rules(binary: ImageArray) -> ImageArray:
    """``binary`` less its horizontal runs longer than twice the crop's height: rules.

    An underlined heading (``Tax (RM)`` ruled beneath, SROIE 014) or a form's fill-in line
    under typed text inks every column of the crop, so the blank between words vanishes from
    the profile and the words are glued; the rule also doubles the inked rows' height. No
    glyph stroke runs that long inside a line.
    """
    h, w = binary.shape[:2]
    if w <= 2 * h:
        return binary
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * h, 1))
    rules = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    if not rules.any():
        return binary
    return np.asarray(binary - rules, dtype=binary.dtype)


def ink_profile(img: ImageArray) -> tuple[NDArray[np.bool_], float]:
    """Which columns of a line crop hold ink, and how tall the inked rows are.

    Only the middle rows count for the columns, so a neighbouring line caught in the crop's
    margin does not fill the gaps.
    """
    binary = _without_rules(ink_mask(img))
    h = binary.shape[0]
    rows = np.flatnonzero(binary.mean(axis=1) > 0.02)
    ink_height = float(rows[-1] - rows[0] + 1) if len(rows) else float(h)
    band = binary[int(h * 0.2) : max(int(h * 0.8), int(h * 0.2) + 1)]
    columns: NDArray[np.bool_] = np.asarray(band.any(axis=0), dtype=bool)
    return columns, ink_height


def _norm_for_rec(img: ImageArray, width: int, squeeze: float) -> tuple[FloatArray, int]:
    h, w = img.shape[:2]
    rw = min(width, max(1, math.ceil(REC_HEIGHT * squeeze * w / h)))
    # Upscaled bilinearly, as PaddleOCR's own preprocessing (``cv2.resize``'s default) fed the
    # recogniser in training: against cubic, FUNSD 0.8095 -> 0.8126, scribeocr 0.9503 ->
    # 0.9505 (form 0.834 -> 0.847, chart 0.978 -> 0.984, table 0.954 -> 0.951), SROIE 0.9005
    # -> 0.8994, UNLV unchanged. Shrunk by area: bilinear there cost SROIE 0.0004 more and
    # scribeocr's slide 0.006 (Lanczos upscaling, tried before: SROIE 0.897, FUNSD 0.811).
    interp = cv2.INTER_AREA if h > REC_HEIGHT else cv2.INTER_LINEAR
    resized = cv2.resize(img, (rw, REC_HEIGHT), interpolation=interp).astype(np.float32)
    out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
    out[:, :, :rw] = resized.transpose(2, 0, 1) / 127.5 - 1.0
    return out, rw


def recognize(
    session: Session,
    charset: list[str],
    crops: list[ImageArray],
    tuning: Tuning,
    first: int | None = None,
) -> list[tuple[list[Char], float]]:
    """Per crop: characters with x positions in crop pixels, and the mean confidence.

    Batches go through ``session.map``, which may run them concurrently; each batch's output
    (columns x the charset's classes: 1,751 with ``engine.charset=latin``, 18,710 with
    ``all``) is reduced to its best class per column as it arrives, so the
    whole page's outputs are never held at once.

    ``first``: the crops before this index are batched apart from the rest. A batch pads its
    crops to its widest, and the padding moves the recogniser's columns (and, on a few words,
    its reading), so extra crops (``engines.missed``) sharing batches with the detected lines
    changed words elsewhere on the page (SROIE 078: ``06S BRAISED`` -> ``06SBRAISED``).
    """
    ratios = [tuning.rec_squeeze * c.shape[1] / c.shape[0] for c in crops]
    split = len(crops) if first is None else first
    order = np.argsort(ratios[:split])
    rest = split + np.argsort(ratios[split:])
    plans: list[tuple[list[int], int, list[int]]] = []

    def inputs() -> Iterator[FloatArray]:
        for idx in _batches(order, ratios, tuning) + _batches(rest, ratios, tuning):
            ratio = max(tuning.rec_min_ratio, max(ratios[i] for i in idx))
            width = bucket_width(REC_HEIGHT * ratio, tuning.rec_width_step)
            batch, used = zip(
                *(_norm_for_rec(crops[i], width, tuning.rec_squeeze) for i in idx), strict=True
            )
            plans.append((idx, width, list(used)))
            yield np.stack(batch)

    best = session.map(inputs(), _best_classes)
    results: list[tuple[list[Char], float]] = [([], 0.0)] * len(crops)
    for (idx, width, used), classes in zip(plans, best, strict=True):
        stride = width / classes.ids.shape[1]
        for k, i in enumerate(idx):
            scale = crops[i].shape[1] / used[k]
            results[i] = _decode(classes, k, charset, stride * scale)
    return results


@dataclass(frozen=True)
class Classes:
    """A batch's best class per output column, its probability, and doubtful runners-up.

    ``alt_ids`` is -1 where no runner-up was taken (a confident column, or fewer classes).
    """

    ids: NDArray[np.intp]
    probs: FloatArray
    alt_ids: NDArray[np.intp]
    alt_probs: FloatArray


def _best_classes(pred: FloatArray) -> Classes:
    """The most likely class of each output column, and runners-up where it is doubtful.

    Only character columns below ``ALT_BELOW`` are partially sorted (a few per cent of
    them), so confident text costs an argmax.
    """
    ids = pred.argmax(axis=-1)
    probs: FloatArray = np.take_along_axis(pred, ids[..., None], axis=-1)[..., 0]
    alt_ids = np.full((*ids.shape, ALT_K), -1, dtype=np.intp)
    alt_probs = np.zeros((*ids.shape, ALT_K), dtype=np.float32)
    # Blank columns' runners-up are of no use: nothing reads them.
    doubtful = (probs < ALT_BELOW) & (ids != 0)
    if doubtful.any():
        # Repeated argmax over a copy with each winner struck out: on the 19 speed pages the
        # runners-up cost 0.10 s this way against 0.26 s with a partial sort (argpartition)
        # of the 18,710 classes (before the charset cut the head to 1,751).
        rows = pred[doubtful]
        at = np.arange(len(rows))
        rows[at, ids[doubtful]] = -1.0
        for j in range(min(ALT_K, pred.shape[-1] - 1)):
            best = rows.argmax(axis=-1)
            alt_ids[doubtful, j] = best
            alt_probs[doubtful, j] = rows[at, best]
            rows[at, best] = -1.0
    return Classes(ids, probs, alt_ids, alt_probs)


def bucket_width(columns: float, step: int) -> int:
    """``columns`` rounded up to ``step``, or to an eighth of its power of two when wider.

    Each distinct input shape costs the runtime kernel state (see ``_runtime``); geometric
    steps keep the shapes of a whole corpus to a few dozen at under 12.5% padding.
    """
    step = max(step, 1 << max(math.ceil(columns).bit_length() - 4, 0))
    return math.ceil(columns / step) * step


def _batches(order: Any, ratios: list[float], tuning: Tuning) -> list[list[int]]:
    """Crops sorted by width, grouped so a batch pads to at most ``rec_batch_columns``.

    Activations grow with batch x width; a page of full-width lines in batches of 8 peaked
    ~300 MB above one whose batches were capped, for no speed gain. Under OpenVINO, which keeps
    a batch's buffers until released, 16 GeoTopo pages peaked at 1,013 MiB with 3,200 columns
    and 983 MiB with 1,600, in 30 and 25 s (noisy host: no slower).
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for i in (int(k) for k in order):
        width = REC_HEIGHT * max(tuning.rec_min_ratio, ratios[i])
        if current and (
            len(current) >= tuning.rec_batch
            or (len(current) + 1) * width > tuning.rec_batch_columns
        ):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def _decode(
    classes: Classes, row: int, charset: list[str], px_per_col: float
) -> tuple[list[Char], float]:
    """CTC greedy decoding of batch row ``row`` that keeps each character's column.

    A blank runner-up (class 0) is kept only for a character one column long: in a longer run
    the other columns still read the character, so a blank at the first says nothing.
    """
    ids, probs = classes.ids[row], classes.probs[row]
    keep = np.ones(len(ids), dtype=bool)
    keep[1:] = ids[1:] != ids[:-1]
    keep &= ids != 0
    cols = np.flatnonzero(keep)
    chars = []
    for c in cols:
        alts: tuple[tuple[str, float], ...] = ()
        if probs[c] < ALT_BELOW:
            single = c + 1 >= len(ids) or ids[c + 1] != ids[c]
            alts = tuple(
                ("" if a == 0 else charset[a], float(p))
                for a, p in zip(classes.alt_ids[row, c], classes.alt_probs[row, c], strict=True)
                if a >= 0 and (a != 0 or single) and a < len(charset)
            )
        chars.append(Char(charset[ids[c]], (c + 0.5) * px_per_col, float(probs[c]), alts))
    score = float(np.mean(probs[cols])) if len(cols) else 0.0
    return chars, score


__all__ = [
    "Char",
    "RawLine",
    "StripedDetector",
    "Tuning",
    "bucket_width",
    "crop",
    "det_input",
    "detect",
    "ink_mask",
    "pad_to_grid",
    "quad_size",
    "recognize",
]
