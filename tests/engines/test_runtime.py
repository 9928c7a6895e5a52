"""Both runtimes on the recognition model the ``rapidocr`` wheel ships, fed a drawn text line."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from docsight.engines._rapid_pipeline import REC_HEIGHT, _norm_for_rec, bucket_width
from docsight.engines._runtime import (
    OpenVinoSession,
    OrtSession,
    open_session,
    resolve_runtime,
)

HAS_OPENVINO = importlib.util.find_spec("openvino") is not None
needs_openvino = pytest.mark.skipif(not HAS_OPENVINO, reason="openvino is not installed")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _rec_model() -> str:
    spec = importlib.util.find_spec("rapidocr")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    return str(root / "models" / "PP-OCRv6_rec_small.onnx")


def _line(text: str, width: int) -> np.ndarray:
    """A recognition batch of one drawn line, ``width`` columns wide."""
    font = (
        ImageFont.truetype(str(DEJAVU), 36) if DEJAVU.is_file() else ImageFont.load_default(size=36)
    )
    image = Image.new("RGB", (40 + 22 * len(text), 60), "white")
    ImageDraw.Draw(image).text((20, 8), text, "black", font)
    crop = np.asarray(image)[:, :, ::-1].copy()
    normed, _ = _norm_for_rec(crop, width, 1.0)
    return normed[None]


@pytest.fixture(scope="module")
def ort_session() -> OrtSession:
    return OrtSession(_rec_model(), threads=1)


def test_auto_prefers_openvino_where_installed() -> None:
    assert resolve_runtime("auto") == ("openvino" if HAS_OPENVINO else "onnxruntime")
    assert resolve_runtime("onnxruntime") == "onnxruntime"
    assert isinstance(open_session(_rec_model(), 1, "onnxruntime", "auto"), OrtSession)


@needs_openvino
def test_openvino_f32_matches_onnxruntime(ort_session: OrtSession) -> None:
    x = _line("Invoice 4711 total 1,234.56", 640)
    ov = OpenVinoSession(_rec_model(), 1, "f32", max_shapes=8)
    assert ov.description == "openvino-f32"
    expected, got = ort_session(x), ov(x)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-3
    assert (got.argmax(-1) == expected.argmax(-1)).all()


@needs_openvino
def test_openvino_default_precision_reads_the_same_characters(ort_session: OrtSession) -> None:
    """bf16 (where the CPU has it) may move probabilities, not the decoded text."""
    ov = OpenVinoSession(_rec_model(), 1, "auto", max_shapes=8)
    for text in ("Payment within thirty days", "TOTAL: RM 12.50", "GST ID 001234567890"):
        x = _line(text, bucket_width(REC_HEIGHT * 20, 64))
        assert (ov(x).argmax(-1) == ort_session(x).argmax(-1)).mean() > 0.97


@needs_openvino
def test_openvino_recompiles_after_too_many_shapes_and_stays_right(
    ort_session: OrtSession,
) -> None:
    ov = OpenVinoSession(_rec_model(), 1, "f32", max_shapes=2)
    inputs = [_line("Net 30 days", w) for w in (256, 320, 384, 256)]
    outs = [ov(x) for x in inputs]
    # Shapes 256 and 320 fill the budget; 384 recompiles; 256 is then new again and fits.
    assert ov.recompiles == 1
    for x, out in zip(inputs, outs, strict=True):
        assert (out.argmax(-1) == ort_session(x).argmax(-1)).all()


@needs_openvino
def test_openvino_outputs_are_not_overwritten_by_the_next_call() -> None:
    ov = OpenVinoSession(_rec_model(), 1, "f32", max_shapes=8)
    first = ov(_line("first line", 320))
    kept = first.copy()
    ov(_line("another, different line", 320))
    ov.release()
    assert np.array_equal(first, kept)
    # A released model still runs.
    assert ov(_line("first line", 320)).shape == first.shape


def test_auto_falls_back_to_onnxruntime_when_openvino_cannot_load(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import docsight.engines._runtime as runtime

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unsupported CPU")

    monkeypatch.setattr(runtime, "resolve_runtime", lambda _: "openvino")
    monkeypatch.setattr(runtime, "OpenVinoSession", broken)
    session = runtime.open_session(_rec_model(), 1, "auto", "auto")
    assert isinstance(session, OrtSession)
    assert "unsupported CPU" in caplog.text
    with pytest.raises(RuntimeError, match="unsupported CPU"):
        runtime.open_session(_rec_model(), 1, "openvino", "auto")


def _argmax(pred: np.ndarray) -> np.ndarray:
    return pred.argmax(-1)


def _mixed_inputs() -> list[np.ndarray]:
    texts = ("Net 30 days", "TOTAL: RM 12.50", "GST ID 001234567890", "Invoice 4711", "Paid")
    widths = (256, 384, 640, 320, 256)
    return [_line(t, w) for t, w in zip(texts, widths, strict=True)]


def test_onnxruntime_map_keeps_input_order(ort_session: OrtSession) -> None:
    inputs = _mixed_inputs()
    got = ort_session.map(iter(inputs), _argmax)
    assert [g.shape for g in got] == [ort_session(x).argmax(-1).shape for x in inputs]
    for x, g in zip(inputs, got, strict=True):
        assert (g == ort_session(x).argmax(-1)).all()


@needs_openvino
@pytest.mark.parametrize("streams", [1, 2])
def test_openvino_map_on_streams_matches_one_call_at_a_time(
    ort_session: OrtSession, streams: int
) -> None:
    """Inputs finish out of order on two streams; results still come back in input order."""
    ov = OpenVinoSession(_rec_model(), 2, "f32", max_shapes=8, streams=streams)
    assert ov.streams == streams
    inputs = _mixed_inputs() * 2
    got = ov.map(iter(inputs), _argmax)
    assert len(got) == len(inputs)
    for x, g in zip(inputs, got, strict=True):
        assert (g == ort_session(x).argmax(-1)).all()


@needs_openvino
def test_openvino_session_shared_by_threads_gives_each_its_own_answer(
    ort_session: OrtSession,
) -> None:
    """Single calls, maps and releases from four threads at once: none fails, none mixes up.

    Without the session's lock a second thread's call met "Infer Request is busy", and a
    release during a run "a compiled model in a busy state".
    """
    ov = OpenVinoSession(_rec_model(), 2, "f32", max_shapes=8, streams=2)
    inputs = _mixed_inputs()
    expected = [ort_session(x).argmax(-1) for x in inputs]
    errors: list[BaseException] = []
    wrong: list[int] = []

    def work(k: int) -> None:
        try:
            for _ in range(3):
                one_by_one = [ov(x).argmax(-1) for x in inputs] if k % 2 else None
                got = one_by_one or ov.map(iter(inputs), _argmax)
                ov.release()
                wrong.extend(i for i, g in enumerate(got) if not (g == expected[i]).all())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []


@needs_openvino
def test_openvino_map_recompiles_between_inputs_and_stays_right(ort_session: OrtSession) -> None:
    ov = OpenVinoSession(_rec_model(), 2, "f32", max_shapes=2, streams=2)
    inputs = _mixed_inputs()  # four distinct widths: at least one recompile mid-map
    got = ov.map(iter(inputs), _argmax)
    assert ov.recompiles >= 1
    for x, g in zip(inputs, got, strict=True):
        assert (g == ort_session(x).argmax(-1)).all()


@needs_openvino
def test_openvino_map_raises_what_reduce_or_the_inputs_raise() -> None:
    ov = OpenVinoSession(_rec_model(), 2, "f32", max_shapes=8, streams=2)

    def bad_reduce(pred: np.ndarray) -> None:
        raise ValueError("cannot reduce")

    with pytest.raises(ValueError, match="cannot reduce"):
        ov.map(iter(_mixed_inputs()), bad_reduce)

    def bad_inputs() -> Iterator[np.ndarray]:
        yield _line("fine", 256)
        raise OSError("crop failed")

    with pytest.raises(OSError, match="crop failed"):
        ov.map(bad_inputs(), _argmax)
    # The session is still usable afterwards.
    assert len(ov.map(iter(_mixed_inputs()[:2]), _argmax)) == 2


# --- cutting the recogniser's classifier to a charset ------------------------------------------

# Blank, ASCII letters and digits, a space-like tail class: a charset's worth of classes.
KEEP = np.array([0, *range(10, 96), 18709], dtype=np.intp)
HEAD_TEXTS = ("Invoice 4711 total 1,234.56", "TAX (RM): 0.00")


def _kept(full: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """What a softmax over only the kept classes' scores gives, from the full softmax."""
    sub = full[..., keep]
    return sub / sub.sum(axis=-1, keepdims=True)


def test_onnxruntime_cut_to_classes_is_the_softmax_over_them(ort_session: OrtSession) -> None:
    cut = OrtSession(_rec_model(), threads=1, classes=KEEP)
    for text in HEAD_TEXTS:
        x = _line(text, 640)
        got = cut(x)
        assert got.shape == (*ort_session(x).shape[:-1], len(KEEP))
        assert np.allclose(got, _kept(ort_session(x), KEEP), atol=1e-5)


@needs_openvino
def test_openvino_cut_classifier_matches_the_full_model_renormalized(
    ort_session: OrtSession,
) -> None:
    cut = OpenVinoSession(_rec_model(), 1, "f32", max_shapes=8, classes=KEEP)
    for text in HEAD_TEXTS:
        x = _line(text, 640)
        got, expected = cut(x), _kept(ort_session(x), KEEP)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-3
        assert (got.argmax(-1) == expected.argmax(-1)).all()


def _int8_rec_model() -> str:
    from docsight.engines._int8 import int8_model

    model = int8_model(_rec_model())
    if model is None:
        pytest.skip("no int8 build for this rapidocr wheel's recogniser")
    return model


@needs_openvino
def test_openvino_cut_keeps_the_int8_weights_int8_and_reads_the_same() -> None:
    import openvino as ov

    from docsight.engines._runtime import restrict_classes

    path = _int8_rec_model()
    model = ov.Core().read_model(path)
    restrict_classes(model, KEEP)
    int8_heads = [
        op
        for op in model.get_ordered_ops()
        if op.get_type_name() == "Constant"
        and op.get_element_type() == ov.Type.i8
        and list(op.get_output_shape(0))[-1] == len(KEEP)
    ]
    assert int8_heads, "the cut head's weights should still be int8 constants"

    full = OpenVinoSession(path, 1, "int8", max_shapes=8)
    cut = OpenVinoSession(path, 1, "int8", max_shapes=8, classes=KEEP)
    for text in HEAD_TEXTS:
        x = _line(text, 640)
        got, expected = cut(x), _kept(full(x), KEEP)
        assert np.abs(got - expected).max() < 1e-3
        assert (got.argmax(-1) == expected.argmax(-1)).all()


@needs_openvino
def test_restrict_classes_takes_a_bias_on_either_side_and_refuses_other_heads() -> None:
    import openvino as ov
    import openvino.opset13 as ops

    from docsight.engines._runtime import restrict_classes

    rng = np.random.default_rng(7)
    weights = rng.normal(size=(4, 6)).astype(np.float32)
    bias = rng.normal(size=6).astype(np.float32)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    keep = np.array([0, 2, 5], dtype=np.intp)

    def head(bias_first: bool) -> ov.Model:
        param = ops.parameter([3, 4], np.float32)
        scores = ops.matmul(param, ops.constant(weights), False, False)
        summed = ops.add(ops.constant(bias), scores) if bias_first else ops.add(scores, bias)
        return ov.Model([ops.softmax(summed, -1)], [param])

    logits = (x @ weights + bias)[:, keep]
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    for bias_first in (False, True):
        model = head(bias_first)
        restrict_classes(model, keep)
        compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        got = compiled({0: x})[0]
        assert np.allclose(got, expected, atol=1e-5)

    param = ops.parameter([3, 4], np.float32)
    no_softmax = ov.Model([ops.relu(param)], [param])
    with pytest.raises(ValueError, match="softmax"):
        restrict_classes(no_softmax, keep)
