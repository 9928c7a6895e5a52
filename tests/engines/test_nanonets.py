"""The transformers engine on a tiny random-weight Qwen2.5-VL: real code path, fake weights."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("transformers")

from docsight.compare import compare
from docsight.engines import nanonets, registry
from docsight.engines._vlm import Attempt, fit_pixels, settle
from docsight.engines.base import PageImage
from docsight.engines.model_manager import ModelManager, select_model
from docsight.engines.nanonets import NanonetsEngine, resolve_source
from docsight.errors import ConfigurationError, EngineUnavailableError
from docsight.models import BlockType, PageStatus
from docsight.pipeline import ProcessOptions, process
from docsight.settings import Settings
from support.images import text_image
from support.tiny_vlm import SCRIPT, SCRIPT_TEXT, TinyCheckpoints

SMALL = 28 * 28 * 64  # pixels: keeps the tiny vision tower quick


def vlm_settings(settings: Settings, model: Path | str, **changes: Any) -> Settings:
    vlm = settings.vlm.model_copy(
        update={"model": str(model), "max_new_tokens": 64, "max_pixels": SMALL, **changes}
    )
    return settings.model_copy(update={"vlm": vlm})


def page(size: tuple[int, int] = (620, 877), number: int = 1) -> PageImage:
    return PageImage(text_image(["Invoice 2024-017", "Total 42.00"], size=size), number, 150)


@pytest.fixture
def manager() -> ModelManager:
    return ModelManager()


def test_reads_a_page_through_the_model_card_path(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager
) -> None:
    engine = NanonetsEngine(vlm_settings(settings, tiny_vlm.clean), manager)
    assert engine.plan.device == "cpu" and engine.plan.quantization == "none"
    output = engine.recognize(page())
    assert output.markdown == SCRIPT_TEXT
    assert output.lines == []  # a VLM knows no geometry and says so
    assert output.warnings == []
    assert {"generate", "load", "warmup"} <= set(output.timings)
    assert output.model == str(tiny_vlm.clean)


def test_batches_are_left_padded(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager
) -> None:
    # Pages of different shapes give prompts of different lengths; with right padding the
    # shorter prompt would continue from a pad token and write something else.
    engine = NanonetsEngine(vlm_settings(settings, tiny_vlm.clean, batch_size=2), manager)
    pages = [page((620, 877), 1), page((1400, 400), 2), page((300, 300), 3)]
    outputs = engine.recognize_batch(pages)
    assert [o.markdown for o in outputs] == [SCRIPT_TEXT] * 3
    with manager.use(engine._key, engine._load) as loaded:
        assert loaded.processor.tokenizer.padding_side == "left"


def test_output_flows_through_the_pipeline_and_parser(
    tiny_vlm: TinyCheckpoints, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_instances", {})
    buffer = io.BytesIO()
    text_image(["a scanned page"], size=(500, 700)).save(buffer, format="PNG")
    result = process(
        buffer.getvalue(), ProcessOptions(engine="nanonets"), vlm_settings(settings, tiny_vlm.clean)
    )
    only = result.pages[0]
    assert only.status is PageStatus.SUCCESS and only.engine == "nanonets"
    kinds = [b.type for b in only.blocks]
    assert kinds[0] is BlockType.HEADING and BlockType.TABLE in kinds
    table = next(b.table for b in only.blocks if b.table is not None)
    assert table.grid == [["Item", "Amount"], ["Paper", "42.00"]]
    assert any(b.type is BlockType.PAGE_NUMBER and b.value == 7 for b in only.blocks)
    assert "☑" in only.markdown


def test_a_loop_is_stopped_cut_retried_and_flagged(
    tiny_vlm: TinyCheckpoints,
    settings: Settings,
    manager: ModelManager,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nanonets, "_LOOP_CHECK_EVERY", 16)
    stops: list[int] = []
    original = nanonets._LoopStop.__call__

    def spy(self: Any, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        done = original(self, input_ids, scores, **kwargs)
        if bool(done.all()):
            stops.append(input_ids.shape[1] - self.prompt_len)
        return done

    monkeypatch.setattr(nanonets._LoopStop, "__call__", spy)
    engine = NanonetsEngine(vlm_settings(settings, tiny_vlm.looping, max_new_tokens=400), manager)
    output = engine.recognize(page())
    # Stopped once the loop showed, far below the 400-token budget, on both tries.
    assert len(stops) == 2 and all(n < 100 for n in stops)
    assert "retry" in output.timings
    assert output.warnings and output.warnings[0].startswith("repetition:")
    assert output.markdown.count("Total due") <= 2  # cut, not thousands of copies
    assert output.markdown.startswith(SCRIPT[0].strip())


def test_model_is_loaded_once_and_shared(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager
) -> None:
    configured = vlm_settings(settings, tiny_vlm.clean)
    first, second = NanonetsEngine(configured, manager), NanonetsEngine(configured, manager)
    first.recognize(page())
    output = second.recognize(page())
    assert "load" not in output.timings
    [stats] = manager.stats()
    assert stats.uses == 2 and stats.nbytes > 0 and stats.load_seconds > 0
    assert manager.unload() == [stats.key] and manager.stats() == []


def test_eight_bit_loading_where_bitsandbytes_supports_the_cpu(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager
) -> None:
    pytest.importorskip("bitsandbytes")
    engine = NanonetsEngine(vlm_settings(settings, tiny_vlm.clean, quantization="8bit"), manager)
    if engine.plan.quantization != "8bit":
        pytest.skip("this bitsandbytes has no CPU support")
    assert engine.recognize(page()).markdown == SCRIPT_TEXT


def test_quantization_where_it_cannot_run_is_a_clear_error(
    tiny_vlm: TinyCheckpoints, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsight import hardware

    real = hardware.detect()
    monkeypatch.setattr(
        nanonets, "detect", lambda: hardware.replace(real, bitsandbytes_version="0.45.0")
    )
    with pytest.raises(ConfigurationError, match=r"bitsandbytes 0\.45\.0 does not support cpu"):
        NanonetsEngine(vlm_settings(settings, tiny_vlm.clean, quantization="4bit"))


def test_hub_id_is_found_in_the_model_dir(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager, tmp_path: Path
) -> None:
    shutil.copytree(tiny_vlm.clean, tmp_path / "nanonets" / "Nanonets-OCR-s")
    configured = vlm_settings(settings, "nanonets/Nanonets-OCR-s", model_dir=str(tmp_path))
    _, local = resolve_source(configured.vlm)
    assert local == tmp_path / "nanonets" / "Nanonets-OCR-s"
    engine = NanonetsEngine(configured, manager)
    assert engine.model == "nanonets/Nanonets-OCR-s"
    assert engine.recognize(page()).markdown == SCRIPT_TEXT


def test_missing_model_offline_says_how_to_get_it(settings: Settings, tmp_path: Path) -> None:
    configured = vlm_settings(
        settings, "nanonets/Nanonets-OCR2-3B", model_dir=str(tmp_path), offline=True
    )
    engine = NanonetsEngine(configured, ModelManager())
    with pytest.raises(EngineUnavailableError, match="hf download nanonets/Nanonets-OCR2-3B"):
        engine.recognize(page())


def test_missing_local_folder_is_unavailable(settings: Settings) -> None:
    with pytest.raises(EngineUnavailableError, match="does not exist"):
        NanonetsEngine(vlm_settings(settings, "/nowhere/model"))


def test_registry_model_is_chosen_per_call(tiny_vlm: TinyCheckpoints, settings: Settings) -> None:
    models = dict(settings.models)
    models["tiny"] = models["nanonets-ocr-s"].model_copy(
        update={"model": str(tiny_vlm.clean), "max_new_tokens": 32}
    )
    configured = settings.model_copy(update={"models": models})
    engine_name, chosen = select_model(configured, "tiny")
    assert engine_name == "nanonets"
    assert chosen.vlm.model == str(tiny_vlm.clean) and chosen.vlm.max_new_tokens == 32
    assert configured.vlm.model == "nanonets/Nanonets-OCR-s"  # the caller's settings untouched
    assert select_model(configured, "rapidocr") == ("rapidocr", configured)


def test_compare_with_the_tiny_vlm(
    tiny_vlm: TinyCheckpoints, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.ENGINES, "size", "support.engines:SizeEngine")
    monkeypatch.setattr(registry, "_instances", {})
    models = dict(settings.models)
    models["tiny"] = models["nanonets-ocr-s"].model_copy(
        update={"model": str(tiny_vlm.clean), "max_pixels": SMALL, "max_new_tokens": 64}
    )
    buffer = io.BytesIO()
    Image.new("RGB", (400, 500), "white").save(buffer, format="PNG")
    result = compare(
        buffer.getvalue(), ["tiny", "size"], settings.model_copy(update={"models": models})
    )
    tiny_run, size_run = result.pages[0].runs
    assert tiny_run.markdown == SCRIPT_TEXT and tiny_run.tables == 1
    assert size_run.markdown == "page 1 400x500"
    [pair] = result.pages[0].pairs
    assert pair.tables.a_tables == 1 and pair.tables.b_tables == 0
    assert "42.00" in pair.values.only_a and "400x500" not in pair.values.only_b


def test_fit_pixels_keeps_aspect_and_bounds() -> None:
    tall = fit_pixels(Image.new("RGB", (2480, 3508)), 256 * 784, 1024 * 784)
    assert tall.width % 28 == 0 and tall.height % 28 == 0
    assert tall.width * tall.height <= 1024 * 784
    assert abs(tall.height / tall.width - 3508 / 2480) < 0.05  # never squared
    small = fit_pixels(Image.new("RGB", (100, 60)), 256 * 784, 1024 * 784)
    assert small.width * small.height >= 200 * 784 and small.width > small.height
    exact = Image.new("RGB", (280, 560))
    assert fit_pixels(exact, 784, 1024 * 784) is exact


def test_settle_prefers_a_clean_retry() -> None:
    looped = Attempt("a\nb", looped=True)
    clean = settle(looped, Attempt("a\nb\nc"), 1.05)
    assert clean.markdown == "a\nb\nc" and clean.repetition
    assert "repetition_penalty=1.05" in clean.warnings[0]
    again = settle(looped, Attempt("a", looped=True), 1.05)
    assert again.markdown == "a\nb" and "looped too" in again.warnings[0]
    plain = settle(Attempt("x", truncated=True), None, 1.05)
    assert not plain.repetition and plain.warnings[0].startswith("truncated")


def test_fields_path_asks_the_real_engine(
    tiny_vlm: TinyCheckpoints, settings: Settings, manager: ModelManager
) -> None:
    """The docext-style prompt goes through the same loading and decoding as OCR."""
    from docsight.fields.extract import resolve_specs
    from docsight.fields.vlm import can_prompt, extract_with

    engine = NanonetsEngine(vlm_settings(settings, tiny_vlm.clean), manager)
    assert can_prompt(engine)
    image = page().image
    answer = engine.ask(image, "Extract the invoice number as JSON.")
    assert isinstance(answer, str) and answer  # the tiny model writes its scripted page
    values = extract_with(engine, [image], resolve_specs("invoice"))
    # The scripted page is markdown, not JSON: no value may be invented from it.
    assert values == []
