"""The accuracy script's bookkeeping on a tiny fake data folder (no OCR is run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

accuracy = pytest.importorskip("accuracy")  # bench/ is put on sys.path by conftest.py


def _image(path: Path, dpi: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("L", (40, 20), 255)
    if dpi:
        image.save(path, dpi=(dpi, dpi))
    else:
        image.save(path)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    tt = tmp_path / "tesseract_test" / "testing"
    for name in accuracy.TESSERACT_TEST:
        _image(tt / f"{name}.tif", 300)
        (tt / f"{name}.txt").write_text(f"text of {name}\n")
    for stem in ("table_01", "table_02", "form_01"):
        _image(tmp_path / "scribeocr" / "img" / f"{stem}.png")
        hocr = tmp_path / "scribeocr" / "ground_truth" / f"{stem}.truth.hocr"
        hocr.parent.mkdir(parents=True, exist_ok=True)
        hocr.write_text('<span class="ocr_line"><span class="ocrx_word">Hello</span></span>')
    for stem in ("000", "001"):
        _image(tmp_path / "sroie" / "img" / f"{stem}.jpg", 150)
        box = tmp_path / "sroie" / "box" / f"{stem}.csv"
        box.parent.mkdir(parents=True, exist_ok=True)
        box.write_text("1,2,3,4,5,6,7,8,TOTAL 9.00\n")
    _image(tmp_path / "funsd" / "images" / "f1.png")
    ann = tmp_path / "funsd" / "annotations" / "f1.json"
    ann.parent.mkdir(parents=True)
    ann.write_text(json.dumps({"form": [{"words": [{"text": "Date:"}]}]}))
    return tmp_path


def test_collect_finds_every_dataset(data: Path) -> None:
    docs = accuracy.collect(data, None)
    counts = {
        d: sum(1 for doc in docs if doc.dataset == d)
        for d in ("tesseract_test", "scribeocr", "sroie", "funsd")
    }
    assert counts == {"tesseract_test": 4, "scribeocr": 3, "sroie": 2, "funsd": 1}
    groups = sorted(doc.group for doc in docs if doc.dataset == "scribeocr")
    assert groups == ["form", "table", "table"]
    assert len(accuracy.collect(data, 1)) == 4  # one per dataset


def test_cli_passes_dpi_only_when_the_image_states_it(data: Path) -> None:
    with_dpi = accuracy.cli_command(data / "sroie" / "img" / "000.jpg")
    assert with_dpi[:3] == ["tesseract", str(data / "sroie" / "img" / "000.jpg"), "stdout"]
    assert with_dpi[3:] == ["--psm", "4", "--dpi", "150"]
    assert "--dpi" not in accuracy.cli_command(data / "funsd" / "images" / "f1.png")


def test_scores_and_table(data: Path) -> None:
    docs = accuracy.collect(data, None)
    scores = []
    for doc in docs:
        text = "total 9.00" if doc.dataset == "sroie" else ""
        metrics = accuracy.score(doc, text)
        scores.append(accuracy.Score("fake", doc.dataset, doc.name, doc.group, 0.5, metrics))
    rows = dict(accuracy.table(scores, ["fake"]))
    assert rows["sroie bag-of-words F1, case-insens. (n=2)"] == [1.0]
    assert rows["funsd bag-of-words F1, case-insens. (n=1)"] == [0.0]
    assert rows["tesseract_test mean CER"] == [1.0]
    assert rows["scribeocr/table word F1 (n=2)"] == [0.0]
    assert rows["all s/page"] == [0.5]
    text = accuracy.render(accuracy.table(scores, ["fake"]), ["fake"])
    assert text.splitlines()[0] == "| dataset / metric | fake |"
