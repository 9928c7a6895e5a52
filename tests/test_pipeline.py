import pytest

from docsight.engines import registry
from docsight.errors import EmptyDocumentError, EngineUnavailableError, UnknownEngineError
from docsight.models import DocumentStatus, PageStatus
from docsight.pipeline import ProcessOptions, process
from docsight.settings import Settings
from support.engines import MissingEngine, SizeEngine
from support.images import text_image
from support.pdfgen import image_pdf, text_pdf

TEXT = ["A born digital page with enough text to be used directly."]


@pytest.fixture(autouse=True)
def size_engine(monkeypatch: pytest.MonkeyPatch) -> type[SizeEngine]:
    monkeypatch.setitem(registry.ENGINES, "size", "support.engines:SizeEngine")
    monkeypatch.setitem(registry.ENGINES, "missing", "support.engines:MissingEngine")
    monkeypatch.setattr(registry, "_instances", {})
    monkeypatch.setattr(SizeEngine, "fail_on", set())
    monkeypatch.setattr(SizeEngine, "crash_on", set())
    monkeypatch.setattr(SizeEngine, "alive", [])
    monkeypatch.setattr(SizeEngine, "instances", 0)
    return SizeEngine


def scanned_pdf(pages: int) -> bytes:
    return image_pdf([text_image([f"page {n}"], size=(170, 220)) for n in range(pages)])


def test_text_layer_pages_skip_the_engine(settings: Settings) -> None:
    result = process(text_pdf([TEXT, TEXT]), ProcessOptions(engine="size"), settings)
    assert result.status is DocumentStatus.SUCCESS
    assert [p.source for p in result.pages] == ["text_layer", "text_layer"]
    assert SizeEngine.instances == 0
    assert "born digital" in result.markdown


def test_text_layer_never_forces_ocr(settings: Settings) -> None:
    options = ProcessOptions(engine="size", text_layer="never", dpi=100)
    result = process(text_pdf([TEXT]), options, settings)
    page = result.pages[0]
    assert page.source == "ocr"
    assert page.engine == "size"
    assert page.markdown == "page 1 827x1170"  # A4 at 100 dpi
    assert result.model == "size-1"
    assert {"render", "ocr"} <= set(page.timings)


def test_text_layer_always_uses_even_a_short_layer(settings: Settings) -> None:
    pdf = text_pdf([["p. 3"]])
    assert process(pdf, ProcessOptions(engine="size"), settings).pages[0].source == "ocr"
    always = process(pdf, ProcessOptions(engine="size", text_layer="always"), settings)
    assert always.pages[0].source == "text_layer"


def test_one_bad_page_is_a_partial_success(settings: Settings) -> None:
    SizeEngine.fail_on = {2}
    SizeEngine.crash_on = {3}
    result = process(scanned_pdf(4), ProcessOptions(engine="size"), settings)
    assert result.status is DocumentStatus.PARTIAL_SUCCESS
    statuses = [p.status for p in result.pages]
    assert statuses == [
        PageStatus.SUCCESS,
        PageStatus.FAILURE,
        PageStatus.FAILURE,
        PageStatus.SUCCESS,
    ]
    assert result.pages[1].error is not None and result.pages[1].error.code == "engine_failed"
    assert "RuntimeError" in result.pages[2].error.message  # type: ignore[union-attr]
    assert "page 2" not in result.markdown


def test_every_page_failing_is_a_failure(settings: Settings) -> None:
    SizeEngine.fail_on = {1, 2}
    result = process(scanned_pdf(2), ProcessOptions(engine="size"), settings)
    assert result.status is DocumentStatus.FAILURE


def test_pages_stream_one_at_a_time(settings: Settings) -> None:
    import gc

    seen: list[int] = []

    def on_page(page: object) -> None:
        gc.collect()
        seen.append(sum(1 for ref in SizeEngine.alive if ref() is not None))

    result = process(scanned_pdf(60), ProcessOptions(engine="size"), settings, on_page=on_page)
    assert len(result.pages) == 60
    assert max(seen) <= 1  # never more than the page in hand


def test_page_selection_and_options_recorded(settings: Settings) -> None:
    result = process(scanned_pdf(5), ProcessOptions(engine="size", pages="2,4-5"), settings)
    assert [p.number for p in result.pages] == [2, 4, 5]
    assert result.document.page_count == 5
    assert result.options == {"engine": "size", "pages": "2,4-5"}
    assert result.timings["total"] > 0


def test_unknown_engine_lists_choices(settings: Settings) -> None:
    with pytest.raises(UnknownEngineError, match="rapidocr"):
        process(b"irrelevant", ProcessOptions(engine="nope"), settings)


def test_unavailable_engine_stops_the_document(settings: Settings) -> None:
    assert MissingEngine.availability().available is False
    with pytest.raises(EngineUnavailableError, match="install"):
        process(scanned_pdf(2), ProcessOptions(engine="missing"), settings)


def test_document_errors_raise(settings: Settings) -> None:
    with pytest.raises(EmptyDocumentError):
        process(b"", ProcessOptions(engine="size"), settings)


def test_engine_that_cannot_be_imported_is_unavailable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.ENGINES, "broken", "support.no_such_module:Engine")
    with pytest.raises(EngineUnavailableError, match="cannot be imported"):
        process(scanned_pdf(1), ProcessOptions(engine="broken"), settings)
    info = {i.name: i for i in registry.list_engines()}["broken"]
    assert not info.available and "cannot be imported" in info.reason
