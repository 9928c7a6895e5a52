"""What this machine can run a VLM on, and the plan that fits a model into it.

Detection never imports torch at module import (the default install has no torch) and never
fails: without torch there is simply no CUDA or MPS to report. Planning is a pure function of a
``Hardware`` description, a model ``Footprint`` and the ``vlm`` settings, so it is tested on
described machines (24 GB, 8 GB, 4 GB GPUs, none) rather than on whatever runs the tests.

The memory model is deliberately coarse and errs on the safe side: weights at the chosen
precision, a fixed overhead for the allocator and kernels, and per page in a batch the KV cache
of a full page budget (image tokens + prompt + ``max_new_tokens``) plus the vision tower's
activations. An OOM in the middle of a batch costs more than a smaller batch.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from docsight.errors import ConfigurationError
from docsight.settings import VlmSettings

GB = 1024**3
Device = Literal["cuda", "mps", "cpu"]
Dtype = Literal["bfloat16", "float16", "float32"]
Quantization = Literal["none", "8bit", "4bit"]

_USABLE_SHARE = 0.9  # of free memory; the rest absorbs fragmentation and other processes
# cuda: free memory is measured after the context exists; this covers cuBLAS and fragmentation
_OVERHEAD = {"cuda": 0.5 * GB, "mps": 1.0 * GB, "cpu": 2.0 * GB}
_PROMPT_TOKENS = 256  # chat template + the Nanonets prompt, rounded up
_REDUCED_NEW_TOKENS = 4096
_REDUCED_IMAGE_TOKENS = 1024
_BNB_CPU_SINCE = (0, 50)  # first bitsandbytes measured to quantize and generate on CPU


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    capability: tuple[int, int]
    total_bytes: int
    free_bytes: int

    @property
    def bf16(self) -> bool:
        """Ampere (8.0) and later have bf16 tensor cores; older cards emulate it slowly."""
        return self.capability >= (8, 0)


@dataclass(frozen=True)
class Hardware:
    gpus: list[GpuInfo] = field(default_factory=list)
    mps: bool = False
    cpu_cores: int = 1
    ram_total_bytes: int = 0
    ram_available_bytes: int = 0
    torch_version: str | None = None
    bitsandbytes_version: str | None = None
    flash_attention: bool = False

    def bnb_supports(self, device: Device) -> bool:
        """Whether the installed bitsandbytes can quantize on ``device``."""
        if self.bitsandbytes_version is None:
            return False
        if device == "cuda":
            return True
        return device == "cpu" and _version_tuple(self.bitsandbytes_version) >= _BNB_CPU_SINCE


@dataclass(frozen=True)
class Footprint:
    """What a model costs in memory, independent of where it runs."""

    params: int
    embedding_params: int  # kept at full precision by bitsandbytes
    kv_bytes_per_token: int  # at 16-bit, summed over layers, keys and values
    vision_bytes_per_image_token: int  # peak vision-tower activations at 16-bit


@dataclass(frozen=True)
class Plan:
    device: Device
    dtype: Dtype
    quantization: Quantization
    batch_size: int
    attn_implementation: str
    weights_bytes: int
    per_page_bytes: int
    budget_bytes: int
    fits: bool
    max_new_tokens: int
    max_pixels: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


# Qwen2.5-VL-3B, the base of both Nanonets models: 36 text layers with 2 KV heads of 128,
# vocab 151936 x 2048 (tied), a 32-layer 1280-wide vision tower merging 2x2 patches.
_QWEN25_VL_3B = Footprint(
    params=3_754_622_976,
    embedding_params=151_936 * 2048,
    kv_bytes_per_token=2 * 36 * 2 * 128 * 2,
    vision_bytes_per_image_token=4 * 1280 * 2 * 12,
)
KNOWN_MODELS: dict[str, Footprint] = {
    "nanonets/Nanonets-OCR-s": _QWEN25_VL_3B,
    "nanonets/Nanonets-OCR2-3B": _QWEN25_VL_3B,
}


def detect() -> Hardware:
    """The machine as torch (when installed) and the OS see it."""
    total, available = _ram()
    hardware = Hardware(
        cpu_cores=os.cpu_count() or 1,
        ram_total_bytes=total,
        ram_available_bytes=available,
        bitsandbytes_version=_dist_version("bitsandbytes"),
        flash_attention=_has_module("flash_attn"),
    )
    if not _has_module("torch"):
        return hardware
    import torch

    gpus = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            free, total_mem = torch.cuda.mem_get_info(index)
            gpus.append(
                GpuInfo(index, props.name, (props.major, props.minor), int(total_mem), int(free))
            )
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    return replace(hardware, gpus=gpus, mps=mps, torch_version=str(torch.__version__))


def footprint(model: str, path: Path | None = None) -> Footprint:
    """The footprint of a known hub model, or one read from a local checkpoint's files."""
    if path is not None and (path / "config.json").is_file():
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        weights = sum(f.stat().st_size for f in path.glob("*.safetensors"))
        return footprint_from_config(config, weights)
    known = KNOWN_MODELS.get(model) or KNOWN_MODELS.get(model.rstrip("/").split("/")[-1])
    if known is None:
        for name, value in KNOWN_MODELS.items():
            if model.rstrip("/").endswith(name.split("/")[-1]):
                return value
        return _QWEN25_VL_3B  # unknown: assume the family's size rather than nothing
    return known


def footprint_from_config(config: dict[str, Any], weight_bytes: int) -> Footprint:
    """Estimate from a Qwen2-VL style ``config.json`` and the size of its weight files."""
    text = config.get("text_config") or config
    vision = config.get("vision_config") or {}
    stored = str(config.get("dtype") or config.get("torch_dtype") or "bfloat16")
    params = weight_bytes // (4 if stored == "float32" else 2)
    hidden = int(text.get("hidden_size", 2048))
    heads = int(text.get("num_attention_heads", 16))
    head_dim = int(text.get("head_dim") or hidden // heads)
    kv_heads = int(text.get("num_key_value_heads", heads))
    layers = int(text.get("num_hidden_layers", 36))
    vocab = int(text.get("vocab_size", 151_936))
    tied = bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", True)))
    merge = int(vision.get("spatial_merge_size", 2))
    return Footprint(
        params=max(params, 1),
        embedding_params=vocab * hidden * (1 if tied else 2),
        kv_bytes_per_token=2 * layers * kv_heads * head_dim * 2,
        vision_bytes_per_image_token=merge * merge * int(vision.get("hidden_size", 1280)) * 2 * 12,
    )


def plan(hardware: Hardware, model: Footprint, vlm: VlmSettings) -> Plan:
    """Device, precision, quantization and batch size for ``model`` on ``hardware``.

    Raises ``ConfigurationError`` for overrides that cannot work here (CUDA asked for where
    there is none, bitsandbytes asked for on a device it does not support).
    """
    device = _choose_device(hardware, vlm)
    if vlm.quantization in ("8bit", "4bit") and not hardware.bnb_supports(device):
        why = (
            "bitsandbytes is not installed (pip install 'docsight[vlm]')"
            if hardware.bitsandbytes_version is None
            else f"bitsandbytes {hardware.bitsandbytes_version} does not support {device}"
        )
        raise ConfigurationError(
            f"vlm.quantization={vlm.quantization} cannot run here: {why}; "
            "set DOCSIGHT_VLM__QUANTIZATION=none or run on a CUDA GPU"
        )
    budget = _budget(hardware, device, vlm)
    notes: list[str] = []
    image_tokens = vlm.max_pixels // (28 * 28)
    options = _options(hardware, device, vlm)
    explicit = vlm.quantization != "auto" or vlm.device != "auto" or vlm.dtype != "auto"
    for reduced in (False, True):
        new_tokens = min(vlm.max_new_tokens, _REDUCED_NEW_TOKENS) if reduced else vlm.max_new_tokens
        images = min(image_tokens, _REDUCED_IMAGE_TOKENS) if reduced else image_tokens
        for dtype, quant in options:
            per_page = _per_page(model, dtype, images, new_tokens)
            weights = _weights(model, dtype, quant)
            room = budget - weights - _OVERHEAD[device]
            if room < per_page:
                continue
            batch = vlm.batch_size or _auto_batch(device, room, per_page, vlm.max_batch_size)
            if reduced:
                notes.append(
                    f"the full page budget does not fit; pages are limited to {new_tokens} "
                    f"new tokens and {images} image tokens (raise memory or lower them)"
                )
            return Plan(
                device,
                dtype,
                quant,
                batch,
                _attention(hardware, device, dtype, vlm),
                weights,
                per_page,
                budget,
                True,
                new_tokens,
                images * 28 * 28,
                notes + _device_notes(device, hardware),
            )
        if explicit:
            break  # an explicit choice is honoured as given, not silently shrunk
    dtype, quant = options[-1]
    weights = _weights(model, dtype, quant)
    if device != "cpu" and vlm.device == "auto":
        cpu_plan = plan(replace(hardware, gpus=[], mps=False), model, vlm)
        cpu_plan.notes.insert(
            0,
            f"{device} has {budget / GB:.1f} GB usable, too little for the model even at "
            f"{quant} ({(weights + _OVERHEAD[device]) / GB:.1f} GB before any page): using the CPU",
        )
        return cpu_plan
    per_page = _per_page(model, dtype, image_tokens, vlm.max_new_tokens)
    notes.append(
        f"does not fit: needs about {(weights + _OVERHEAD[device] + per_page) / GB:.1f} GB, "
        f"{budget / GB:.1f} GB usable; expect out-of-memory errors"
    )
    return Plan(
        device,
        dtype,
        quant,
        vlm.batch_size or 1,
        _attention(hardware, device, dtype, vlm),
        weights,
        per_page,
        budget,
        False,
        vlm.max_new_tokens,
        vlm.max_pixels,
        notes + _device_notes(device, hardware),
    )


def _options(
    hardware: Hardware, device: Device, vlm: VlmSettings
) -> list[tuple[Dtype, Quantization]]:
    """(dtype, quantization) pairs to try, best quality first."""
    if vlm.dtype != "auto":
        dtypes: list[Dtype] = [vlm.dtype]
    elif device == "cuda":
        dtypes = ["bfloat16" if all(g.bf16 for g in hardware.gpus) else "float16"]
    elif device == "mps":
        dtypes = ["float16"]
    else:  # most CPUs lack bf16 arithmetic: fp32 is faster there when RAM allows
        dtypes = ["float32", "bfloat16"]
    if vlm.quantization != "auto":
        quants: list[Quantization] = [vlm.quantization]
    elif hardware.bnb_supports(device):
        quants = ["none", "8bit", "4bit"]
    else:
        quants = ["none"]
    none: Quantization = "none"
    pairs = [(d, none) for d in dtypes if none in quants]
    # On CUDA, LLM.int8 multiplies in fp16 whatever the model's dtype; loading in fp16 avoids
    # a cast (and a warning) on every layer call. 4-bit computes in the model's own dtype.
    int8: Dtype = "float16" if vlm.dtype == "auto" and device == "cuda" else dtypes[-1]
    pairs += [(int8 if q == "8bit" else dtypes[-1], q) for q in quants if q != none]
    return pairs


def _attention(hardware: Hardware, device: Device, dtype: Dtype, vlm: VlmSettings) -> str:
    if vlm.attn_implementation:
        return vlm.attn_implementation
    if device == "cuda" and hardware.flash_attention and dtype != "float32":
        return "flash_attention_2"
    return "sdpa"


def _choose_device(hardware: Hardware, vlm: VlmSettings) -> Device:
    if vlm.device == "cuda" and not hardware.gpus:
        raise ConfigurationError("vlm.device=cuda but no CUDA GPU is visible to torch")
    if vlm.device == "mps" and not hardware.mps:
        raise ConfigurationError("vlm.device=mps but Apple MPS is not available")
    if vlm.device != "auto":
        return vlm.device
    if hardware.gpus:
        return "cuda"
    return "mps" if hardware.mps else "cpu"


def _budget(hardware: Hardware, device: Device, vlm: VlmSettings) -> int:
    if vlm.memory_budget_gb is not None:
        return int(vlm.memory_budget_gb * GB)
    if device == "cuda":
        return int(hardware.gpus[0].free_bytes * _USABLE_SHARE)
    # MPS shares the machine's memory with everything else.
    return int(hardware.ram_available_bytes * _USABLE_SHARE)


def _weights(model: Footprint, dtype: Dtype, quant: Quantization) -> int:
    size = 4 if dtype == "float32" else 2
    body = model.params - model.embedding_params
    if quant == "8bit":
        return body + model.embedding_params * size
    if quant == "4bit":  # nf4 plus one fp32 absmax per 64 weights
        return body // 2 + body // 16 + model.embedding_params * size
    return model.params * size


def _per_page(model: Footprint, dtype: Dtype, image_tokens: int, new_tokens: int) -> int:
    scale = 2 if dtype == "float32" else 1
    kv = model.kv_bytes_per_token * (image_tokens + _PROMPT_TOKENS + new_tokens)
    return scale * (kv + model.vision_bytes_per_image_token * image_tokens)


def _auto_batch(device: Device, room: float, per_page: int, cap: int) -> int:
    if device != "cuda":
        return 1  # batching buys little on CPU/MPS and multiplies the memory risk
    return max(1, min(cap, int(room // per_page)))


def _device_notes(device: Device, hardware: Hardware) -> list[str]:
    if device == "cpu":
        return [
            f"a 3B VLM on {hardware.cpu_cores} CPU core(s) is slow: expect minutes per page; "
            "use rapidocr or tesseract here, or a GPU / a vLLM server (engine openai)"
        ]
    if device == "mps":
        return ["Apple MPS: fp16, no bitsandbytes quantization, one page at a time"]
    return []


def _ram() -> tuple[int, int]:
    try:
        info = Path("/proc/meminfo").read_text(encoding="ascii")
        fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in info.splitlines()}
        return fields["MemTotal"], fields.get("MemAvailable", fields["MemTotal"])
    except (OSError, KeyError, ValueError, IndexError):
        try:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            total = 0
        return total, total


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _dist_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _version_tuple(version: str) -> tuple[int, int]:
    parts = [int("".join(ch for ch in p if ch.isdigit()) or 0) for p in version.split(".")[:2]]
    padded = [*parts, 0, 0]
    return padded[0], padded[1]


__all__ = [
    "KNOWN_MODELS",
    "Footprint",
    "GpuInfo",
    "Hardware",
    "Plan",
    "detect",
    "footprint",
    "footprint_from_config",
    "plan",
]
