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

Threading: one instance holds two ONNX sessions (detection, recognition) using
``settings.engine.threads`` intra-op threads; ``recognize`` is called from one thread at a time
(the engine contract).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import cv2
import numpy as np

from docsight.engines._memory import release_freed_memory
from docsight.engines._rapid_pipeline import (
    RawLine,
    Tuning,
    crop,
    detect,
    ink_profile,
    recognize,
)
from docsight.engines._rapid_words import compose_plain, split_words, to_line
from docsight.engines.base import Availability, Capabilities, PageImage, check_modules
from docsight.engines.checkboxes import find_checkboxes, merge_checkboxes
from docsight.engines.layout import LayoutModel
from docsight.engines.markup import compose
from docsight.errors import EngineFailedError, EngineUnavailableError
from docsight.models import EngineOutput, LayoutBlock, Line
from docsight.settings import Settings


def _retune_session(wrapper: Any, threads: int) -> None:
    """Rebuild RapidOCR's ONNX session with idle worker threads that sleep instead of spin.

    RapidOCR cannot pass ONNX Runtime's session config entries. With spinning on, a two-thread
    session on a busy two-core host (several workers, or the layout model beside it) measured
    35-45% more CPU time and up to 40% more wall time per page than with spinning off.
    """
    import onnxruntime as ort

    path = getattr(getattr(wrapper, "session", None), "_model_path", None)
    if not isinstance(path, str):
        return  # an unexpected RapidOCR layout: keep its own session rather than fail
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    wrapper.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


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
            _retune_session(self._det.session, threads)
            _retune_session(rec.session, threads)
        except Exception as exc:  # a broken wheel or a model that tries to download
            raise EngineUnavailableError(f"RapidOCR could not load its models: {exc}") from exc
        self._rec_session = rec.session
        self._charset: list[str] = list(rec.postprocess_op.character)
        rec_cfg = ocr.cfg.Rec
        version = getattr(rec_cfg.ocr_version, "value", rec_cfg.ocr_version)
        size = getattr(rec_cfg.model_type, "value", rec_cfg.model_type)
        self._model = f"{version}-{size}"
        self._layout = self._load_layout(threads) if settings.engine.use_layout else None

    @classmethod
    def availability(cls) -> Availability:
        return check_modules("rapidocr", "onnxruntime", "cv2")

    @property
    def model(self) -> str | None:
        return self._model

    def recognize(self, page: PageImage) -> EngineOutput:
        """Lines, words and markdown for one page; boxes are pixels of ``page.image``."""
        try:
            return self._recognize(page)
        except EngineFailedError:
            raise
        except Exception as exc:
            raise EngineFailedError(f"RapidOCR failed on page {page.number}: {exc}") from exc

    def _recognize(self, page: PageImage) -> EngineOutput:
        tuning = self._tuning
        timings: dict[str, float] = {}
        start = time.perf_counter()
        rgb = page.image.convert("RGB")
        width, height = rgb.size
        # The models were trained on OpenCV's BGR channel order.
        img = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])

        quads, _ = detect(self._det, img, tuning)
        release_freed_memory()  # detection's activations, before recognition allocates its own
        timings["det"] = time.perf_counter() - start

        mark = time.perf_counter()
        crops = [crop(img, q) for q in quads]
        raw: list[RawLine] = []
        if crops:
            for quad, piece, (chars, score) in zip(
                quads,
                crops,
                recognize(self._rec_session, self._charset, crops, tuning),
                strict=True,
            ):
                ink, ink_height = ink_profile(piece)
                raw.append(
                    RawLine(quad, score, piece.shape[0], chars, ink=ink, ink_height=ink_height)
                )
        release_freed_memory()
        timings["rec"] = time.perf_counter() - mark

        lines = [
            to_line(
                r,
                split_words(
                    r, tuning.space_gap, cell_pitch=tuning.cell_pitch, cell_blank=tuning.cell_blank
                ),
                width,
                height,
            )
            for r in raw
            if r.score >= tuning.text_score and r.text
        ]

        if self._settings.engine.checkboxes and lines:
            mark = time.perf_counter()
            heights = [ln.box.height for ln in lines if ln.box.width > ln.box.height]
            if heights:
                gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
                boxes = find_checkboxes(gray, float(np.median(heights)))
                lines = merge_checkboxes(lines, boxes)
            timings["checkboxes"] = time.perf_counter() - mark

        blocks: list[LayoutBlock] = []
        if self._layout is not None:
            mark = time.perf_counter()
            blocks = list(self._layout.detect(rgb))
            timings["layout"] = time.perf_counter() - mark

        lines, markdown = self._compose(lines, blocks, width, height)
        timings["total"] = time.perf_counter() - start
        return EngineOutput(
            markdown=markdown, lines=lines, blocks=blocks, model=self._model, timings=timings
        )

    @staticmethod
    def _compose(
        lines: list[Line], blocks: list[LayoutBlock], width: int, height: int
    ) -> tuple[list[Line], str]:
        """Lines in reading order and the page's markdown."""
        ordered, _ = compose_plain(lines)
        return ordered, compose(ordered, blocks, width, height)

    @staticmethod
    def _load_layout(threads: int) -> LayoutModel:
        return LayoutModel(threads)


__all__ = ["RapidOcrEngine", "Tuning"]
