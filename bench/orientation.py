"""Pages fed sideways, upside down or slanted: does the default engine read them upright?

    python bench/orientation.py [DATA_DIR] [--limit N] [--datasets sroie,funsd] [--json OUT]
                                [--turns 0,90,180,270] [--tilts 3,-6,10] [--off]

Every document of ``accuracy.py``'s sets (``--limit`` per set) is turned 0, 90, 180 and 270
degrees counter-clockwise (PIL transposes: no resampling, the resolution kept) and tilted by
each ``--tilts`` angle (counter-clockwise, bicubic, on a white canvas grown to hold it), and
read through the library (``docsight.pipeline.process``, default settings) as a user would
feed it. Per condition it prints how often the page's reported ``rotation`` is the turn that
sets it upright (for tilts: how often ``deskew`` is within 2 degrees of the tilt, the scans'
own slant included; the median error is printed beside it), the
bag-of-words F1 (``accuracy.py``'s metric per set), the reading-order CER where the set has
one (tesseract_test, scribeocr), and the seconds per page. ``--off`` also reads the turned and
tilted pages with ``engine.auto_rotate`` off. The turn-0 row is the upright read: its F1 must
equal ``accuracy.py``'s.
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
# Degrees: the scans' own slant (up to ~2 degrees on these sets) adds to the test's tilt.
TILT_TOLERANCE = 2.0


@dataclass
class Reading:
    dataset: str
    name: str
    condition: str  # "turn" or "tilt"
    degrees: float  # counter-clockwise
    auto_rotate: bool
    rotation: int
    deskew: float
    f1: float
    cer: float | None
    seconds: float

    @property
    def right(self) -> bool:
        if self.condition == "turn":
            return self.rotation == TURNS[int(self.degrees)][1]
        # A tilt counter-clockwise is straightened by as much clockwise.
        return self.rotation == 0 and abs(self.deskew - self.degrees) <= TILT_TOLERANCE


def changed_copy(doc: Doc, condition: str, degrees: float, folder: Path) -> Path:
    """The document's image turned or tilted ``degrees`` counter-clockwise, resolution kept."""
    if not degrees:
        return doc.image
    with Image.open(doc.image) as image:
        dpi = image.info.get("dpi")
        if condition == "turn":
            transpose, _ = TURNS[int(degrees)]
            assert transpose is not None
            turned = image.transpose(transpose)
        else:
            turned = image.convert("RGB").rotate(
                degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
            )
        path = folder / f"{doc.dataset}-{doc.name}-{condition}{degrees:g}.png"
        if dpi:
            turned.save(path, dpi=dpi)
        else:
            turned.save(path)
    return path


def read_all(
    docs: list[Doc], conditions: list[tuple[str, float]], auto_rotate: bool
) -> list[Reading]:
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
            for condition, degrees in conditions:
                path = changed_copy(doc, condition, degrees, Path(tmp))
                start = time.perf_counter()
                result = process(path, options, settings)
                seconds = time.perf_counter() - start
                page = result.pages[0]
                metrics = score(doc, to_text(result))
                out.append(
                    Reading(
                        doc.dataset,
                        doc.name,
                        condition,
                        degrees,
                        auto_rotate,
                        page.rotation,
                        page.deskew,
                        metrics["f1"],
                        metrics.get("cer"),
                        seconds,
                    )
                )
            print(
                f"[auto_rotate={auto_rotate}] {i}/{len(docs)} {doc.dataset}/{doc.name}",
                file=sys.stderr,
                flush=True,
            )
    return out


def render(readings: list[Reading], conditions: list[tuple[str, float]]) -> str:
    rows = [
        "| condition | auto_rotate | pages | read upright | word F1 | CER (n) | s/page |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for auto in (True, False):
        for condition, degrees in conditions:
            group = [
                r
                for r in readings
                if (r.condition, r.degrees, r.auto_rotate) == (condition, degrees, auto)
            ]
            if not group:
                continue
            cers = [r.cer for r in group if r.cer is not None]
            right = f"{sum(r.right for r in group)}/{len(group)}" if auto else "–"
            if auto and condition == "tilt":
                error = statistics.median(abs(r.deskew - r.degrees) for r in group)
                right += f" (median error {error:.1f}°)"
            cer = f"{statistics.fmean(cers):.3f} ({len(cers)})" if cers else "–"
            rows.append(
                f"| {condition} {degrees:g} | {'on' if auto else 'off'} | {len(group)} | {right}"
                f" | {statistics.fmean(r.f1 for r in group):.3f} | {cer}"
                f" | {statistics.fmean(r.seconds for r in group):.2f} |"
            )
    wrong = [
        f"{r.dataset}/{r.name} {r.condition} {r.degrees:g}: rotation {r.rotation}, "
        f"deskew {r.deskew:.1f}"
        for r in readings
        if r.auto_rotate and not r.right
    ]
    if wrong:
        rows.append("")
        rows.append("Not read upright: " + "; ".join(wrong))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, help="first N documents of each dataset")
    parser.add_argument("--datasets", help="comma-separated subset of: " + ", ".join(DATASETS))
    parser.add_argument("--turns", default="0,90,180,270", help="degrees counter-clockwise")
    parser.add_argument(
        "--tilts", default="3,-6,10", help="degrees counter-clockwise; empty for none"
    )
    parser.add_argument("--off", action="store_true", help="also read with auto_rotate off")
    parser.add_argument("--json", type=Path, help="write every reading here")
    args = parser.parse_args(argv)

    conditions = [("turn", float(t)) for t in args.turns.split(",") if t]
    conditions += [("tilt", float(t)) for t in args.tilts.split(",") if t]
    docs = collect(args.data_dir, args.limit)
    if args.datasets:
        docs = [doc for doc in docs if doc.dataset in args.datasets.split(",")]
    readings = read_all(docs, conditions, auto_rotate=True)
    if args.off:
        readings += read_all(docs, [c for c in conditions if c[1]], auto_rotate=False)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in readings], indent=1))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# docsight orientation, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{os.cpu_count()} CPUs, load average at the end {load}"
    )
    print(
        f"# data: {args.data_dir}; {len(docs)} documents x turns {args.turns}, tilts {args.tilts}; "
        f"limit per dataset: {args.limit or 'none'}; engine rapidocr, default settings"
    )
    print(render(readings, conditions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
