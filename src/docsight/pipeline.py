"""``process(source, options) -> Result``: the one entry point every interface calls.

Pages stream: each is rendered, recognised and released before the next, so memory stays
bounded by one page whatever the document's length. A page that fails is recorded with its
error and the document ends as ``partial_success``; only document-level problems (empty,
corrupt, encrypted, over a limit) raise. The engine is loaded only when a page needs OCR, so a
born-digital PDF never pays for model start-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from docsight.document import Source, SourcePage, open_document
from docsight.engines.base import Engine
from docsight.engines.registry import ENGINES, engine_class, get_engine
from docsight.errors import DocsightError, EngineUnavailableError, UnknownEngineError
from docsight.models import DocumentStatus, ErrorInfo, PageResult, PageStatus, Result
from docsight.parsing import parse_markdown
from docsight.settings import Settings, TextLayerMode, get_settings
from docsight.textlayer import assess, to_markdown


class ProcessOptions(BaseModel):
    """Per-call choices; unset fields fall back to the settings."""

    engine: str | None = Field(None, description="Engine name; default from settings.")
    pages: str | None = Field(None, description="Page selection such as '1-3,7'; all if unset.")
    dpi: int | None = Field(None, ge=36, le=1200, description="PDF render resolution.")
    text_layer: TextLayerMode | None = Field(None, description="auto | always | never")
    password: str | None = Field(None, description="Password of an encrypted PDF.", repr=False)


PageCallback = Callable[[PageResult], None]


def process(
    source: Source,
    options: ProcessOptions | None = None,
    settings: Settings | None = None,
    *,
    name: str | None = None,
    on_page: PageCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Result:
    """Read a document into a ``Result``; ``on_page`` is called after each page (progress)."""
    options = options or ProcessOptions()
    settings = _effective_settings(settings or get_settings(), options)
    engine_name = options.engine or settings.engine.default
    if engine_name not in ENGINES:  # fail fast on a typo, before opening anything
        engine_class(engine_name)
    mode = options.text_layer or settings.text_layer.mode
    started = time.perf_counter()
    runner = _PageRunner(engine_name, mode, settings)
    with open_document(source, settings, name=name, password=options.password) as document:
        numbers = document.select(options.pages)
        if on_start is not None:
            on_start(len(numbers))
        pages = []
        for page in document.iter_pages(options.pages):
            result = _structure(runner.run(page))
            pages.append(result)
            if on_page is not None:
                on_page(result)
        info = document.info
    failed = sum(1 for p in pages if p.status is PageStatus.FAILURE)
    status = (
        DocumentStatus.SUCCESS
        if failed == 0
        else DocumentStatus.FAILURE
        if failed == len(pages)
        else DocumentStatus.PARTIAL_SUCCESS
    )
    timings: dict[str, float] = {"total": time.perf_counter() - started}
    for page_result in pages:
        for stage, seconds in page_result.timings.items():
            timings[stage] = timings.get(stage, 0.0) + seconds
    return Result(
        status=status,
        document=info,
        engine=engine_name,
        model=runner.model,
        options=options.model_dump(exclude={"password"}, exclude_none=True),
        pages=pages,
        timings=timings,
    )


class _PageRunner:
    """Turns one ``SourcePage`` into a ``PageResult``, loading the engine on first need."""

    def __init__(self, engine_name: str, mode: TextLayerMode, settings: Settings) -> None:
        self.engine_name = engine_name
        self.mode = mode
        self.settings = settings
        self._engine: Engine | None = None
        self.model: str | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_engine(self.engine_name, self.settings)
            self.model = self._engine.model
        return self._engine

    def run(self, page: SourcePage) -> PageResult:
        timings: dict[str, float] = {}
        warnings: list[str] = []
        try:
            if self.mode != "never":
                tick = time.perf_counter()
                layer = page.text_layer()
                timings["text_layer"] = time.perf_counter() - tick
                usable, reason = assess(layer, self.settings.text_layer)
                if layer is not None and (usable or (self.mode == "always" and layer.lines)):
                    return PageResult(
                        number=page.number,
                        source="text_layer",
                        engine="text_layer",
                        width=layer.width,
                        height=layer.height,
                        dpi=layer.dpi,
                        markdown=to_markdown(layer),
                        lines=layer.lines,
                        timings=timings,
                    )
                if layer is not None and layer.char_count:
                    warnings.append(f"text layer not used: {reason}")
            tick = time.perf_counter()
            image = page.render()
            timings["render"] = time.perf_counter() - tick
            engine = self.engine()
            tick = time.perf_counter()
            output = engine.recognize(image)
            timings["ocr"] = time.perf_counter() - tick
            for stage, seconds in output.timings.items():
                timings[f"ocr.{stage}"] = seconds
            width, height = output.size or image.image.size  # turned or straightened?
            return PageResult(
                number=page.number,
                source="ocr",
                engine=self.engine_name,
                model=output.model,
                width=width,
                height=height,
                dpi=image.dpi,
                rotation=output.rotation,
                deskew=output.deskew,
                markdown=output.markdown,
                lines=output.lines,
                layout=output.blocks,
                repetition=output.repetition,
                warnings=warnings + output.warnings,
                timings=timings,
            )
        except DocsightError as exc:
            if _is_fatal(exc):
                raise
            return _failed(page.number, exc.code, exc.message, warnings, timings)
        except Exception as exc:  # an engine bug must not lose the other pages
            return _failed(
                page.number, "engine_failed", f"{type(exc).__name__}: {exc}", warnings, timings
            )


def _structure(page: PageResult) -> PageResult:
    """Parse the page's markdown into blocks (the parser never raises)."""
    if page.status is PageStatus.SUCCESS:
        tick = time.perf_counter()
        parsed = parse_markdown(page.markdown, page=page.number, lines=page.lines)
        page.blocks = parsed.blocks
        page.repetition = page.repetition or parsed.repetition
        page.warnings.extend(f"{w.code}: {w.message}" for w in parsed.warnings)
        page.timings["parse"] = time.perf_counter() - tick
    return page


def _is_fatal(exc: DocsightError) -> bool:
    """Engine loading problems affect every page: stop rather than fail each page alike."""
    return isinstance(exc, EngineUnavailableError | UnknownEngineError)


def _failed(
    number: int, code: str, message: str, warnings: list[str], timings: dict[str, float]
) -> PageResult:
    return PageResult(
        number=number,
        status=PageStatus.FAILURE,
        error=ErrorInfo(code=code, message=message),
        warnings=warnings,
        timings=timings,
    )


def _effective_settings(settings: Settings, options: ProcessOptions) -> Settings:
    if options.dpi is None or options.dpi == settings.render.dpi:
        return settings
    update: dict[str, Any] = {"render": settings.render.model_copy(update={"dpi": options.dpi})}
    return settings.model_copy(update=update)


__all__ = ["PageCallback", "ProcessOptions", "process"]
