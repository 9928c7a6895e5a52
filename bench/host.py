"""What CPU a benchmark ran on, in the header line of every figure it prints.

The default engine's speed against the Tesseract CLI depends on the host more than on the
code: OpenVINO runs its convolutions in bf16, on AMX tiles where a CPU has them, and the same
19 pages read at 0.99-1.15x the CLI on earlier hosts (one of them had AMX; the others' CPUs
were not recorded) and at 0.74-0.76x on an AMD EPYC with AVX-512 bf16 but no AMX
(2026-12-06). Accuracy moves too (bf16 kernels differ between CPUs). A ratio means little
without the CPU beside it, so the scripts print this line with their figures.
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


def describe(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """One line: model, the flags that matter, and OpenVINO's precision."""
    try:
        model, flags = parse_cpuinfo(cpuinfo.read_text(errors="replace"))
    except OSError:
        model, flags = "unknown CPU", []
    parts = [model, "flags " + (" ".join(flags) if flags else "none of " + "/".join(FLAGS))]
    precision = openvino_precision()
    if precision:
        parts.append(f"OpenVINO CPU precision {precision}")
    return "; ".join(parts)
