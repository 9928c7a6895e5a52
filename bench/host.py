"""What CPU a benchmark ran on, in the header line of every figure it prints.

The default engine's speed against the Tesseract CLI depends on the host more than on the
code: the same 19 pages read at 0.99-1.15x the CLI on earlier hosts in bf16 (one of them had
AMX; the others' CPUs were not recorded), at 0.74-0.76x in bf16 on an AMD EPYC with AVX-512 bf16
but no AMX (2026-12-06), and at 0.55x in f32 on an Intel Xeon with VNNI only (2026-12-07),
before the int8 models; with today's code, 1.09x on the AVX-512 EPYC and 0.62-0.64x on an
AMD EPYC with AVX2 only (2026-12-07, ``bench/speed_profile.py`` shows why). Accuracy moves too
(bf16 kernels differ between CPUs). A ratio means little without the CPU and the precision
beside it, so the scripts print this line with their figures.
"""

from __future__ import annotations

from pathlib import Path

# Instruction sets that decide which kernels OpenVINO and Tesseract pick, best first.
FLAGS = ("amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx512f", "avx_vnni", "avx2")


def parse_cpuinfo(text: str) -> tuple[str, list[str]]:
    """The first processor's model name and which of ``FLAGS`` it has."""
    model, flags = "unknown CPU", set[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and model == "unknown CPU":
            model = " ".join(value.split())
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return model, [f for f in FLAGS if f in flags]


def openvino_precision() -> str | None:
    """The inference precision OpenVINO's CPU plugin chooses on this host (None without it)."""
    try:
        import openvino as ov
    except ImportError:
        return None
    try:
        return str(ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name())
    except Exception:  # an older plugin without the property: say nothing rather than fail
        return None


def engine_models(flags: frozenset[str] | None = None) -> str | None:
    """Which models the default engine's detector and recogniser run here (settings included)."""
    try:
        from docsight.engines._int8 import resolve_precision
        from docsight.settings import Settings
    except ImportError:
        return None
    precision = resolve_precision(Settings().engine.precision, flags)
    return None if precision == "auto" else precision


def describe(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """One line: model, the flags that matter, OpenVINO's precision and the engine's models."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        text = ""
    model, flags = parse_cpuinfo(text)
    parts = [model, "flags " + (" ".join(flags) if flags else "none of " + "/".join(FLAGS))]
    precision = openvino_precision()
    if precision:
        parts.append(f"OpenVINO CPU precision {precision}")
    models = engine_models(frozenset(flags))
    if models:
        parts.append(f"default engine's detection and recognition models {models}")
    return "; ".join(parts)
