"""Nanonets-OCR-s and Nanonets-OCR2-3B (Qwen2.5-VL fine-tunes) run in-process by transformers.

Loading follows the model cards (``AutoModelForImageTextToText``, the chat template with the
image before the prompt, greedy decoding, a long token budget) with three departures, each for
a reason: precision, quantization, device and batch size come from ``hardware.plan`` instead of
``device_map="auto"`` alone; SDPA replaces flash-attention where flash-attn is not installed;
and where ``AutoProcessor`` cannot be built (it needs torchvision for Qwen's video processor even
for still images) the processor is composed from the tokenizer and the PIL image processor,
doing what Qwen's processor does for images. The path to the weights is the only difference
between the real model and the tiny random-weight checkpoint the tests build.

Threading: the model lives in the ``ModelManager`` and generation on it is serialised there;
an engine instance holds no model and may be shared.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any, ClassVar

from docsight.engines._vlm import Attempt, chat_messages, fit_pixels, judge, settle
from docsight.engines.base import Availability, Capabilities, PageImage, check_modules
from docsight.engines.model_manager import LoadedModel, ModelManager, default_manager
from docsight.errors import EngineFailedError, EngineUnavailableError
from docsight.hardware import Plan, detect, footprint, plan
from docsight.models import EngineOutput
from docsight.parsing.repetition import collapse_repetition
from docsight.settings import Settings, VlmSettings

_LOOP_CHECK_EVERY = 128  # new tokens between loop checks during generation
_LOOP_WINDOW = 1536  # trailing tokens decoded for a loop check


def resolve_source(vlm: VlmSettings) -> tuple[str, Path | None]:
    """Where to load from: a local folder if there is one, else the hub id (maybe cached)."""
    given = Path(vlm.model).expanduser()
    if given.is_dir():
        return str(given), given
    if vlm.model_dir:
        root = Path(vlm.model_dir).expanduser()
        for candidate in (root / vlm.model, root / vlm.model.rstrip("/").split("/")[-1]):
            if (candidate / "config.json").is_file():
                return str(candidate), candidate
    if vlm.model.startswith(("/", ".", "~")) or vlm.model.count("/") > 1:
        raise EngineUnavailableError(f"model folder {vlm.model} does not exist")
    return vlm.model, None


def load(vlm: VlmSettings, chosen: Plan, source: str) -> LoadedModel:
    """Load model and processor as planned (the one loading path, real or test weights)."""
    import torch

    transformers = _transformers()
    hub: dict[str, Any] = {"revision": vlm.revision, "local_files_only": vlm.offline}
    if vlm.model_dir:
        hub["cache_dir"] = vlm.model_dir
    dtype = getattr(torch, chosen.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype, "device_map": _device_map(chosen.device)}
    if chosen.quantization != "none":
        kwargs["quantization_config"] = _bnb_config(chosen.quantization, dtype)
    tick = time.perf_counter()
    try:
        try:
            model = transformers.AutoModelForImageTextToText.from_pretrained(
                source, attn_implementation=chosen.attn_implementation, **kwargs, **hub
            )
        except (ImportError, ValueError) as exc:
            if chosen.attn_implementation == "sdpa" or "attn" not in str(exc).lower():
                raise
            model = transformers.AutoModelForImageTextToText.from_pretrained(
                source, attn_implementation="sdpa", **kwargs, **hub
            )
        processor = _processor(source, hub)
    except OSError as exc:
        raise EngineUnavailableError(_not_found(vlm, exc)) from exc
    model.eval()
    loaded = LoadedModel(
        model=model,
        processor=processor,
        nbytes=int(model.get_memory_footprint()),
        device=str(model.device),
        details={"plan": chosen.to_dict(), "source": source},
        load_seconds=time.perf_counter() - tick,
    )
    if vlm.warmup:
        tick = time.perf_counter()
        _generate(loaded, [_blank_page()], vlm.prompt, max_new_tokens=1, penalty=None)
        loaded.warmup_seconds = time.perf_counter() - tick
    return loaded


class NanonetsEngine:
    """Nanonets-OCR through transformers: markdown with tables, equations and checkboxes."""

    name: ClassVar[str] = "nanonets"
    description: ClassVar[str] = (
        "Nanonets-OCR-s / OCR2-3B (Qwen2.5-VL 3B) via transformers: GPU recommended"
    )
    capabilities: ClassVar[Capabilities] = Capabilities(tables=True, gpu=True, prompting=True)

    def __init__(self, settings: Settings, manager: ModelManager | None = None) -> None:
        self._vlm = settings.vlm
        self._manager = manager or default_manager(settings)
        self._source, local = resolve_source(self._vlm)
        # Planned now so an impossible override (8-bit without CUDA) fails before any page.
        self.plan = plan(detect(), footprint(self._vlm.model, local), self._vlm)
        self._key = ":".join(
            str(part)
            for part in (
                self._source,
                self._vlm.revision,
                self.plan.device,
                self.plan.dtype,
                self.plan.quantization,
                self.plan.attn_implementation,
            )
        )

    @classmethod
    def availability(cls) -> Availability:
        return check_modules("torch", "transformers", "accelerate", extra="vlm")

    @property
    def model(self) -> str | None:
        return self._vlm.model + (f"@{self._vlm.revision}" if self._vlm.revision else "")

    def recognize(self, page: PageImage) -> EngineOutput:
        return self.recognize_batch([page])[0]

    def recognize_batch(self, pages: list[PageImage]) -> list[EngineOutput]:
        """Pages in batches of the planned size (left-padded, one ``generate`` per batch)."""
        images = [fit_pixels(p.image, self._vlm.min_pixels, self.plan.max_pixels) for p in pages]
        outputs: list[EngineOutput] = []
        size = self.plan.batch_size
        with self._manager.use(self._key, self._load, self.plan.weights_bytes) as loaded:
            first_use = not loaded.details.get("used")
            loaded.details["used"] = True
            for start in range(0, len(images), size):
                outputs.extend(self._batch(loaded, images[start : start + size]))
        if first_use and outputs:
            outputs[0].timings["load"] = loaded.load_seconds
            outputs[0].timings["warmup"] = loaded.warmup_seconds
        return outputs

    def ask(self, image: Any, prompt: str) -> str:
        """Any prompt about one page (the fields path): same model, decoding and loop guard."""
        fitted = fit_pixels(image, self._vlm.min_pixels, self.plan.max_pixels)
        budget = self.plan.max_new_tokens
        try:
            with self._manager.use(self._key, self._load, self.plan.weights_bytes) as loaded:
                return _generate(loaded, [fitted], prompt, budget, penalty=None)[0].text
        except RuntimeError as exc:
            raise EngineFailedError(f"generation failed: {exc}".splitlines()[0]) from exc

    def _batch(self, loaded: LoadedModel, images: list[Any]) -> list[EngineOutput]:
        budget = self.plan.max_new_tokens
        try:
            firsts = _generate(loaded, images, self._vlm.prompt, budget, penalty=None)
            outputs = []
            for image, first in zip(images, firsts, strict=True):
                retry = None
                if first.looped:
                    penalty = self._vlm.repetition_penalty
                    retry = _generate(loaded, [image], self._vlm.prompt, budget, penalty)[0]
                outcome = settle(first, retry, self._vlm.repetition_penalty)
                timings = {"generate": first.seconds}
                if retry is not None:
                    timings["retry"] = retry.seconds
                outputs.append(
                    EngineOutput(
                        markdown=outcome.markdown,
                        model=self.model,
                        timings=timings,
                        warnings=outcome.warnings,
                        repetition=outcome.repetition,
                    )
                )
            return outputs
        except RuntimeError as exc:  # CUDA OOM and kernel failures are per-batch problems
            raise EngineFailedError(f"generation failed: {exc}".splitlines()[0]) from exc

    def _load(self) -> LoadedModel:
        return load(self._vlm, self.plan, self._source)


def _generate(
    loaded: LoadedModel, images: list[Any], prompt: str, max_new_tokens: int, penalty: float | None
) -> list[Attempt]:
    """One greedy ``generate`` over a batch; each answer judged for loops and truncation."""
    import torch

    processor = loaded.processor
    text = processor.apply_chat_template(
        chat_messages(prompt), tokenize=False, add_generation_prompt=True
    )
    inputs = processor(text=[text] * len(images), images=images, padding=True, return_tensors="pt")
    inputs = inputs.to(loaded.model.device)
    prompt_len = inputs["input_ids"].shape[1]
    tokenizer = processor.tokenizer
    extra: dict[str, Any] = {}
    if penalty is not None:
        extra["repetition_penalty"] = penalty
    tick = time.perf_counter()
    with torch.inference_mode():
        output = loaded.model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            stopping_criteria=[_LoopStop(tokenizer, prompt_len)],
            **extra,
        )
    seconds = (time.perf_counter() - tick) / len(images)
    new = output[:, prompt_len:]
    texts = tokenizer.batch_decode(new, skip_special_tokens=True)
    eos = loaded.model.generation_config.eos_token_id
    stops = set(eos if isinstance(eos, list) else [eos]) | {tokenizer.eos_token_id}
    attempts = []
    for row, raw in zip(new.tolist(), texts, strict=True):
        ended = any(token in stops for token in row)
        truncated = not ended and len(row) >= max_new_tokens
        attempts.append(judge(raw, truncated=truncated, seconds=seconds))
    return attempts


class _LoopStop:
    """Stops a sequence as soon as its tail loops, instead of letting it fill the budget.

    A looping page otherwise burns all 15,000 tokens (minutes on a GPU) for text that is then
    cut anyway. Checked every few hundred tokens on a decoded tail, with the parser's rule.
    """

    def __init__(self, tokenizer: Any, prompt_len: int) -> None:
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        produced = input_ids.shape[1] - self.prompt_len
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if produced == 0 or produced % _LOOP_CHECK_EVERY:
            return done
        tails = self.tokenizer.batch_decode(
            input_ids[:, -min(produced, _LOOP_WINDOW) :], skip_special_tokens=True
        )
        for i, tail in enumerate(tails):
            done[i] = collapse_repetition(tail)[1]
        return done


class _ImageTextProcessor:
    """Qwen2-VL's processor for images only: tokenizer + PIL image processor, no torchvision.

    Each ``<|image_pad|>`` in the prompt is expanded to the number of visual tokens the image
    processor's grid gives (patches / merge²), which is what the full processor does.
    """

    def __init__(self, tokenizer: Any, image_processor: Any) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.image_token = getattr(tokenizer, "image_token", None) or "<|image_pad|>"

    def apply_chat_template(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        return self.tokenizer.apply_chat_template(messages, **kwargs)

    def __call__(self, *, text: list[str], images: list[Any], **kwargs: Any) -> Any:
        vision = self.image_processor(images=images, return_tensors="pt")
        merge = int(getattr(self.image_processor, "merge_size", 2)) ** 2
        expanded = []
        for prompt, grid in zip(text, vision["image_grid_thw"], strict=True):
            tokens = int(grid.prod()) // merge
            expanded.append(prompt.replace(self.image_token, self.image_token * tokens, 1))
        encoded = self.tokenizer(expanded, **kwargs)
        encoded.update(vision)
        return encoded


def _processor(source: str, hub: dict[str, Any]) -> Any:
    transformers = _transformers()
    try:
        processor = transformers.AutoProcessor.from_pretrained(source, **hub)
    except ImportError:  # torchvision missing: see the module docstring
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, **hub)
        images = transformers.AutoImageProcessor.from_pretrained(source, **hub)
        processor = _ImageTextProcessor(tokenizer, images)
    processor.tokenizer.padding_side = "left"  # generation continues from the right end
    return processor


def _bnb_config(quantization: str, dtype: Any) -> Any:
    config = _transformers().BitsAndBytesConfig
    if quantization == "8bit":
        return config(load_in_8bit=True)
    return config(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype)


def _transformers() -> Any:
    """transformers, untyped on purpose: its loaders return whatever the checkpoint holds."""
    return importlib.import_module("transformers")


def _device_map(device: str) -> Any:
    return "auto" if device == "cuda" else {"": device}


def _blank_page() -> Any:
    from PIL import Image

    return Image.new("RGB", (56, 56), "white")


def _not_found(vlm: VlmSettings, exc: OSError) -> str:
    where = vlm.model_dir or "$DOCSIGHT_MODEL_DIR"
    how = "offline, " if vlm.offline else ""
    return (
        f"cannot load model {vlm.model!r} ({how}{str(exc).splitlines()[0]}); download it with: "
        f"hf download {vlm.model} --local-dir {where}/{vlm.model}"
    )


__all__ = ["NanonetsEngine", "load", "resolve_source"]
