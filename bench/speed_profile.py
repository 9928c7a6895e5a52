"""Where the default engine's time goes on this host, and how close to the hardware it runs.

    python bench/speed_profile.py [DATA_DIR] [--limit N] [--json OUT]

The issue's fallback, when tuning cannot bring the engine to the Tesseract CLI's pace, is to
report the ratio and the profile that shows where the time goes. ``bench/speed.py`` gives the
ratio; this script gives the profile, on the same 19 scanned pages, in one process with the
engine preloaded:

- the per-stage seconds every page records (``EngineOutput.timings``), summed, and the CPU
  time of the whole run against its wall time (how many of the cores were busy);
- the recognition work: crops, the input columns fed to the recogniser and the share of them
  that carry a crop rather than batch padding;
- the recogniser itself on one batch (8 crops x 48 x 640, one thread, the engine's own
  compiled model with its charset cut): milliseconds per layer type and kernel from
  OpenVINO's performance counters, the model's arithmetic (multiply-adds of convolutions and
  matrix products, counted from the graph) and the rate the kernels reach;
- the floor that rate puts under recognition: the arithmetic of every column fed, spread over
  every core at the measured rate. Where that floor alone exceeds the CLI's s/page (from
  ``bench/speed.py`` on the same host), no batching or threading closes the gap; only a
  cheaper recogniser does.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from host import describe
from speed import scanned_pages

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(1, str(ROOT / "src"))

BATCH = (8, 3, 48, 640)  # eight full-width receipt lines: the recogniser's common case


def _dims(port: Any) -> list[int]:
    return [int(d) for d in port.get_partial_shape().to_shape()]


def model_flops(model: Any) -> dict[str, float]:
    """Floating-point operations (2 per multiply-add) of one call, by layer type.

    Counts convolutions (1x1 apart, they dominate PP-OCR's recogniser), grouped (depthwise)
    convolutions and matrix products, on a model whose shapes are static. The element-wise
    layers are left out, so the rate computed from this count is a lower bound of the kernels'.
    """
    flops: collections.Counter[str] = collections.Counter()
    for op in model.get_ordered_ops():
        kind = op.get_type_name()
        if kind in ("Convolution", "GroupConvolution"):
            weights, size = _dims(op.input(1)), math.prod(_dims(op.output(0)))
            window = weights[-1] * weights[-2]
            if kind == "Convolution":
                name = "Convolution 1x1" if window == 1 else "Convolution"
                flops[name] += 2 * size * weights[1] * window
            else:  # weights: groups x out/group x in/group x kh x kw
                flops[kind] += 2 * size * weights[2] * window
        elif kind == "MatMul":
            a = _dims(op.input(0))
            inner = a[-2] if op.get_attributes().get("transpose_a", False) else a[-1]
            flops[kind] += 2 * math.prod(_dims(op.output(0))) * inner
    return dict(flops)


def layer_profile(compiled_request: Any) -> list[tuple[str, str, float]]:
    """(layer type, kernel, ms) summed over a request's last call, slowest first."""
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    for item in compiled_request.get_profiling_info():
        total[(item.node_type, item.exec_type)] += item.real_time.total_seconds() * 1e3
    return [(kind, kernel, ms) for (kind, kernel), ms in total.most_common()]


def recogniser_profile(engine: Any) -> dict[str, Any]:
    """One batch through the engine's recogniser with performance counters on (one thread)."""
    import numpy as np

    session = engine._rec_session
    model = session._model.clone()
    model.reshape(list(BATCH))
    flops = model_flops(model)
    config = {
        "INFERENCE_NUM_THREADS": 1,
        "PERF_COUNT": True,
        "ENABLE_CPU_PINNING": False,
        "INFERENCE_PRECISION_HINT": session._config.get("INFERENCE_PRECISION_HINT", "f32"),
    }
    request = session._core.compile_model(model, "CPU", config).create_infer_request()
    x = np.random.default_rng(0).random(BATCH, dtype=np.float32)
    for _ in range(2):
        request.infer({0: x})
    seconds = []
    for _ in range(5):
        mark = time.perf_counter()
        request.infer({0: x})
        seconds.append(time.perf_counter() - mark)
    layers = layer_profile(request)
    best = min(seconds)
    return {
        "batch": list(BATCH),
        "seconds": best,
        "gflop": sum(flops.values()) / 1e9,
        "gflop_by_type": {k: v / 1e9 for k, v in flops.items()},
        "gflops": sum(flops.values()) / 1e9 / best,
        "layers": layers,
    }


class _Counting:
    """The recogniser's session, counting the columns it is fed (bench-only instrumentation)."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.batches = self.crops = self.columns = 0

    def map(self, xs: Any, reduce: Any) -> Any:
        def counted() -> Any:
            for x in xs:
                self.batches += 1
                self.crops += x.shape[0]
                self.columns += x.shape[0] * x.shape[3]
                yield x

        return self._session.map(counted(), reduce)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _used_columns() -> tuple[Any, list[int]]:
    """A wrapper for ``_norm_for_rec`` that adds each crop's own width to a list."""
    import docsight.engines._rapid_pipeline as pipeline

    used: list[int] = []
    original = pipeline._norm_for_rec

    def norm(img: Any, width: int, squeeze: float) -> Any:
        out = original(img, width, squeeze)
        used.append(out[1])
        return out

    pipeline._norm_for_rec = norm
    return original, used


def run(data: Path, limit: int | None) -> dict[str, Any]:
    import docsight.engines._rapid_pipeline as pipeline
    from docsight.document import open_document
    from docsight.engines.rapid import RapidOcrEngine
    from docsight.settings import Settings

    settings = Settings()
    engine = RapidOcrEngine(settings)
    paths = scanned_pages(data, limit)
    render = 0.0
    pages = []
    for path in paths:
        mark = time.perf_counter()
        with open_document(path, settings) as doc:
            pages += [p.render() for p in doc.iter_pages()]
        render += time.perf_counter() - mark
    for page in pages[:2]:  # kernels for the common shapes, as a warm worker has them
        engine.recognize(page)
    counting = _Counting(engine._rec_session)
    engine._rec_session = counting
    original, used = _used_columns()
    stages: collections.Counter[str] = collections.Counter()
    cpu0, wall0 = os.times(), time.perf_counter()
    try:
        for page in pages:
            for stage, seconds in engine.recognize(page).timings.items():
                stages[stage] += seconds
    finally:
        pipeline._norm_for_rec = original
        engine._rec_session = counting._session
    wall = time.perf_counter() - wall0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    rec = recogniser_profile(engine)
    cores = os.cpu_count() or 1
    per_column = rec["gflop"] / (BATCH[0] * BATCH[3])
    floor = counting.columns * per_column / (cores * rec["gflops"]) / len(pages)
    return {
        "host": describe(),
        "model": engine._model,
        "pages": len(pages),
        "render_s": render,
        "wall_s": wall,
        "cpu_s": cpu,
        "cores": cores,
        "stages": dict(stages),
        "rec_batches": counting.batches,
        "rec_crops": counting.crops,
        "rec_columns": counting.columns,
        "rec_columns_used": sum(used),
        "recogniser": rec,
        "rec_floor_s_per_page": floor,
        "rec_measured_s_per_page": stages.get("rec", 0.0) / len(pages),
    }


def render_report(r: dict[str, Any]) -> str:
    rec = r["recogniser"]
    lines = [
        f"# docsight profile, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{r['pages']} pages, {r['cores']} CPUs, engine preloaded",
        f"# host: {r['host']}",
        f"# model: {r['model']}",
        "",
        "| stage | s | share |",
        "|---|---:|---:|",
    ]
    total = r["stages"].get("total", sum(r["stages"].values()))
    for stage, seconds in sorted(r["stages"].items(), key=lambda kv: -kv[1]):
        if stage != "total" and seconds >= 0.005:
            note = " (beside the rest, on its own thread)" if stage == "layout" else ""
            lines.append(f"| {stage}{note} | {seconds:.2f} | {100 * seconds / total:.0f}% |")
    lines.append(f"| engine total | {total:.2f} | 100% |")
    lines += [
        "",
        f"wall {r['wall_s']:.1f} s ({r['wall_s'] / r['pages']:.2f} s/page), "
        f"CPU {r['cpu_s']:.1f} s: "
        f"{r['cpu_s'] / r['wall_s']:.2f} of {r['cores']} cores busy; rendering apart "
        f"{r['render_s']:.2f} s",
        f"recognition: {r['rec_crops']} crops in {r['rec_batches']} batches, "
        f"{r['rec_columns']:,} input columns, {r['rec_columns_used']:,} of them carrying a crop "
        f"({100 * r['rec_columns_used'] / max(r['rec_columns'], 1):.0f}%)",
        "",
        f"recogniser, one batch {'x'.join(map(str, rec['batch']))}, one thread: "
        f"{rec['seconds']:.3f} s, {rec['gflop']:.1f} GFLOP counted "
        f"({', '.join(f'{k} {v:.1f}' for k, v in rec['gflop_by_type'].items())}), "
        f"{rec['gflops']:.0f} GFLOP/s",
        "",
        "| layer | kernel | ms | share |",
        "|---|---|---:|---:|",
    ]
    layer_total = sum(ms for _, _, ms in rec["layers"]) or 1.0
    for kind, kernel, ms in rec["layers"][:10]:
        lines.append(f"| {kind} | {kernel} | {ms:.1f} | {100 * ms / layer_total:.0f}% |")
    lines += [
        "",
        f"recognition floor at that rate on {r['cores']} cores: "
        f"{r['rec_floor_s_per_page']:.2f} s/page (measured {r['rec_measured_s_per_page']:.2f})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="pages of each set")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    result = run(args.data, args.limit)
    print(render_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
