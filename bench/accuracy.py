"""Accuracy of docsight's engines against stock Tesseract on the real documents in shared/data.

    python bench/accuracy.py [DATA_DIR] [--engines rapidocr,tesseract] [--limit N] [--json OUT]

DATA_DIR defaults to ../shared/data from the project root. Each docsight engine reads every
document through the library (``docsight.pipeline.process``) and is scored on its plain text
in reading order (``docsight.formats.to_text``: the parsed blocks, tags and markup removed).
The baseline ``tesseract-cli`` is Debian's ``tesseract``
run by this script. Metrics (see metrics.py):

- tesseract_test: CER and WER per page (phototest, eurotext, two UNLV scans), and the
  order-free word F1 (CER/WER also measure reading order: two of the pages have columns);
- scribeocr: bag-of-words F1 per document type (file-name prefix), case-sensitive;
- sroie, funsd: bag-of-words F1, case-insensitive (SROIE's truth is upper case).

F1 figures are means of per-document scores. ``--limit N`` takes the first N documents of each
dataset; ``--datasets`` picks some of them. Prints one table (rows: dataset/metric, columns:
engines) and seconds per page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image

from host import describe
from metrics import alnum_f1, bow_f1, cer, funsd_words, hocr_lines, plain_text, sroie_lines, wer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(1, str(ROOT / "src"))

CLI = "tesseract-cli"
CLI_FLAGS = ["--psm", "4"]
DEFAULT_ENGINES = ("rapidocr", "tesseract")
DATASETS = ("tesseract_test", "scribeocr", "sroie", "funsd")
TESSERACT_TEST = ["phototest", "eurotext", "8071_093.3B", "8087_054.3B"]


@dataclass
class Doc:
    dataset: str
    name: str
    image: Path
    group: str  # scribeocr document type; the page name for tesseract_test
    truth: str | list[str]


@dataclass
class Score:
    engine: str
    dataset: str
    name: str
    group: str
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    text: str = ""  # kept in --json so that tables can be recomputed without OCR


def collect(data: Path, limit: int | None) -> list[Doc]:
    """Every scored document, ``limit`` per dataset at most."""

    def first(items: list[Doc]) -> list[Doc]:
        return items[:limit] if limit else items

    tt = data / "tesseract_test" / "testing"
    docs = first(
        [
            Doc("tesseract_test", n, tt / f"{n}.tif", n, plain_text(tt / f"{n}.txt"))
            for n in TESSERACT_TEST
        ]
    )
    scribe = data / "scribeocr"
    docs += first(
        [
            Doc(
                "scribeocr",
                p.stem,
                p,
                p.stem.split("_")[0],
                hocr_lines(scribe / "ground_truth" / f"{p.stem}.truth.hocr"),
            )
            for p in sorted((scribe / "img").glob("*.png"))
            if (scribe / "ground_truth" / f"{p.stem}.truth.hocr").is_file()
        ]
    )
    sroie = data / "sroie"
    docs += first(
        [
            Doc("sroie", p.stem, p, "", sroie_lines(sroie / "box" / f"{p.stem}.csv"))
            for p in sorted((sroie / "img").glob("*.jpg"))
            if (sroie / "box" / f"{p.stem}.csv").is_file()
        ]
    )
    funsd = data / "funsd"
    docs += first(
        [
            Doc("funsd", p.stem, p, "", funsd_words(funsd / "annotations" / f"{p.stem}.json"))
            for p in sorted((funsd / "images").glob("*.png"))
            if (funsd / "annotations" / f"{p.stem}.json").is_file()
        ]
    )
    return docs


def score(doc: Doc, text: str) -> dict[str, float]:
    truth = doc.truth if isinstance(doc.truth, str) else "\n".join(doc.truth)
    if doc.dataset == "tesseract_test":
        return {"cer": cer(truth, text), "wer": wer(truth, text), "f1": bow_f1(truth, text)}
    if doc.dataset == "scribeocr":
        return {"f1": bow_f1(truth, text), "cer": cer(truth, text)}
    return {"f1": bow_f1(truth, text, ignore_case=True), "alnum_f1": alnum_f1(truth, text)}


def image_dpi(path: Path) -> int | None:
    with Image.open(path) as image:
        dpi = image.info.get("dpi")
    return round(float(dpi[0])) if dpi and float(dpi[0]) > 0 else None


def cli_command(path: Path) -> list[str]:
    dpi = image_dpi(path)
    return ["tesseract", str(path), "stdout", *CLI_FLAGS, *(["--dpi", str(dpi)] if dpi else [])]


def run_cli(path: Path) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        cli_command(path), capture_output=True, text=True, env=env, check=True, timeout=300
    )
    return done.stdout


def docsight_reader(name: str) -> Callable[[Path], str]:
    """A function reading a document with engine ``name`` through the pipeline."""
    from docsight.engines.registry import get_engine
    from docsight.formats import to_text
    from docsight.pipeline import ProcessOptions, process
    from docsight.settings import Settings

    settings = Settings()
    get_engine(name, settings)  # load the model now so that it is not timed on the first page
    options = ProcessOptions(engine=name)

    def read(path: Path) -> str:
        result = process(path, options, settings)
        errors = [p.error.message for p in result.pages if p.error is not None]
        if errors:
            raise RuntimeError("; ".join(errors))
        return to_text(result)

    return read


def run(engines: list[str], docs: list[Doc], progress: bool = True) -> list[Score]:
    scores: list[Score] = []
    for engine in engines:
        try:
            reader = run_cli if engine == CLI else docsight_reader(engine)
        except Exception as exc:  # a model that cannot load here: say so, leave its column out
            print(f"engine {engine} left out: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        for i, doc in enumerate(docs, 1):
            start = time.perf_counter()
            try:
                text = reader(doc.image)
                metrics, error = score(doc, text), None
            except Exception as exc:  # one bad page must not end the run; it is counted
                text, metrics, error = "", {}, f"{type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - start
            scores.append(
                Score(engine, doc.dataset, doc.name, doc.group, seconds, metrics, error, text)
            )
            if progress:
                print(
                    f"[{engine}] {i}/{len(docs)} {doc.dataset}/{doc.name} {seconds:.1f}s"
                    f" {error or ''}",
                    file=sys.stderr,
                    flush=True,
                )
    return scores


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def table(scores: list[Score], engines: list[str]) -> list[tuple[str, list[float | None]]]:
    """Rows of (label, value per engine); a failed document scores 0 F1 / 1 CER."""
    rows: list[tuple[str, list[float | None]]] = []

    def add(label: str, metric: str, dataset: str, group: str | None = None) -> None:
        worst = 0.0 if metric == "f1" else 1.0
        values = [
            _mean(
                [
                    s.metrics.get(metric, worst)
                    for s in scores
                    if s.engine == e and s.dataset == dataset and group in (None, s.group)
                ]
            )
            for e in engines
        ]
        if any(v is not None for v in values):
            rows.append((label, values))

    for name in TESSERACT_TEST:
        for metric in ("cer", "wer"):
            add(f"tesseract_test/{name} {metric.upper()}", metric, "tesseract_test", name)
    for metric in ("cer", "wer"):
        add(f"tesseract_test mean {metric.upper()}", metric, "tesseract_test")
    add("tesseract_test mean word F1 (order-free)", "f1", "tesseract_test")
    groups = sorted({s.group for s in scores if s.dataset == "scribeocr"})
    for group in groups:
        n = len({s.name for s in scores if s.dataset == "scribeocr" and s.group == group})
        add(f"scribeocr/{group} word F1 (n={n})", "f1", "scribeocr", group)
    add("scribeocr all word F1", "f1", "scribeocr")
    add("scribeocr all CER (reading order)", "cer", "scribeocr")
    for dataset in ("sroie", "funsd"):
        n = len({s.name for s in scores if s.dataset == dataset})
        add(f"{dataset} bag-of-words F1, case-insens. (n={n})", "f1", dataset)
    for dataset in ("sroie", "funsd"):
        label = f"{dataset} letters-and-digits F1 (diagnostic: punctuation ignored)"
        add(label, "alnum_f1", dataset)
    for dataset in ("tesseract_test", "scribeocr", "sroie", "funsd"):
        values = [
            _mean([s.seconds for s in scores if s.engine == e and s.dataset == dataset])
            for e in engines
        ]
        if any(v is not None for v in values):
            rows.append((f"{dataset} s/page", values))
    rows.append(
        ("all s/page", [_mean([s.seconds for s in scores if s.engine == e]) for e in engines])
    )
    rows.append(
        (
            "pages failed",
            [float(sum(1 for s in scores if s.engine == e and s.error)) for e in engines],
        )
    )
    return rows


def render(rows: list[tuple[str, list[float | None]]], engines: list[str]) -> str:
    lines = ["| dataset / metric | " + " | ".join(engines) + " |", "|---|" + "---:|" * len(engines)]
    for label, values in rows:
        digits = 0 if label == "pages failed" else 2 if "s/page" in label else 3
        cells = ["–" if v is None else f"{v:.{digits}f}" for v in values]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def default_engines() -> list[str]:
    """The local CPU engines that can run here; others (VLMs, remote APIs) only by name."""
    from docsight.engines.registry import list_engines

    found = []
    for info in list_engines():
        if info.name not in DEFAULT_ENGINES:
            continue
        if info.available:
            found.append(info.name)
        else:
            print(f"skipping engine {info.name}: {info.reason}", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--engines",
        help=f"comma-separated docsight engines (default: rapidocr,tesseract where available);"
        f" {CLI} is added unless --no-cli",
    )
    parser.add_argument("--no-cli", action="store_true", help=f"leave out the {CLI} baseline")
    parser.add_argument("--limit", type=int, help="first N documents of each dataset")
    parser.add_argument("--datasets", help="comma-separated subset of: " + ", ".join(DATASETS))
    parser.add_argument("--json", type=Path, help="write every per-document score here")
    args = parser.parse_args(argv)

    engines = args.engines.split(",") if args.engines else default_engines()
    if not args.no_cli:
        if shutil.which("tesseract") is None:
            print(f"no tesseract on PATH: leaving out {CLI}", file=sys.stderr)
        elif CLI not in engines:
            engines.append(CLI)
    docs = collect(args.data_dir, args.limit)
    if args.datasets:
        docs = [doc for doc in docs if doc.dataset in args.datasets.split(",")]
    scores: list[Score] = []
    for engine in engines:
        scores += run([engine], docs)
        if args.json:  # after each engine, so that a long run interrupted keeps what it did
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps([asdict(s) for s in scores], indent=1))
    engines = [e for e in engines if any(s.engine == e for s in scores)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"# docsight accuracy, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{os.cpu_count()} CPUs, load average at the end {load}"
    )
    print(f"# host: {describe()}")
    print(
        f"# data: {args.data_dir}; {len(docs)} documents; limit per dataset: {args.limit or 'none'}"
    )
    if CLI in engines:
        version = subprocess.run(
            ["tesseract", "--version"], capture_output=True, text=True
        ).stdout.split("\n")[0]
        print(
            f"# {CLI}: {version}: OMP_THREAD_LIMIT=1 tesseract IMAGE stdout {' '.join(CLI_FLAGS)}"
            " [--dpi N when the image file states N dpi; no --dpi otherwise]"
        )
    print(
        "# docsight engines: docsight.pipeline.process(path, ProcessOptions(engine=NAME),"
        " Settings()); text = docsight.formats.to_text(result), reading order;"
        " s/page = wall time of process() (model preloaded)"
    )
    print(render(table(scores, engines), engines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
