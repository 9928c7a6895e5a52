"""One document through several engines (or registry models), side by side, with agreement.

Every engine reads the very same rendered page image (rendered once), always by OCR: the PDF
text layer is skipped, since comparing engines on text none of them read says nothing. The
outputs go through the one parser, so figures compare content, not markup habits:

- ``cer``: Levenshtein distance between the two pages' plain texts (whitespace collapsed)
  divided by the first engine's length, the usual CER with the first engine as reference;
  ``agreement`` is the symmetric 1 - distance / longer length;
- tables: how many each found, and for tables at the same position with the same shape, the
  share of identical cells;
- values: numbers, amounts and dates (what a wrong digit breaks downstream) found by one
  engine and not the other.

Without ground truth none of this says which engine is right; where they disagree is where a
person should look.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from itertools import combinations

from pydantic import BaseModel, Field

from docsight.document import Source, open_document
from docsight.engines.base import Engine, PageImage
from docsight.engines.model_manager import select_model
from docsight.engines.registry import engine_class, get_engine
from docsight.errors import EngineUnavailableError, InputError
from docsight.models import Block, BlockType, DocumentInfo, ErrorInfo
from docsight.parsing import parse_markdown
from docsight.settings import Settings, get_settings

_VALUE = re.compile(r"(?<![\w.,])[-+]?\d[\d.,/:-]*\d(?![\w])|(?<![\w.,])\d(?![\w.,])")


class EngineRun(BaseModel):
    engine: str
    model: str | None = None
    markdown: str = ""
    text: str = Field("", description="Plain text of the parsed blocks, used for the figures.")
    seconds: float = 0.0
    tables: int = 0
    repetition: bool = False
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None


class TableDiff(BaseModel):
    a_tables: int
    b_tables: int
    compared: int = Field(0, description="Table pairs at the same position and shape.")
    cell_agreement: float | None = Field(None, description="Identical cells in those pairs.")
    mismatches: list[str] = Field(default_factory=list)


class ValueDiff(BaseModel):
    common: int = 0
    only_a: list[str] = Field(default_factory=list)
    only_b: list[str] = Field(default_factory=list)


class PairAgreement(BaseModel):
    a: str
    b: str
    distance: int
    cer: float
    agreement: float
    tables: TableDiff
    values: ValueDiff


class PageComparison(BaseModel):
    number: int
    width: int
    height: int
    runs: list[EngineRun]
    pairs: list[PairAgreement]


class EngineSummary(BaseModel):
    engine: str
    model: str | None = None
    pages_ok: int = 0
    pages_failed: int = 0
    seconds: float = 0.0
    seconds_per_page: float = 0.0


class Comparison(BaseModel):
    document: DocumentInfo
    engines: list[str]
    pages: list[PageComparison] = Field(default_factory=list)
    summary: list[EngineSummary] = Field(default_factory=list)
    mean_agreement: dict[str, float] = Field(
        default_factory=dict, description="'a vs b' -> mean agreement over pages both read."
    )


def compare(
    source: Source,
    engines: list[str],
    settings: Settings | None = None,
    *,
    pages: str | None = None,
    name: str | None = None,
) -> Comparison:
    """Run ``engines`` (engine or model-registry names) over the pages of one document."""
    settings = settings or get_settings()
    if len(engines) < 2:
        raise InputError("compare needs at least two engines, e.g. rapidocr,tesseract")
    if len(set(engines)) != len(engines):
        raise InputError(f"engines named twice: {', '.join(engines)}")
    instances = {label: _instance(label, settings) for label in engines}
    result_pages: list[PageComparison] = []
    with open_document(source, settings, name=name) as document:
        for page in document.iter_pages(pages):
            image = page.render()
            runs = [_run(label, instances[label], image) for label in engines]
            pairs = [_pair(a, b) for a, b in combinations(runs, 2) if not (a.error or b.error)]
            result_pages.append(
                PageComparison(
                    number=page.number,
                    width=image.image.width,
                    height=image.image.height,
                    runs=runs,
                    pairs=pairs,
                )
            )
        info = document.info
    return Comparison(
        document=info,
        engines=engines,
        pages=result_pages,
        summary=[_summary(label, result_pages) for label in engines],
        mean_agreement=_mean_agreement(result_pages),
    )


def levenshtein(a: str, b: str) -> int:
    """Edit distance by Hyyrö's bit-parallel algorithm, Python ints as bit vectors.

    One pass over the longer string with a few big-int operations per character: fast enough
    for whole pages without a compiled dependency in the core.
    """
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def plain_text(blocks: list[Block]) -> str:
    """The page's text with every run of whitespace made one space.

    Tables contribute their cells as written: the block text repeats a spanned cell once per
    grid slot it covers, which would count a colspan as extra text.
    """
    parts = [
        " ".join(c.text for c in b.table.cells) if b.table is not None else b.text for b in blocks
    ]
    return " ".join(" ".join(parts).split())


def _instance(label: str, settings: Settings) -> Engine:
    engine_name, variant = select_model(settings, label)
    cls = engine_class(engine_name)
    status = cls.availability()
    if not status.available:
        raise EngineUnavailableError(f"engine {label!r} is not available: {status.reason}")
    if variant is settings:
        return get_engine(engine_name, settings)
    # A registry model differs from the engine's defaults in settings the registry's cache key
    # does not cover; a fresh (cheap) instance is correct and its model is still shared.
    return cls(variant)


def _run(label: str, engine: Engine, image: PageImage) -> EngineRun:
    tick = time.perf_counter()
    try:
        output = engine.recognize(image)
    except EngineUnavailableError:
        raise
    except Exception as exc:  # one engine's failure must not hide the others' pages
        code = getattr(exc, "code", "engine_failed")
        message = getattr(exc, "message", f"{type(exc).__name__}: {exc}")
        return EngineRun(
            engine=label,
            seconds=time.perf_counter() - tick,
            error=ErrorInfo(code=str(code), message=str(message)),
        )
    seconds = time.perf_counter() - tick
    parsed = parse_markdown(output.markdown, page=image.number, lines=output.lines)
    return EngineRun(
        engine=label,
        model=output.model,
        markdown=output.markdown,
        text=plain_text(parsed.blocks),
        seconds=seconds,
        tables=sum(1 for b in parsed.blocks if b.type is BlockType.TABLE),
        repetition=parsed.repetition or any(w.startswith("repetition") for w in output.warnings),
        warnings=output.warnings,
    )


def _pair(a: EngineRun, b: EngineRun) -> PairAgreement:
    distance = levenshtein(a.text, b.text)
    longer = max(len(a.text), len(b.text))
    return PairAgreement(
        a=a.engine,
        b=b.engine,
        distance=distance,
        cer=distance / len(a.text) if a.text else float(bool(b.text)),
        agreement=1.0 - distance / longer if longer else 1.0,
        tables=_tables(a.markdown, b.markdown),
        values=_values(a.text, b.text),
    )


def _tables(a_markdown: str, b_markdown: str) -> TableDiff:
    a_tables = [b.table for b in parse_markdown(a_markdown).blocks if b.table is not None]
    b_tables = [b.table for b in parse_markdown(b_markdown).blocks if b.table is not None]
    diff = TableDiff(a_tables=len(a_tables), b_tables=len(b_tables))
    same = cells = 0
    for index, (ta, tb) in enumerate(zip(a_tables, b_tables, strict=False), start=1):
        if (ta.n_rows, ta.n_cols) != (tb.n_rows, tb.n_cols):
            diff.mismatches.append(
                f"table {index}: {ta.n_rows}x{ta.n_cols} vs {tb.n_rows}x{tb.n_cols}"
            )
            continue
        diff.compared += 1
        for row_a, row_b in zip(ta.grid, tb.grid, strict=False):
            for cell_a, cell_b in zip(row_a, row_b, strict=False):
                cells += 1
                same += " ".join(cell_a.split()) == " ".join(cell_b.split())
    if cells:
        diff.cell_agreement = same / cells
    return diff


def _values(a_text: str, b_text: str) -> ValueDiff:
    a_values = Counter(_VALUE.findall(a_text))
    b_values = Counter(_VALUE.findall(b_text))
    return ValueDiff(
        common=sum((a_values & b_values).values()),
        only_a=sorted((a_values - b_values).elements()),
        only_b=sorted((b_values - a_values).elements()),
    )


def _summary(label: str, pages: list[PageComparison]) -> EngineSummary:
    runs = [run for page in pages for run in page.runs if run.engine == label]
    ok = [run for run in runs if run.error is None]
    seconds = sum(run.seconds for run in runs)
    return EngineSummary(
        engine=label,
        model=next((run.model for run in ok if run.model), None),
        pages_ok=len(ok),
        pages_failed=len(runs) - len(ok),
        seconds=seconds,
        seconds_per_page=seconds / len(runs) if runs else 0.0,
    )


def _mean_agreement(pages: list[PageComparison]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for page in pages:
        for pair in page.pairs:
            sums.setdefault(f"{pair.a} vs {pair.b}", []).append(pair.agreement)
    return {key: sum(values) / len(values) for key, values in sums.items()}


__all__ = [
    "Comparison",
    "EngineRun",
    "PageComparison",
    "PairAgreement",
    "compare",
    "levenshtein",
    "plain_text",
]
