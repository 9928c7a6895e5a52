"""Throughput of the Nanonets engine on a CUDA GPU, with no download.

    python bench/gpu.py [--tokens 256] [--batches 1,4,8] [--no-8bit] [--json OUT]
    python bench/gpu.py --tiny          # smoke-test this script on a CPU (tiny shapes)

Builds a random-weight Qwen2.5-VL with the real 3B shapes of Nanonets-OCR-s / OCR2-3B (36 text
layers, 2048 wide, 2 KV heads, vocab 151936; 32-layer 1280-wide vision tower), saves it to a
temporary folder with the test suite's small tokenizer (same special tokens and template as
Qwen's; only the vocabulary of ordinary words differs), and loads it through the engine's own
loading path (``docsight.engines.nanonets.load``: dtype, attention, bitsandbytes) as planned
by ``docsight.hardware.plan``. Each page is an A4 page rendered at 150 dpi and sized as the
engine sizes it (aspect kept, at most ``vlm.max_pixels``), so prefill is what a real page costs.

Random weights write random tokens, so every page is made to generate exactly ``--tokens``
tokens (``min_new_tokens`` = ``max_new_tokens``, no loop stop): pages/s then measures the
hardware and the code path, not when a random model happens to stop. With vLLM installed the
same checkpoint is also served offline by ``vllm.LLM`` with ``ignore_eos``.

Budget: under 8 minutes on one H200 (model build ~30 s, each configuration well under a
minute). Figures go to stdout as a table and, with ``--json``, to a file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "src", ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(1, str(extra))

REAL_TEXT = dict(
    hidden_size=2048,
    intermediate_size=11008,
    num_hidden_layers=36,
    num_attention_heads=16,
    num_key_value_heads=2,
    max_position_embeddings=128000,
    rope_theta=1_000_000.0,
    rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24]},
    vocab_size=151936,
    tie_word_embeddings=True,
)
REAL_VISION = dict(
    depth=32,
    hidden_size=1280,
    intermediate_size=3420,
    num_heads=16,
    out_hidden_size=2048,
    patch_size=14,
    spatial_merge_size=2,
    temporal_patch_size=2,
    window_size=112,
    fullatt_block_indexes=[7, 15, 23, 31],
    hidden_act="silu",
)
TINY_TEXT = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rope_scaling={"type": "mrope", "mrope_section": [2, 3, 3]},
    vocab_size=512,
    tie_word_embeddings=True,
)
TINY_VISION = dict(
    depth=2,
    hidden_size=32,
    intermediate_size=64,
    num_heads=2,
    out_hidden_size=64,
    patch_size=14,
    spatial_merge_size=2,
    temporal_patch_size=2,
    window_size=112,
    fullatt_block_indexes=[1],
)


def build_checkpoint(folder: Path, tiny: bool) -> None:
    import torch
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl import image_processing_pil_qwen2_vl as pil

    from support.tiny_vlm import SPECIAL, TEMPLATE, tokenizer

    tok = tokenizer()
    tok.chat_template = TEMPLATE
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIAL}
    text = dict(TINY_TEXT if tiny else REAL_TEXT)
    text["vocab_size"] = max(int(text["vocab_size"]), len(tok))
    config = Qwen2_5_VLConfig(
        text_config={
            **text,
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config=TINY_VISION if tiny else REAL_VISION,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        tie_word_embeddings=True,
    )
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.float32 if tiny else torch.bfloat16
    with torch.device(device):  # initialising 3.75B weights on the GPU takes seconds, not minutes
        model = Qwen2_5_VLForConditionalGeneration._from_config(config, dtype=dtype)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    pil.Qwen2VLImageProcessorPil().save_pretrained(folder)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()


def a4_page(number: int) -> Any:
    from docsight.engines.base import PageImage
    from support.images import text_image

    lines = [f"Line {i} of page {number}: the quick brown fox, 1234.56 EUR" for i in range(40)]
    return PageImage(text_image(lines, size=(1240, 1754), font_size=22), number, 150)


def run_transformers(
    folder: Path, args: argparse.Namespace, quantization: str
) -> list[dict[str, Any]]:
    import torch

    from docsight.engines import nanonets
    from docsight.engines._vlm import chat_messages, fit_pixels
    from docsight.hardware import detect, footprint, plan
    from docsight.settings import VlmSettings

    vlm = VlmSettings(model=str(folder), quantization=quantization, warmup=False)
    chosen = plan(detect(), footprint(vlm.model, folder), vlm)
    tick = time.perf_counter()
    loaded = nanonets.load(vlm, chosen, str(folder))
    load_s = time.perf_counter() - tick
    processor, model = loaded.processor, loaded.model
    prompt = processor.apply_chat_template(
        chat_messages(vlm.prompt), tokenize=False, add_generation_prompt=True
    )
    rows = []
    for batch in args.batch_sizes:
        images = [
            fit_pixels(a4_page(n).image, vlm.min_pixels, chosen.max_pixels) for n in range(batch)
        ]
        inputs = processor(text=[prompt] * batch, images=images, padding=True, return_tensors="pt")
        inputs = inputs.to(model.device)
        generate = dict(max_new_tokens=args.tokens, min_new_tokens=args.tokens, do_sample=False)
        with torch.inference_mode():
            model.generate(**inputs, **{**generate, "max_new_tokens": 2, "min_new_tokens": 2})
            if torch.cuda.is_available():
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            tick = time.perf_counter()
            for _ in range(args.repeats):
                out = model.generate(**inputs, **generate)
            if torch.cuda.is_available():
                torch.cuda.synchronize()
        seconds = (time.perf_counter() - tick) / args.repeats
        produced = (out.shape[1] - inputs["input_ids"].shape[1]) * batch
        rows.append(
            {
                "engine": "transformers",
                "quantization": chosen.quantization,
                "dtype": chosen.dtype,
                "attention": chosen.attn_implementation,
                "batch": batch,
                "prompt_tokens": int(inputs["input_ids"].shape[1]),
                "new_tokens": args.tokens,
                "seconds": round(seconds, 3),
                "pages_per_s": round(batch / seconds, 3),
                "tokens_per_s": round(produced / seconds, 1),
                "load_s": round(load_s, 1),
                "peak_gb": round(torch.cuda.max_memory_allocated() / 1024**3, 2)
                if torch.cuda.is_available()
                else None,
            }
        )
        print(_row(rows[-1]), flush=True)
    del loaded, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return rows


def run_vllm(folder: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    from vllm import LLM, SamplingParams

    from docsight.engines._vlm import chat_messages, fit_pixels
    from docsight.settings import VlmSettings
    from support.tiny_vlm import tokenizer

    vlm = VlmSettings()
    prompt = tokenizer().apply_chat_template(
        chat_messages(vlm.prompt), tokenize=False, add_generation_prompt=True
    )
    tick = time.perf_counter()
    llm = LLM(
        model=str(folder),
        max_model_len=32768,
        limit_mm_per_prompt={"image": 1, "video": 0},
        mm_processor_kwargs={"max_pixels": vlm.max_pixels},
        gpu_memory_utilization=0.85,
    )
    load_s = time.perf_counter() - tick
    params = SamplingParams(
        temperature=0, max_tokens=args.tokens, ignore_eos=True, detokenize=False
    )
    pages = max(args.batch_sizes) * 4
    requests = [
        {
            "prompt": prompt,
            "multi_modal_data": {
                "image": fit_pixels(a4_page(n).image, vlm.min_pixels, vlm.max_pixels)
            },
        }
        for n in range(pages)
    ]
    llm.generate(requests[:2], params)
    tick = time.perf_counter()
    outputs = llm.generate(requests, params)
    seconds = time.perf_counter() - tick
    produced = sum(len(o.outputs[0].token_ids) for o in outputs)
    row = {
        "engine": "vllm",
        "quantization": "none",
        "dtype": "bfloat16",
        "attention": "vllm",
        "batch": pages,
        "prompt_tokens": None,
        "new_tokens": args.tokens,
        "seconds": round(seconds, 3),
        "pages_per_s": round(pages / seconds, 3),
        "tokens_per_s": round(produced / seconds, 1),
        "load_s": round(load_s, 1),
        "peak_gb": None,
    }
    print(_row(row), flush=True)
    return [row]


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['engine']:<12} {r['quantization']:<5} {r['dtype']:<9} batch={r['batch']:<3} "
        f"prompt={r['prompt_tokens']} new={r['new_tokens']} {r['seconds']:>8.2f}s "
        f"{r['pages_per_s']:>7.3f} pages/s {r['tokens_per_s']:>8.1f} tok/s "
        f"load {r['load_s']}s peak {r['peak_gb']} GB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=256, help="New tokens per page (fixed).")
    parser.add_argument("--batches", default="1,4,8", help="Batch sizes to measure.")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-8bit", action="store_true", help="Skip the bitsandbytes run.")
    parser.add_argument("--tiny", action="store_true", help="Tiny shapes: a CPU smoke test.")
    parser.add_argument("--json", type=Path, help="Write the figures here.")
    args = parser.parse_args()
    args.batch_sizes = [int(b) for b in args.batches.split(",")]
    import torch

    if not torch.cuda.is_available() and not args.tiny:
        print("bench/gpu.py needs a CUDA GPU (use --tiny to smoke-test it on a CPU)")
        return 2
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="docsight-gpu-bench-") as tmp:
        folder = Path(tmp) / "qwen2.5-vl-3b-random"
        tick = time.perf_counter()
        build_checkpoint(folder, args.tiny)
        print(f"built random checkpoint in {time.perf_counter() - tick:.1f}s", flush=True)
        rows += run_transformers(folder, args, "none")
        if not args.no_8bit:
            args.batch_sizes = [args.batch_sizes[0], args.batch_sizes[-1]]
            rows += run_transformers(folder, args, "8bit")
        if importlib.util.find_spec("vllm") is not None and not args.tiny:
            try:
                rows += run_vllm(folder, args)
            except Exception as exc:  # report, keep the transformers figures
                print(f"vllm run failed: {type(exc).__name__}: {exc}")
        else:
            print("vllm: not installed, skipped")
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    print(f"device: {device}; total {time.perf_counter() - started:.0f}s")
    if args.json:
        args.json.write_text(json.dumps({"device": device, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
