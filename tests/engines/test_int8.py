"""The int8 models: which CPUs take them, and that only their own ONNX source maps to them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from docsight.engines._int8 import MANIFEST, cpu_flags, int8_model, prefers_int8

HAS_OPENVINO = importlib.util.find_spec("openvino") is not None


def _bundled(name: str) -> str:
    spec = importlib.util.find_spec("rapidocr")
    assert spec is not None and spec.submodule_search_locations
    return str(Path(next(iter(spec.submodule_search_locations))) / "models" / name)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, True),  # Cascade Lake / Ice Lake server: no bf16
        ({"avx2", "avx_vnni"}, True),  # Alder Lake and later client cores
        ({"avx512_vnni", "avx512_bf16"}, True),  # AMD Zen 4: int8 measured faster than bf16
        ({"avx512_vnni", "amx_bf16", "amx_int8", "amx_tile"}, False),  # Sapphire Rapids: AMX
        ({"avx2", "fma"}, True),  # no int8 dot product: 3% faster than f32, and reads better
        ({"asimd", "fp"}, False),  # ARM: nothing measured, OpenVINO's own default
        (set(), False),
    ],
)
def test_auto_takes_int8_with_avx2_or_vnni_and_without_amx(flags: set[str], expected: bool) -> None:
    assert prefers_int8(frozenset(flags)) is expected


def test_cpu_flags_reads_the_flags_line(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: X\nflags\t\t: fpu sse2 avx512_vnni\n")
    assert cpu_flags(str(info)) == frozenset({"fpu", "sse2", "avx512_vnni"})
    assert cpu_flags(str(tmp_path / "missing")) == frozenset()


def _manifest(tmp_path: Path, source: Path, digest: str) -> Path:
    (tmp_path / "m_int8.xml").write_text("<net/>")
    (tmp_path / "m_int8.bin").write_bytes(b"\0")
    manifest = tmp_path / "int8.json"
    entry = {"source": source.name, "sha256": digest, "model": "m_int8.xml"}
    manifest.write_text(json.dumps({"calibration": "drawn pages", "det": entry}))
    return manifest


def test_int8_model_only_for_the_exact_source_file(tmp_path: Path) -> None:
    source = tmp_path / "src" / "m.onnx"
    source.parent.mkdir()
    source.write_bytes(b"weights v1")
    manifest = _manifest(tmp_path, source, hashlib.sha256(b"weights v1").hexdigest())
    assert int8_model(str(source), manifest) == str(tmp_path / "m_int8.xml")
    other = tmp_path / "src" / "other.onnx"
    other.write_bytes(b"weights v1")
    assert int8_model(str(other), manifest) is None  # not named in the manifest
    newer = tmp_path / "new" / "m.onnx"
    newer.parent.mkdir()
    newer.write_bytes(b"weights v2, same name")
    assert int8_model(str(newer), manifest) is None  # another network under the same name
    assert int8_model(str(source), tmp_path / "absent.json") is None


def test_shipped_manifest_matches_the_bundled_models() -> None:
    """The wheel's models are the ones quantized: a rapidocr upgrade must rebuild them."""
    entries = json.loads(MANIFEST.read_text())
    for key in ("det", "rec"):
        assert int8_model(_bundled(entries[key]["source"])) is not None, key


@pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
def test_int8_detector_finds_the_same_text_as_f32() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from docsight.engines._rapid_pipeline import det_input
    from docsight.engines._runtime import open_session

    page = Image.new("RGB", (640, 320), "white")
    draw = ImageDraw.Draw(page)
    for row, text in enumerate(("Invoice 4711", "Total due: 1,234.56", "Paid with thanks")):
        draw.text((30, 30 + 90 * row), text, "black", ImageFont.load_default(size=40))
    x = det_input(np.asarray(page)[:, :, ::-1].copy(), [0.5] * 3, [0.5] * 3)
    source = _bundled("PP-OCRv6_det_small.onnx")
    f32 = open_session(source, 1, "openvino", "f32")(x)[0, 0] > 0.3
    int8 = open_session(source, 1, "openvino", "int8")
    assert int8.description == "openvino-int8"  # type: ignore[attr-defined]
    got = int8(x)[0, 0] > 0.3
    assert f32.sum() > 1000  # the text is there at all
    assert (f32 & got).sum() / (f32 | got).sum() > 0.9


@pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
def test_int8_recogniser_decodes_drawn_lines_like_f32() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from docsight.engines._rapid_pipeline import _norm_for_rec
    from docsight.engines._runtime import open_session

    source = _bundled("PP-OCRv6_rec_small.onnx")
    f32 = open_session(source, 1, "openvino", "f32")
    int8 = open_session(source, 1, "openvino", "int8")
    assert int8.description == "openvino-int8"  # type: ignore[attr-defined]
    for text in ("Invoice 4711 total 1,234.56", "TOTAL: RM 12.50", "Payment within 30 days"):
        image = Image.new("RGB", (40 + 22 * len(text), 60), "white")
        ImageDraw.Draw(image).text((20, 8), text, "black", ImageFont.load_default(size=36))
        x, _ = _norm_for_rec(np.asarray(image)[:, :, ::-1].copy(), 640, 1.0)
        a, b = f32(x[None]).argmax(-1), int8(x[None]).argmax(-1)
        assert (a > 0).sum() > len(text) // 2  # characters were read at all
        assert (a == b).mean() > 0.95


@pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
def test_int8_models_keep_their_unquantized_layers_in_f32() -> None:
    """The same numbers on every CPU: bf16 there moved a detector box across a column gap."""
    from docsight.engines._runtime import OpenVinoSession

    quantized = int8_model(_bundled("PP-OCRv6_det_small.onnx"))
    assert quantized is not None
    session = OpenVinoSession(quantized, 1, "int8", max_shapes=2)
    hint = session._compiled.get_property("INFERENCE_PRECISION_HINT")
    assert hint.get_type_name() == "f32"
