"""The host line the benchmarks print beside their figures."""

from __future__ import annotations

from pathlib import Path

from host import describe, parse_cpuinfo  # bench/ is put on sys.path by conftest.py

INTEL = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_int8 amx_tile
processor\t: 1
model name\t: Some Other CPU
flags\t\t: fpu
"""

EPYC = """processor\t: 0
model name\t: AMD EPYC
flags\t\t: fpu avx2 avx512f avx512_vnni avx512_bf16
"""


def test_intel_amx_host() -> None:
    model, flags = parse_cpuinfo(INTEL)
    assert model == "Intel(R) Xeon(R) Platinum 8480+"  # the first processor's, spaces folded
    assert flags == ["amx_bf16", "amx_int8", "avx512_bf16", "avx512_vnni", "avx512f", "avx2"]


def test_host_without_amx() -> None:
    model, flags = parse_cpuinfo(EPYC)
    assert model == "AMD EPYC"
    assert "amx_bf16" not in flags and "avx512_bf16" in flags


def test_arm_features_line() -> None:
    model, flags = parse_cpuinfo("processor : 0\nFeatures : fp asimd\n")
    assert model == "unknown CPU" and flags == []


def test_describe_reads_the_file(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(EPYC)
    line = describe(info)
    assert line.startswith("AMD EPYC; flags avx512_bf16 avx512_vnni avx512f avx2")


def test_describe_without_cpuinfo(tmp_path: Path) -> None:
    assert describe(tmp_path / "missing").startswith("unknown CPU; flags none of amx_bf16/")


def test_describe_names_the_int8_models_where_auto_takes_them(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(EPYC)  # VNNI, no AMX
    assert describe(info).endswith("default engine's detection and recognition models int8")


def test_describe_leaves_models_out_where_auto_keeps_the_onnx_files(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("model name : X\nflags : avx2 amx_bf16 amx_tile amx_int8 avx512_vnni\n")
    assert "models" not in describe(info)
