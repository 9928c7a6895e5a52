"""Pages fed sideways or upside down: does the default engine find which way is up?

    python bench/orientation.py [DATA_DIR] [--limit N] [--datasets sroie,funsd] [--json OUT]

Every document of ``accuracy.py``'s sets (``--limit`` per set) is turned 0, 90, 180 and 270
degrees counter-clockwise (PIL transposes: no resampling, the resolution kept) and read through
the library (``docsight.pipeline.process``, default settings) as a user would feed it. Per turn
it prints how often the page's reported ``rotation`` is the turn that sets it upright, the
bag-of-words F1 of the text (``accuracy.py``'s metric per set), and the seconds per page.
``--off`` also reads the turned pages with ``engine.auto_rotate`` off, for the F1 without the
check. The turn-0 row is the upright read: its F1 must equal ``accuracy.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from accuracy import DATASETS, ROOT, Doc, collect, score

# Counter-clockwise turns of the test, and the clockwise rotation that sets each upright.
TURNS = {
    0: (None, 0),
    90: (Image.Transpose.ROTATE_90, 90),
    180: (Image.Transpose.ROTATE_180, 180),
    270: (Image.Transpose.ROTATE_270, 270),
}


@dataclass
class Reading:
    dataset: str
    name: str
    turn: int
    auto_rotate: bool
    rotation: int
    f1: float
    seconds: float


def turned_copy(doc: Doc, turn: int, folder: Path) -> Path:
    """The document's image turned ``turn`` degrees counter-clockwise, resolution kept."""
    transpose, _ = TURNS[turn]
    if transpose is None:
        return doc.image
    with Image.open(doc.image) as image:
        dpi = image.info.get("dpi")
        turned = image.transpose(transpose)
        path = folder / f"{doc.dataset}-{doc.name}-{turn}.png"
        if dpi:
            turned.save(path, dpi=dpi)
        else:
            turned.save(path)
    return path


def read_all(docs: list[Doc], turns: list[int], auto_rotate: bool) -> list[Reading]:
    from docsight.engines.registry import get_engine
    from docsight.formats import to_text
    from docsight.pipeline import ProcessOptions, process
    from docsight.settings import EngineSettings, Settings

    settings = Settings(engine=EngineSettings(auto_rotate=auto_rotate))
    get_engine("rapidocr", settings)  # loaded before the first page is timed
    options = ProcessOptions(engine="rapidocr")
    out: list[Reading] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, doc in enumerate(docs, 1):
            for turn in turns:
                path = turned_copy(doc, turn, Path(tmp))
                start = time.perf_counter()
                result = process(path, options, settings)
                seconds = time.perf_counter() - start
                page = result.pages[0]
                f1 = score(doc, to_text(result))["f1"]
                out.append(
                    Reading(doc.dataset, doc.name, turn, auto_rotate, page.rotation, f1, seconds)
                )
            print(
                f"[auto_rotate={auto_rotate}] {i}/{len(docs)} {doc.dataset}/{doc.name}",
                file=sys.stderr,
                flush=True,
            )
    return out


def render(readings: list[Reading], turns: list[int]) -> str:
    rows = [
        "| turn (ccw) | auto_rotate | pages | rotation right | word F1 | s/page |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for auto in (True, False):
        for turn in turns:
            group = [r for r in readings if r.turn == turn and r.auto_rotate is auto]
            if not group:
                continue
            right = sum(r.rotation == TURNS[turn][1] for r in group) if auto else None
            rows.append(
                f"| {turn} | {'on' if auto else 'off'} | {len(group)} | "
                + (f"{right}/{len(group)}" if right is not None else "–")
                + f" | {statistics.fmean(r.f1 for r in group):.3f}"
                f" | {statistics.fmean(r.seconds for r in group):.2f} |"
            )
    wrong = [
        f"{r.dataset}/{r.name} turned {r.turn}: rotation {r.rotation}"
        for r in readings
        if r.auto_rotate and r.rotation != TURNS[r.turn][1]
    ]
    if wrong:
        rows.append("")
        rows.append("Wrong turns: " + "; ".join(wrong))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, help="first N documents of each dataset")
    parser.add_argument("--datasets", help="comma-separated subset of: " + ", ".join(DATASETS))
    parser.add_argument("--turns", default="0,90,180,270", help="degrees counter-clockwise")
    parser.add_argument("--off", action="store_true", help="also read with auto_rotate off")
    parser.add_argument("--json", type=Path, help="write every reading here")
    args = parser.parse_args(argv)

    turns = [int(t) for t in args.turns.split(",")]
    docs = collect(args.data_dir, args.limit)
    if args.datasets:
        docs = [doc for doc in docs if doc.dataset in args.datasets.split(",")]
    readings = read_all(docs, turns, auto_rotate=True)
    if args.off:
        readings += read_all(docs, [t for t in turns if t], auto_rotate=False)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in readings], indent=1))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# docsight orientation, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{os.cpu_count()} CPUs, load average at the end {load}"
    )
    print(
        f"# data: {args.data_dir}; {len(docs)} documents x turns {turns}; "
        f"limit per dataset: {args.limit or 'none'}; engine rapidocr, default settings"
    )
    print(render(readings, turns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
