"""The default embedded CPU engine: RapidOCR's bundled PP-OCRv6 small ONNX models.

Only the models inside the ``rapidocr`` wheel are used (other variants download at start-up,
which an offline server cannot do). RapidOCR loads the models; the page-level steps (scaling,
cropping, batching, decoding, word splitting) are ours, in ``_rapid_pipeline`` and
``_rapid_words``, because RapidOCR's defaults lose accuracy and time on documents.

Measured on ``data/`` (2 shared, busy cores; one run each; case-insensitive bag-of-words F1;
RapidOCR's own pipeline in brackets): SROIE 100 receipts 0.883 in 2.2 s/page (0.861, 5.4 s);
FUNSD 50 forms 0.797 in 3.4 s/page (0.775, 4.1 s); UNLV 8071/8087 CER 0.022/0.012 with lines
ordered by the ground truth's zones (Tesseract 5.3 on the whole page: 0.094/0.078). The
direction classifier is off: it flipped short receipt lines and cost 0.015 F1 on SROIE; pages
are expected upright.

Runtime: the models run on OpenVINO where it is installed, else ONNX Runtime (``_runtime``);
on 40 SROIE receipts and 40 FUNSD forms OpenVINO (bf16 on this AMX CPU) read 0.879 / 0.793 F1
against ONNX Runtime's 0.880 / 0.792, in 1.12 instead of 2.30 s/page.

Threading: one instance holds three model sessions (detection, recognition, layout) using
``settings.engine.threads`` threads each. Pages go through an instance one at a time: threads
sharing it (the registry hands every caller the same one) queue on a lock, since the models
already use every thread and two pages at once would only hold two pages' activations.
Within a page the layout model runs on the instance's own background
thread beside detection and recognition, whose Python steps leave a core idle: the 19 speed
pages took 0.836 instead of 0.887 s/page (4 interleaved rounds), the GeoTopo OCR path peaked
at 911 instead of 899 MB. A page waits for its layout run before returning, also on failure.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Any, ClassVar

import cv2
import numpy as np
from PIL import Image

from docsight.engines._charset import recognizer_classes
from docsight.engines._lexicon import Lexicon
from docsight.engines._memory import release_freed_memory
from docsight.engines._numbers import faint_decimal, mend_number
from docsight.engines._rapid_orient import (
    doubtful_turn,
    is_sideways,
    refine_skew,
    sideways_turn,
    skew,
)
from docsight.engines._rapid_pipeline import (
    Char,
    ImageArray,
    RawLine,
    StripedDetector,
    Tuning,
    crop,
    detect,
    ink_profile,
    quad_size,
    recognize,
)
from docsight.engines._rapid_stack import stacked_pieces
from docsight.engines._rapid_words import compose_plain, split_glued, split_words, to_line
from docsight.engines._runtime import Session, open_session
from docsight.engines.base import (
    Availability,
    Capabilities,
    PageImage,
    check_modules,
    straighten,
    upright,
)
from docsight.engines.bullets import add_bullets
from docsight.engines.checkboxes import find_checkboxes, ink_mask, merge_checkboxes
from docsight.engines.layout import LayoutModel
from docsight.engines.markup import compose
from docsight.engines.missed import components, missed_colons, missed_marks, missed_words
from docsight.errors import EngineFailedError, EngineUnavailableError
from docsight.models import EngineOutput, LayoutBlock, Line, Rotation
from docsight.settings import Settings


def _model_path(wrapper: Any) -> str:
    """Where RapidOCR loaded a model from, so that our own runtime can open the same file."""
    path = getattr(getattr(wrapper, "session", None), "_model_path", None)
    if not isinstance(path, str):
        raise EngineUnavailableError("RapidOCR's model layout changed: no model path found")
    return path


def _covered(quad: Any, others: list[Any]) -> bool:
    """Whether most of ``quad``'s bounding box lies inside one of ``others``' boxes."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    area = max((x1 - x0) * (y1 - y0), 1e-6)
    for other in others:
        ox0, oy0 = other.min(axis=0)
        ox1, oy1 = other.max(axis=0)
        w = min(x1, ox1) - max(x0, ox0)
        h = min(y1, oy1) - max(y0, oy0)
        if w > 0 and h > 0 and w * h / area > 0.5:
            return True
    return False


def _alone(piece: ImageArray, box: tuple[float, float, float, float]) -> ImageArray:
    """``piece`` with paper painted over all but ``box``: a glyph without its neighbours' ink."""
    x0, y0, x1, y1 = (round(v) for v in box)
    out = piece.copy()
    paper = np.median(piece.reshape(-1, piece.shape[-1]), axis=0).astype(piece.dtype)
    keep = np.zeros(piece.shape[:2], dtype=bool)
    keep[max(0, y0 - 1) : y1 + 1, max(0, x0 - 1) : x1 + 1] = True
    out[~keep] = paper
    return out


def _is_flat(quad: Any) -> bool:
    """Whether a detected box lies along the page's rows (not a vertical line of text)."""
    width, height = quad_size(quad)
    return width > height


# What a lone mark (``missed.missed_marks``) may read as: marks a receipt sets in a column of
# its own. A speck reads as ``.`` or ``'`` and a rule's fragment as ``_``: never kept.
LONE_MARKS = frozenset({"-", "=", "*", "+"})

# ``np.rot90``'s counter-clockwise quarter turns as the clockwise degrees results report.
_CLOCKWISE: dict[int, Rotation] = {0: 0, 1: 270, 2: 180, 3: 90}


def _bgr(rgb: Image.Image) -> ImageArray:
    """The page as the models take it: they were trained on OpenCV's BGR channel order."""
    return np.asarray(cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR), np.uint8)


def _add(timings: dict[str, float], stage: str, since: float) -> None:
    """Adds the time since ``since`` to a stage that may run more than once per page."""
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - since


# Engine state inherited through ``fork`` (see ``RapidOcrEngine.recognize``).
_INHERITED: list[dict[str, Any]] = []


class RapidOcrEngine:
    """PP-OCRv6 detection and recognition with boxes, confidences and per-word boxes."""

    name: ClassVar[str] = "rapidocr"
    description: ClassVar[str] = "RapidOCR PP-OCRv6 small (ONNX, CPU): fast, robust on scans"
    capabilities: ClassVar[Capabilities] = Capabilities(
        boxes=True,
        confidence=True,
        layout=True,
        tables=True,
    )

    def __init__(self, settings: Settings, tuning: Tuning | None = None) -> None:
        self._settings = settings
        self._tuning = tuning or Tuning()
        self._pid = os.getpid()
        self._pages = threading.Lock()
        threads = settings.engine.threads
        try:
            from rapidocr import RapidOCR

            ocr: Any = RapidOCR(
                params={
                    "Global.log_level": "warning",
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    "Det.box_thresh": self._tuning.det_box_thresh,
                    "Det.unclip_ratio": self._tuning.det_unclip_ratio,
                }
            )
            # RapidOCR loads its sessions lazily; loading here keeps the first page fast and
            # surfaces a broken install at construction, where the contract wants it.
            self._det = ocr._load_det_model()
            rec = ocr._load_rec_model()
            engine = settings.engine
            # RapidOCR's detector keeps its pre- and post-processing; the model call is ours.
            # The ONNX files RapidOCR bundles (``scripts/quantize_models.py`` reads them).
            self.source_models = {
                "det": _model_path(self._det.session),
                "rec": _model_path(rec.session),
            }
            self._det.session = StripedDetector(
                open_session(self.source_models["det"], threads, engine.runtime, engine.precision),
                self._tuning.det_strip_pixels,
            )
            charset: list[str] = list(rec.postprocess_op.character)
            keep = recognizer_classes(charset, engine.charset)
            # Recognition batches are small: one stream per thread keeps the cores busier
            # than two threads inside each call (``OpenVinoSession``).
            self._rec_session: Session = open_session(
                self.source_models["rec"],
                threads,
                engine.runtime,
                engine.precision,
                streams=threads,
                classes=keep,
            )
        except EngineUnavailableError:
            raise
        except Exception as exc:  # a broken wheel or a model that tries to download
            raise EngineUnavailableError(f"RapidOCR could not load its models: {exc}") from exc
        self._charset = charset if keep is None else [charset[i] for i in keep]
        rec_cfg = ocr.cfg.Rec
        version = getattr(rec_cfg.ocr_version, "value", rec_cfg.ocr_version)
        size = getattr(rec_cfg.model_type, "value", rec_cfg.model_type)
        self.runtime = self._rec_session.description
        # The runtime and its precision move probabilities a little, and a cut charset changes
        # what can be read, so results record them (``PP-OCRv6-small-latin/openvino-int8``).
        cut = "" if keep is None else f"-{engine.charset}"
        self._model = f"{version}-{size}{cut}/{self.runtime}"
        self._lexicon = (
            Lexicon(
                engine.lexicon,
                max_prob=self._tuning.lexicon_prob,
                prior=self._tuning.lexicon_prior,
            )
            if engine.lexicon
            else None
        )
        self._layout = (
            LayoutModel(threads, runtime=engine.runtime, precision=engine.precision)
            if settings.engine.use_layout
            else None
        )
        self._background = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="docsight-layout")
            if self._layout is not None
            else None
        )

    @classmethod
    def availability(cls) -> Availability:
        return check_modules("rapidocr", "onnxruntime", "cv2")

    @property
    def model(self) -> str | None:
        return self._model

    def recognize(self, page: PageImage) -> EngineOutput:
        """Lines, words and markdown for one page; boxes are pixels of ``page.image``."""
        if self._pid != os.getpid():
            # Forked: OpenVINO's threads and the layout thread stayed in the parent, so a read
            # here would wait forever. Load afresh; the inherited sessions are kept, not torn
            # down (their destructors would wait on those threads too).
            _INHERITED.append(dict(self.__dict__))
            self.__init__(self._settings, self._tuning)  # type: ignore[misc]
        with self._pages:
            try:
                return self._recognize(page)
            except EngineFailedError:
                raise
            except Exception as exc:
                raise EngineFailedError(f"RapidOCR failed on page {page.number}: {exc}") from exc

    def _recognize(self, page: PageImage) -> EngineOutput:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        rgb = page.image
        if rgb.mode == "RGB":
            rgb.load()  # decoded here, before two threads read it
        else:
            rgb = rgb.convert("RGB")
        # The layout model needs only the image: it runs beside detection and recognition,
        # whose Python steps (box extraction, cropping, decoding) leave a core idle. A page
        # found turned or slanted is laid out again as read (``_relaid``).
        pending: list[Future[list[LayoutBlock]]] = []
        if self._background is not None and self._layout is not None:
            pending.append(self._background.submit(self._layout.detect, rgb))
        try:
            return self._read(rgb, pending, timings, start)
        finally:
            wait(pending)  # never two pages' layout runs at once, even after a failure

    def _read(
        self,
        rgb: Image.Image,
        pending: list[Future[list[LayoutBlock]]],
        timings: dict[str, float],
        start: float,
    ) -> EngineOutput:
        tuning = self._tuning
        img = _bgr(rgb)
        orient = self._settings.engine.auto_rotate
        turns = 0

        quads = self._detect(img, timings)
        if orient and is_sideways(quads):
            mark = time.perf_counter()
            turns = sideways_turn(img, quads, crop, self._confidences)
            _add(timings, "orient", mark)
            rgb = upright(rgb, _CLOCKWISE[turns], 0.0)
            img = self._relaid(rgb, pending)
            quads = self._detect(img, timings)
        deskew = skew(quads) if orient else 0.0
        if deskew:
            mark = time.perf_counter()
            deskew = refine_skew(img, quads, deskew)
            _add(timings, "orient", mark)
            rgb = straighten(rgb, deskew)
            img = self._relaid(rgb, pending)
            quads = self._detect(img, timings)
        gray, ink = self._ink(img)
        raw = self._read_lines(img, ink, quads, timings)
        if orient:
            mark = time.perf_counter()
            extra = doubtful_turn(img, raw, crop, self._confidences)
            _add(timings, "orient", mark)
            if extra:
                turns = (turns + extra) % 4
                rgb = upright(rgb, _CLOCKWISE[extra], 0.0)
                img = self._relaid(rgb, pending)
                gray, ink = self._ink(img)
                raw = self._read_lines(img, ink, self._detect(img, timings), timings)

        height, width = img.shape[:2]
        lines = [
            to_line(r, self._words(r), width, height)
            for r in raw
            if r.score >= tuning.text_score and r.text
        ]

        if lines:
            mark = time.perf_counter()
            # Bullets and boxes are ink the detector leaves out: found in the image itself.
            lines = add_bullets(ink, lines)
            heights = [ln.box.height for ln in lines if ln.box.width > ln.box.height]
            if self._settings.engine.checkboxes and heights:
                boxes = find_checkboxes(gray, float(np.median(heights)), ink=ink)
                lines = merge_checkboxes(lines, boxes)
            timings["checkboxes"] = time.perf_counter() - mark

        blocks: list[LayoutBlock] = []
        if pending and self._layout is not None:
            mark = time.perf_counter()
            blocks = list(pending[-1].result())
            timings["layout"] = self._layout.last_seconds  # its own run, beside the rest
            timings["layout_wait"] = time.perf_counter() - mark

        lines, markdown = self._compose(lines, blocks, width, height)
        timings["total"] = time.perf_counter() - start
        return EngineOutput(
            markdown=markdown,
            lines=lines,
            blocks=blocks,
            model=self._model,
            timings=timings,
            rotation=_CLOCKWISE[turns],
            deskew=deskew,
            size=(width, height) if turns or deskew else None,
        )

    def _detect(self, img: ImageArray, timings: dict[str, float]) -> list[Any]:
        mark = time.perf_counter()
        quads, _ = detect(self._det, img, self._tuning)
        self._det.session.release()
        release_freed_memory()  # detection's activations, before recognition allocates its own
        _add(timings, "det", mark)
        return list(quads)

    def _read_lines(
        self, img: ImageArray, ink: Any, quads: list[Any], timings: dict[str, float]
    ) -> list[RawLine]:
        """The detected boxes read, then the words of ink outside them that read confidently.

        Both go through one recognition call: a second call for the missed words cost the
        19 speed pages 10% (0.60 -> 0.66 s/page in one process, interleaved), far more than
        its own 0.02 s/page, in the recogniser's and the detector's next runs.
        """
        mark = time.perf_counter()
        crops = [crop(img, q) for q in quads]
        profiles = [ink_profile(c) for c in crops]
        _add(timings, "rec", mark)
        mark = time.perf_counter()
        extra, colons, marks = self._missed(ink, quads, profiles)
        _add(timings, "missed", mark)
        mark = time.perf_counter()
        crops += [crop(img, q) for q in extra]
        crops += [_alone(crop(img, q), box) for q, box in [*colons, *marks]]
        profiles += [ink_profile(c) for c in crops[len(quads) :]]
        lone = [q for q, _ in [*colons, *marks]]
        raw = self._raw_lines([*quads, *extra, *lone], crops, profiles, len(quads))
        words = raw[len(quads) : len(quads) + len(extra)]
        start = len(quads) + len(extra)
        tuning = self._tuning
        found = (
            [
                r
                for r in words
                if r.score >= tuning.missed_score and any(c.text.isalnum() for c in r.chars)
            ]
            + [
                r
                for r in raw[start : start + len(colons)]
                if r.text == ":" and r.score >= tuning.colon_score
            ]
            + [
                r
                for r in raw[start + len(colons) :]
                if r.text in LONE_MARKS and r.score >= tuning.mark_score
            ]
        )
        raw = self._unstack(img, raw[: len(quads)]) + found
        self._rec_session.release()
        release_freed_memory()
        _add(timings, "rec", mark)
        return raw

    def _ink(self, img: ImageArray) -> tuple[Any, Any]:
        """The page in grey and its ink mask, for the missed words, bullets and checkboxes."""
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        return gray, ink_mask(gray)

    def _missed(
        self, ink: Any, quads: list[Any], profiles: list[tuple[Any, float]]
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """Quads about words, colons and marks of ink outside every box (``engines.missed``)."""
        flat = [h for q, (_, h) in zip(quads, profiles, strict=True) if _is_flat(q)]
        if not flat:
            return [], [], []
        boxes = [
            (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
            for q in quads
        ]
        ink_height, stats = float(np.median(flat)), components(ink)
        colons = missed_colons(ink, boxes, ink_height, stats)
        taken = [
            (float(q[0, 0]) + bx0, float(q[0, 1]) + by0, float(q[0, 0]) + bx1, float(q[0, 1]) + by1)
            for q, (bx0, by0, bx1, by1) in colons
        ]
        return (
            missed_words(ink, boxes, ink_height, stats),
            colons,
            missed_marks(ink, boxes, ink_height, stats, skip=taken),
        )

    def _confidences(self, crops: list[ImageArray]) -> list[float]:
        """Each crop's mean character probability: what the orientation tests compare."""
        return [
            score for _, score in recognize(self._rec_session, self._charset, crops, self._tuning)
        ]

    def _relaid(self, rgb: Image.Image, pending: list[Future[list[LayoutBlock]]]) -> ImageArray:
        """The BGR array of a page image made anew (turned, straightened), laid out again."""
        if self._background is not None and self._layout is not None:
            wait(pending)  # the layout of the page as it lay is of no use; one run at a time
            pending.append(self._background.submit(self._layout.detect, rgb))
        return _bgr(rgb)

    def _raw_lines(
        self,
        quads: list[Any],
        crops: list[ImageArray],
        profiles: list[tuple[Any, float]] | None = None,
        first: int | None = None,
    ) -> list[RawLine]:
        """Each crop read, with its ink profile for the word splitter (``recognize``: ``first``)."""
        if not quads:
            return []
        if profiles is None:
            profiles = [ink_profile(c) for c in crops]
        readings = recognize(self._rec_session, self._charset, crops, self._tuning, first)
        return [
            RawLine(quad, score, piece.shape[0], chars, ink=ink, ink_height=ink_height)
            for quad, piece, (chars, score), (ink, ink_height) in zip(
                quads, crops, readings, profiles, strict=True
            )
        ]

    def _unstack(self, img: ImageArray, raw: list[RawLine]) -> list[RawLine]:
        """``raw`` with each box of stacked lines replaced by its lines where they read better.

        See ``_rapid_stack``: the box and its bands are both read, and the bands win when
        their characters' mean probability beats the box's.
        """
        flat = [r for r in raw if quad_size(r.quad)[0] > r.height]
        if not flat:
            return raw
        line_height = float(np.median([r.height for r in flat]))
        ink_height = float(np.median([r.ink_height for r in flat]))
        found = {
            i: pieces
            for i, r in enumerate(raw)
            if (pieces := stacked_pieces(img, r.quad, line_height, ink_height))
        }
        if not found:
            return raw
        pieces = [q for piece in found.values() for q in piece]
        readings = iter(self._raw_lines(pieces, [crop(img, q) for q in pieces]))
        out: list[RawLine] = []
        for i, r in enumerate(raw):
            if i not in found:
                out.append(r)
                continue
            others = [o.quad for k, o in enumerate(raw) if k != i]
            # A piece the detector also found on its own is read once, from its own box.
            lines = [
                ln for ln in (next(readings) for _ in found[i]) if not _covered(ln.quad, others)
            ]
            n = sum(len(ln.chars) for ln in lines)
            mean = sum(ln.score * len(ln.chars) for ln in lines) / n if n else 0.0
            out.extend(lines if mean > (r.score if r.text else 0.0) else [r])
        return out

    def _words(self, line: RawLine) -> list[list[Char]]:
        tuning = self._tuning
        chars = faint_decimal(line)
        if chars is not line.chars:
            line = replace(line, chars=chars)
        words = split_words(
            line,
            tuning.space_gap,
            cell_pitch=tuning.cell_pitch,
            cell_blank=tuning.cell_blank,
            colon_gap=tuning.colon_gap,
            colon_after_gap=tuning.colon_after_gap,
            point_gap=tuning.point_gap,
        )
        words = [mend_number(w) for w in words]
        if self._lexicon is not None:
            words = [self._lexicon.mend(w) for w in self._lexicon.settle_script(words)]
            words = split_glued(line, words, self._lexicon.known, tuning.glued_gap)
        return words

    @staticmethod
    def _compose(
        lines: list[Line], blocks: list[LayoutBlock], width: int, height: int
    ) -> tuple[list[Line], str]:
        """Lines in reading order and the page's markdown."""
        ordered, _ = compose_plain(lines)
        return ordered, compose(ordered, blocks, width, height)


__all__ = ["RapidOcrEngine", "Tuning"]
