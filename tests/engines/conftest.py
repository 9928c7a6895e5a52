"""Engine-test fixtures: the tiny Qwen2.5-VL checkpoints (see ``support.tiny_vlm``)."""

from __future__ import annotations

import pytest

from support.tiny_vlm import TinyCheckpoints, build


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoints:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return build(tmp_path_factory.mktemp("tiny-qwen2.5-vl"))
