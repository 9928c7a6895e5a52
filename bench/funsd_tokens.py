"""How much of FUNSD's word F1 a reader that writes what is printed can ever score.

    python bench/funsd_tokens.py [DATA_DIR] [--engines rapidocr] [--gaps -2,0,1]

FUNSD's words (``form[].words[].text``) split tokens at punctuation that the page prints
without a space: ``9/3/92`` is ``9/`` ``3/`` ``92``, ``Non-Menthol`` is ``Non-`` ``Menthol``,
``$2000`` is ``$`` ``2000``. The issue's FUNSD target compares whitespace tokens, so a reader
faithful to the print loses every such token. For each box gap (pixels between neighbouring
words of an entity that still count as touching) this prints:

- **ceiling**: F1 of the joined words (``metrics.funsd_printed_words``) against FUNSD's own,
  i.e. the score of a perfect reader that writes tokens as printed;
- for each engine named, its F1 against FUNSD's words (the issue's metric) and against the
  joined words (how far the engine is from the print itself).

Box gaps are the annotators' rough boxes: at 0 px, touching boxes; at 1 px a few real spaces
join too (the ceiling is then an under-estimate), at -2 px only overlapping boxes join.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from metrics import bow_f1, funsd_printed_words, funsd_words

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(1, str(ROOT / "src"))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def mean_f1(truths: list[list[str]], texts: list[str] | list[list[str]]) -> float:
    """Mean per-document bag-of-words F1, case-insensitive (the issue's FUNSD metric)."""
    return _mean([bow_f1(t, x, ignore_case=True) for t, x in zip(truths, texts, strict=True)])


def read_all(engine: str, images: list[Path]) -> list[str]:
    from docsight.formats import to_text
    from docsight.pipeline import ProcessOptions, process
    from docsight.settings import Settings

    settings = Settings()
    options = ProcessOptions(engine=engine)
    return [to_text(process(p, options, settings)) for p in images]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--engines", default="", help="comma-separated docsight engines to score")
    parser.add_argument(
        "--gaps", default="-2,0,1", help="box gaps in pixels that count as touching"
    )
    args = parser.parse_args(argv)

    funsd = args.data_dir / "funsd"
    pairs = [
        (p, funsd / "annotations" / f"{p.stem}.json")
        for p in sorted((funsd / "images").glob("*.png"))
        if (funsd / "annotations" / f"{p.stem}.json").is_file()
    ]
    if not pairs:
        print(f"no FUNSD documents under {funsd}", file=sys.stderr)
        return 2
    truths = [funsd_words(a) for _, a in pairs]
    engines = [e for e in args.engines.split(",") if e]
    texts = {e: read_all(e, [p for p, _ in pairs]) for e in engines}
    print(f"# FUNSD tokenisation ceiling: {len(pairs)} forms from {funsd}")
    header = "| box gap (px) | ceiling |" + "".join(
        f" {e} vs FUNSD | {e} vs printed |" for e in engines
    )
    print(header)
    print("|---:|---:|" + "---:|---:|" * len(engines))
    for gap in (float(g) for g in args.gaps.split(",")):
        printed = [funsd_printed_words(a, gap) for _, a in pairs]
        cells = [f"{mean_f1(truths, printed):.3f}"]
        for e in engines:
            cells += [f"{mean_f1(truths, texts[e]):.3f}", f"{mean_f1(printed, texts[e]):.3f}"]
        print(f"| {gap:g} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
