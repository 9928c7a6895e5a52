"""Hardware planning on described machines, and detection on this one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from docsight.cli import app
from docsight.errors import ConfigurationError
from docsight.hardware import (
    GB,
    KNOWN_MODELS,
    GpuInfo,
    Hardware,
    detect,
    footprint,
    footprint_from_config,
    plan,
)
from docsight.settings import VlmSettings

OCR_S = KNOWN_MODELS["nanonets/Nanonets-OCR-s"]


def gpu(total_gb: float, capability: tuple[int, int] = (8, 6)) -> Hardware:
    """A machine with one GPU whose free memory is what a fresh CUDA context leaves."""
    card = GpuInfo(0, "test gpu", capability, int(total_gb * GB), int((total_gb - 0.4) * GB))
    return Hardware(
        gpus=[card],
        cpu_cores=8,
        ram_total_bytes=64 * GB,
        ram_available_bytes=60 * GB,
        torch_version="2.13.0",
        bitsandbytes_version="0.50.2",
    )


def cpu_only(ram_gb: float, bnb: str | None = "0.50.2") -> Hardware:
    return Hardware(
        cpu_cores=2,
        ram_total_bytes=int(ram_gb * GB),
        ram_available_bytes=int(ram_gb * GB),
        torch_version="2.13.0",
        bitsandbytes_version=bnb,
    )


def vlm(**changes: Any) -> VlmSettings:
    return VlmSettings(**changes)


def test_24_gb_gpu_runs_bf16_in_batches() -> None:
    chosen = plan(gpu(24), OCR_S, vlm())
    assert (chosen.device, chosen.dtype, chosen.quantization) == ("cuda", "bfloat16", "none")
    assert chosen.batch_size == 8 and chosen.fits
    assert chosen.max_new_tokens == 15000 and chosen.attn_implementation == "sdpa"


def test_8_gb_gpu_quantizes_to_8_bit() -> None:
    chosen = plan(gpu(8), OCR_S, vlm())
    assert (chosen.device, chosen.quantization) == ("cuda", "8bit")
    assert chosen.weights_bytes < 4.5 * GB and chosen.batch_size >= 1 and chosen.fits


def test_4_gb_gpu_quantizes_to_4_bit_and_shrinks_the_page_budget() -> None:
    chosen = plan(gpu(4, (7, 5)), OCR_S, vlm())
    assert (chosen.device, chosen.dtype, chosen.quantization) == ("cuda", "float16", "4bit")
    assert chosen.batch_size == 1 and chosen.max_new_tokens < 15000
    assert chosen.max_pixels < vlm().max_pixels
    assert "does not fit" in chosen.notes[0]


def test_too_small_gpu_falls_back_to_the_cpu() -> None:
    chosen = plan(gpu(2), OCR_S, vlm())
    assert chosen.device == "cpu" and chosen.quantization == "none"
    assert "using the CPU" in chosen.notes[0] and "slow" in chosen.notes[1]


def test_8_gb_gpu_without_bitsandbytes_cannot_hold_the_model() -> None:
    machine = gpu(8)
    machine = Hardware(**{**machine.__dict__, "bitsandbytes_version": None})
    assert plan(machine, OCR_S, vlm()).device == "cpu"


def test_no_gpu_plans_the_cpu_and_says_it_is_slow() -> None:
    chosen = plan(cpu_only(32), OCR_S, vlm())
    assert (chosen.device, chosen.dtype, chosen.quantization) == ("cpu", "float32", "none")
    assert chosen.batch_size == 1 and chosen.fits
    assert any("slow" in note for note in chosen.notes)
    assert plan(cpu_only(12), OCR_S, vlm()).dtype == "bfloat16"  # fp32 no longer fits


def test_flash_attention_when_installed_on_cuda() -> None:
    machine = Hardware(**{**gpu(24).__dict__, "flash_attention": True})
    assert plan(machine, OCR_S, vlm()).attn_implementation == "flash_attention_2"
    assert plan(machine, OCR_S, vlm(dtype="float32")).attn_implementation == "sdpa"
    override = vlm(attn_implementation="eager")
    assert plan(machine, OCR_S, override).attn_implementation == "eager"


def test_settings_override_every_choice() -> None:
    chosen = plan(
        gpu(80, (9, 0)),
        OCR_S,
        vlm(dtype="float16", quantization="4bit", batch_size=3, device="cuda"),
    )
    assert (chosen.dtype, chosen.quantization, chosen.batch_size) == ("float16", "4bit", 3)
    assert plan(gpu(80), OCR_S, vlm(device="cpu")).device == "cpu"
    budget = plan(gpu(80), OCR_S, vlm(memory_budget_gb=6))
    assert budget.budget_bytes == 6 * GB and budget.quantization == "8bit"


def test_forced_choice_that_does_not_fit_is_kept_with_a_warning() -> None:
    chosen = plan(gpu(4), OCR_S, vlm(device="cuda", quantization="none"))
    assert chosen.device == "cuda" and not chosen.fits
    assert "does not fit" in chosen.notes[0]
    # With the device left to the planner, the forced precision goes where it fits.
    assert plan(gpu(4), OCR_S, vlm(quantization="none")).device == "cpu"


def test_impossible_overrides_are_clear_errors() -> None:
    with pytest.raises(ConfigurationError, match="no CUDA GPU"):
        plan(cpu_only(32), OCR_S, vlm(device="cuda"))
    with pytest.raises(ConfigurationError, match=r"bitsandbytes 0\.44\.1 does not support cpu"):
        plan(cpu_only(32, bnb="0.44.1"), OCR_S, vlm(quantization="8bit"))
    with pytest.raises(ConfigurationError, match="not installed"):
        plan(cpu_only(32, bnb=None), OCR_S, vlm(quantization="4bit"))
    machine = Hardware(mps=True, ram_available_bytes=16 * GB, bitsandbytes_version="0.50.2")
    with pytest.raises(ConfigurationError, match="does not support mps"):
        plan(machine, OCR_S, vlm(quantization="8bit"))
    assert plan(cpu_only(32), OCR_S, vlm(quantization="8bit")).quantization == "8bit"


def test_footprints() -> None:
    assert footprint("nanonets/Nanonets-OCR2-3B") == OCR_S
    config = {
        "dtype": "float32",
        "tie_word_embeddings": False,
        "text_config": {
            "hidden_size": 64,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "num_hidden_layers": 2,
            "vocab_size": 400,
        },
        "vision_config": {"hidden_size": 32, "spatial_merge_size": 2},
    }
    small = footprint_from_config(config, weight_bytes=800_000)
    assert small.params == 200_000 and small.embedding_params == 2 * 400 * 64
    assert small.kv_bytes_per_token == 2 * 2 * 2 * 16 * 2


def test_detects_this_machine() -> None:
    found = detect()
    assert found.cpu_cores >= 1 and found.ram_total_bytes > 0
    assert 0 < found.ram_available_bytes <= found.ram_total_bytes
    if found.torch_version is None:
        assert found.gpus == [] and not found.mps


def test_cli_prints_detection_and_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    from docsight import hardware

    monkeypatch.setattr(hardware, "detect", lambda: cpu_only(32))
    result = CliRunner().invoke(app, ["hardware"])
    assert result.exit_code == 0, result.output
    assert "cuda: none" in result.output
    assert "device=cpu dtype=float32 quantization=none batch=1" in result.output
    assert "slow" in result.output
    as_json = CliRunner().invoke(app, ["hardware", "--json", "--model", "nanonets-ocr2-3b"])
    body = json.loads(as_json.output)
    assert body["model"] == "nanonets/Nanonets-OCR2-3B" and body["plan"]["device"] == "cpu"


def test_cli_rejects_impossible_quantization(monkeypatch: pytest.MonkeyPatch) -> None:
    from docsight import hardware

    monkeypatch.setattr(hardware, "detect", lambda: cpu_only(32, bnb=None))
    monkeypatch.setenv("DOCSIGHT_VLM__QUANTIZATION", "8bit")
    from docsight.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["hardware"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 20
    assert "configuration_error" in result.output and "bitsandbytes" in result.output
