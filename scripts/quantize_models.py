"""Rebuild the int8 OpenVINO models of the CPU engine.

    pip install nncf && python scripts/quantize_models.py [IMAGE ...]

Why int8: on CPUs without native bf16 (AVX-512 VNNI, no AMX or AVX-512 bf16) OpenVINO runs the
bundled PP-OCRv6 models in f32, and the default engine read the speed pages at 0.55x the
Tesseract CLI's pages/s. Post-training int8 runs detection ~1.5x and recognition ~1.9x as fast
there (``docs/benchmarks.md``).

Calibration runs real scans (default: 15 pages of ``../shared/data``: 8 SROIE receipts, 4
FUNSD forms, 3 scribeocr pages; their images only, no ground truth) through the f32 engine, and
the detection inputs and recognition batches the engine makes are the calibration set, so the
statistics see exactly the tensors the engine feeds the models. Pages drawn with Pillow (prose,
monospaced receipts, ruled forms, degraded like scans) were tried first and cost SROIE 0.900 ->
0.858 and FUNSD 0.812 -> 0.781 F1: their ink, paper and colour ranges are not a scan's.
Recognition is quantized with NNCF's transformer preset (its SVTR neck has attention: the
default preset decoded the same character at only 80% of output positions, the transformer
preset at 98.5%).

Needs ``pip install nncf`` (a build-time tool, not a dependency of docsight). Writes
``src/docsight/engines/models/`` and its ``int8.json`` manifest (the SHA-256 of each source
ONNX file: the engine uses an int8 model only when RapidOCR's bundled model is that file).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "docsight" / "engines" / "models"
DATA = ROOT.parent / "shared" / "data"


def default_pages(data: Path = DATA) -> list[Path]:
    """Fifteen real scans of three kinds: receipts, low-resolution forms, office pages."""
    pages = sorted((data / "sroie" / "img").glob("*.jpg"))[50:58]
    pages += sorted((data / "funsd" / "images").glob("*.png"))[-4:]
    pages += sorted((data / "scribeocr" / "img").glob("*.png"))[-3:]
    return pages


class _Recorder:
    """Passes calls to the engine's session and keeps every input it is given."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.inputs: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> Any:
        self.inputs.append(x.copy())
        return self.session(x)

    def map(self, xs: Any, reduce: Any) -> Any:
        xs = list(xs)
        self.inputs.extend(x.copy() for x in xs)
        return self.session.map(xs, reduce)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    names = sys.argv[1:] if argv is None else argv
    paths = [Path(n) for n in names] or default_pages()
    if not paths:
        print(f"no calibration images (none given, none under {DATA})", file=sys.stderr)
        return 2
    import nncf
    import openvino as ov

    from docsight.engines import rapid
    from docsight.engines._int8 import file_sha256
    from docsight.engines.base import PageImage
    from docsight.settings import Settings

    settings = Settings()
    settings.engine.precision = "f32"
    settings.engine.runtime = "openvino"
    engine = rapid.RapidOcrEngine(settings)
    det_path = Path(engine.source_models["det"])
    rec_path = Path(engine.source_models["rec"])
    det = _Recorder(engine._det.session.session)
    rec = _Recorder(engine._rec_session)
    engine._det.session.session = det
    engine._rec_session = rec
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            dpi = float((image.info.get("dpi") or (0, 0))[0])
            page = PageImage(image=image.convert("RGB"), number=i + 1, dpi=dpi if dpi >= 100 else 0)
            engine.recognize(page)
        print(f"{path.name}: {len(det.inputs)} det, {len(rec.inputs)} rec inputs so far")
    rng = random.Random(1)
    rec_inputs = rng.sample(rec.inputs, min(300, len(rec.inputs)))
    core = ov.Core()
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "calibration": [f"{p.parent.parent.name}/{p.name}" for p in paths],
        "made_by": "scripts/quantize_models.py",
    }
    for name, src, inputs, kw in [
        ("det", det_path, det.inputs, {}),
        ("rec", rec_path, rec_inputs, {"model_type": nncf.ModelType.TRANSFORMER}),
    ]:
        model = core.read_model(str(src))
        q = nncf.quantize(model, nncf.Dataset(inputs), subset_size=len(inputs), **kw)
        target = OUT / f"{src.stem}_int8.xml"
        ov.save_model(q, str(target))
        manifest[name] = {"source": src.name, "sha256": file_sha256(src), "model": target.name}
        print(f"{name}: {len(inputs)} calibration inputs -> {target}")
    (OUT / "int8.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
