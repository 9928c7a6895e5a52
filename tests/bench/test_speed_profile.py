"""The profile's arithmetic count and report (bench/speed_profile.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from speed_profile import _Counting, model_flops, render_report  # bench/ is on sys.path

ov = pytest.importorskip("openvino")


def _tiny_model() -> Any:
    """1x3x8x16 -> conv 3x3 (3->4) -> conv 1x1 (4->6) -> depthwise 3x3 -> matmul (16->5)."""
    from openvino import opset13 as ops

    x = ops.parameter([1, 3, 8, 16], np.float32)
    w3 = ops.constant(np.ones((4, 3, 3, 3), np.float32))
    c3 = ops.convolution(x, w3, [1, 1], [1, 1], [1, 1], [1, 1])  # 1x4x8x16
    w1 = ops.constant(np.ones((6, 4, 1, 1), np.float32))
    c1 = ops.convolution(c3, w1, [1, 1], [0, 0], [0, 0], [1, 1])  # 1x6x8x16
    wd = ops.constant(np.ones((6, 1, 1, 3, 3), np.float32))
    dw = ops.group_convolution(c1, wd, [1, 1], [1, 1], [1, 1], [1, 1])  # 1x6x8x16
    mm = ops.matmul(dw, ops.constant(np.ones((16, 5), np.float32)), False, False)  # 1x6x8x5
    return ov.Model([mm], [x])


def test_flops_count_each_multiply_add_twice() -> None:
    flops = model_flops(_tiny_model())
    assert flops["Convolution"] == 2 * (4 * 8 * 16) * 3 * 9
    assert flops["Convolution 1x1"] == 2 * (6 * 8 * 16) * 4
    assert flops["GroupConvolution"] == 2 * (6 * 8 * 16) * 1 * 9
    assert flops["MatMul"] == 2 * (6 * 8 * 5) * 16


def test_flops_follow_a_transposed_operand() -> None:
    from openvino import opset13 as ops

    a = ops.parameter([2, 7, 3], np.float32)
    b = ops.constant(np.ones((5, 3), np.float32))
    model = ov.Model([ops.matmul(a, b, False, True)], [a])  # 2x7x5, inner 3
    assert model_flops(model) == {"MatMul": 2 * (2 * 7 * 5) * 3}


class _Session:
    def map(self, xs: Any, reduce: Any) -> list[Any]:
        return [reduce(x) for x in xs]

    description = "fake"


def test_counting_sees_every_batch_and_passes_results_through() -> None:
    counting = _Counting(_Session())
    batches = [np.zeros((8, 3, 48, 640), np.float32), np.zeros((3, 3, 48, 128), np.float32)]
    assert counting.map(iter(batches), lambda x: x.shape[0]) == [8, 3]
    assert (counting.batches, counting.crops, counting.columns) == (2, 11, 8 * 640 + 3 * 128)
    assert counting.description == "fake"  # everything else is the session's own


def test_report_states_the_floor_and_the_padding() -> None:
    result = {
        "host": "AMD EPYC; flags avx2",
        "model": "PP-OCRv6-small-latin/openvino-f32",
        "pages": 2,
        "render_s": 0.1,
        "wall_s": 4.0,
        "cpu_s": 7.0,
        "cores": 2,
        "stages": {"rec": 3.0, "det": 0.8, "layout": 0.3, "total": 4.0},
        "rec_batches": 3,
        "rec_crops": 20,
        "rec_columns": 10_000,
        "rec_columns_used": 8_000,
        "recogniser": {
            "batch": [8, 3, 48, 640],
            "seconds": 0.4,
            "gflop": 30.0,
            "gflop_by_type": {"Convolution 1x1": 28.0, "MatMul": 2.0},
            "gflops": 75.0,
            "layers": [("Convolution", "brgconv_avx2_1x1_f32", 350.0), ("MatMul", "gemm", 50.0)],
        },
        "rec_floor_s_per_page": 1.25,
        "rec_measured_s_per_page": 1.5,
    }
    report = render_report(result)
    assert "| rec | 3.00 | 75% |" in report
    assert "1.75 of 2 cores busy" in report
    assert "10,000 input columns, 8,000 of them carrying a crop (80%)" in report
    assert "| Convolution | brgconv_avx2_1x1_f32 | 350.0 | 88% |" in report
    assert "1.25 s/page (measured 1.50)" in report
    assert "layout (beside the rest" in report
