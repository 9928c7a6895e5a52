"""int8 OpenVINO versions of the bundled PP-OCRv6 models, and when to use them.

On a CPU without native bf16 (no AMX, no AVX-512 bf16) OpenVINO runs the ONNX models in f32,
and there the default engine read the speed pages at 0.55x the Tesseract CLI's pages/s. The
same models quantized to int8 (``scripts/quantize_models.py``, calibrated on real scans) run
on the CPU's int8 dot-product instructions (VNNI): detection ~1.5x and recognition ~1.9x as
fast in isolation, with SROIE/FUNSD F1 within 0.002 of f32 (``docs/benchmarks.md``). On an
AMD EPYC with AVX-512 bf16 and no AMX they also beat the bf16 models (detection 1.15x,
recognition 1.34x, model calls alone), so ``auto`` takes them there too. On an AMD EPYC with
AVX2 alone (no AVX-512, no VNNI) they ran the speed pages 3% faster than f32 and read at least
as well (SROIE 0.899 against 0.898, FUNSD 0.812 against 0.810, UNLV CER 0.023 / 0.013 against
0.039 / 0.030, scribeocr 0.956 against 0.948), so ``auto`` takes them on any x86 CPU with AVX2.
AMX hosts keep bf16: on an Intel Xeon with AMX (``amx_bf16``, ``amx_int8``; 2026-12-07) the
bf16 models read the speed pages at 1.43x the CLI's pages/s (0.64 s/page, peak RSS 929 MiB)
and the int8 models at 1.14x (0.78 s/page, 1,295 MiB), in two runs minutes apart.

An int8 model is used only when its manifest names the SHA-256 of the very ONNX file RapidOCR
loaded: a newer rapidocr wheel with other weights falls back to its own model, never to
quantized weights of a different network.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path

from docsight.settings import OnnxPrecision

log = logging.getLogger(__name__)

MODELS = Path(__file__).resolve().parent / "models"
MANIFEST = MODELS / "int8.json"
# Instruction sets on which the int8 models beat f32: those with int8 dot products win most
# (1.5-1.9x); on AVX2 alone (2026-12-07) the int8 detector ran 0.159 s against f32's 0.154 and
# the recogniser 0.408 against 0.435: the engine 3% faster, and its text no worse (above).
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8", "avx2"})
# Matrix units whose bf16 path beats int8 there (1.43x the CLI against 1.14x): bf16 stays.
AMX_FLAGS = frozenset({"amx_bf16", "amx_tile"})


@cache
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (Linux); empty where ``/proc/cpuinfo`` is not readable."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def prefers_int8(flags: frozenset[str]) -> bool:
    """Whether ``auto`` precision should take the int8 models on a CPU with ``flags``."""
    return bool(flags & INT8_FLAGS) and not flags & AMX_FLAGS


def resolve_precision(
    precision: OnnxPrecision, flags: frozenset[str] | None = None
) -> OnnxPrecision:
    """``auto`` as ``int8`` where ``prefers_int8`` (this CPU's flags by default), else as given."""
    if precision == "auto" and prefers_int8(cpu_flags() if flags is None else flags):
        return "int8"
    return precision


def file_sha256(path: Path) -> str:
    """The file's SHA-256, hashed once per process while its size and mtime stay the same."""
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime)


@cache
def _sha256(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def int8_model(source: str, manifest: Path = MANIFEST) -> str | None:
    """The int8 model made from the ONNX file at ``source``, or None when there is none."""
    try:
        entries = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    src = Path(source)
    for entry in entries.values():
        if not isinstance(entry, dict) or entry.get("source") != src.name:
            continue
        model = manifest.parent / str(entry.get("model", ""))
        if not model.is_file() or not model.with_suffix(".bin").is_file():
            return None
        try:
            digest = file_sha256(src)
        except OSError:
            return None
        if digest != entry.get("sha256"):
            log.warning("%s is not the model the int8 build was made from: using it as is", src)
            return None
        return str(model)
    return None


__all__ = [
    "MANIFEST",
    "cpu_flags",
    "file_sha256",
    "int8_model",
    "prefers_int8",
    "resolve_precision",
]
