"""Collectors: model loads from the engines' log, and the prefork parent's merged registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from docsight.engines.loads import MODEL_MANAGER, REGISTRY, LoadLog, ModelLoad, ModelUnload
from docsight.server.metrics import Metrics, multiprocess_registry

ONNX = ModelLoad("rapidocr", "PP-OCRv5-mobile", REGISTRY, 1.5, rss_bytes=150_000_000)
VLM = ModelLoad("nanonets", "org/vlm-3b", MODEL_MANAGER, 20.0, rss_bytes=900_000_000,
                nbytes=7_000_000_000, device="cuda:0")


def lines(metrics: Metrics) -> set[str]:
    return set(metrics.render().decode().splitlines())


def test_model_loads_become_load_time_and_memory() -> None:
    log = LoadLog()
    metrics = Metrics(loads=log)
    log.record(ONNX)
    log.record(VLM)
    out = lines(metrics)
    assert ('docsight_model_load_seconds_count{engine="rapidocr",loader="registry",'
            'model="PP-OCRv5-mobile"} 1.0') in out
    assert ('docsight_model_load_seconds_sum{engine="nanonets",loader="model_manager",'
            'model="org/vlm-3b"} 20.0') in out
    assert ('docsight_model_load_seconds_bucket{engine="nanonets",le="10.0",'
            'loader="model_manager",model="org/vlm-3b"} 0.0') in out
    assert ('docsight_model_resident_bytes{engine="rapidocr",loader="registry",'
            'model="PP-OCRv5-mobile"} 1.5e+08') in out
    assert 'docsight_model_bytes{device="cuda:0",engine="nanonets",model="org/vlm-3b"} 7e+09' in out
    assert not any(line.startswith('docsight_model_bytes{device=""') for line in out)

    log.record(ModelUnload(VLM))  # evicted: its memory is given back, its load time stays
    out = lines(metrics)
    assert 'docsight_model_bytes{device="cuda:0",engine="nanonets",model="org/vlm-3b"} 0.0' in out
    assert ('docsight_model_resident_bytes{engine="nanonets",loader="model_manager",'
            'model="org/vlm-3b"} 0.0') in out
    assert ('docsight_model_load_seconds_count{engine="nanonets",loader="model_manager",'
            'model="org/vlm-3b"} 1.0') in out


def test_metrics_made_after_a_load_still_see_it() -> None:
    log = LoadLog()
    log.record(ONNX)  # e.g. the engine was warmed before the app built its metrics
    late = Metrics(loads=log)
    assert ('docsight_model_load_seconds_count{engine="rapidocr",loader="registry",'
            'model="PP-OCRv5-mobile"} 1.0') in lines(late)


def _gauge_file(folder: Path, pid: int, value: float) -> Path:
    path = folder / f"gauge_livesum_{pid}.db"
    store = MmapedDict(str(path))
    key = mmap_key("docsight_model_bytes", "docsight_model_bytes", ["engine", "model", "device"],
                   ["nanonets", "org/vlm-3b", "cuda:0"], "Model memory.")
    store.write_value(key, value, 0.0)
    store.close()
    return path


def _counter_file(folder: Path, pid: int, value: float) -> None:
    store = MmapedDict(str(folder / f"counter_{pid}.db"))
    key = mmap_key("docsight_pages_processed", "docsight_pages_processed_total",
                   ["engine", "status"], ["size", "success"], "Pages processed.")
    store.write_value(key, value, 0.0)
    store.close()


def test_the_prefork_registry_sums_children_and_forgets_dead_ones_memory(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid is gone, as a SIGKILLed child's is once the pool reaps it
    alive = os.getpid()
    dead_gauge = _gauge_file(tmp_path, dead.pid, 7e9)
    live_gauge = _gauge_file(tmp_path, alive, 1e9)
    _counter_file(tmp_path, dead.pid, 3)
    _counter_file(tmp_path, alive, 2)
    out = generate_latest(multiprocess_registry(str(tmp_path))).decode().splitlines()
    assert not dead_gauge.exists() and live_gauge.exists()
    assert 'docsight_model_bytes{device="cuda:0",engine="nanonets",model="org/vlm-3b"} 1e+09' in out
    # what a dead child counted stays counted: counters never go back
    assert 'docsight_pages_processed_total{engine="size",status="success"} 5.0' in out
