"""Field extraction accuracy on real documents: SROIE task 3, Kleister-NDA, invoice2data.

    python bench/fields.py [DATA_DIR] [--engine rapidocr] [--limit N] [--refresh]
                           [--calibrate] [--json OUT] [--misses] [--only sroie,kleister,...]
                           [--gold-lines]

DATA_DIR defaults to ../shared/data. OCR results are cached per file hash and engine under
bench/.cache/ (git-ignored) so extraction rules can be iterated without re-running OCR;
``--refresh`` re-runs OCR. Metrics (shared/data/README.md):

- SROIE (company, date, address, total): exact match after normalisation (names and addresses
  on letters and digits, case-folded; date as ISO; total as a number), per field and micro-F1.
- Kleister-NDA (party, jurisdiction, effective_date, term) in its ``key=value`` form (spaces
  as ``_``), upper-cased, multi-label micro-F1 over the train split.
- invoice2data: invoice number, date, total and currency printed on the page, PDF path (text
  layer) and PNG path (OCR) side by side; a document is right when number, date and total are.
- Calibration: predicted fields bucketed by confidence, with the share that was right.
``--calibrate`` fits the raw-score -> probability table for docsight/fields/confidence.py.
``--misses`` lists every wrong or missing value. ``--gold-lines`` reads SROIE from its own
transcribed lines instead of OCR, to tell the fields layer's errors from the engine's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import re
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(1, str(ROOT / "src"))

from docsight.fields import classify, confidence, extract  # noqa: E402
from docsight.fields._text import fold  # noqa: E402
from docsight.models import FieldValue, Result  # noqa: E402

Pair = tuple[float, bool]
CACHE = ROOT / "bench" / ".cache"


def cached_result(path: Path, engine: str = "rapidocr", *, refresh: bool = False) -> Result:
    """The OCR result of ``path``, read from the cache when the same bytes were seen before."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    target = CACHE / engine / f"{digest}.json"
    if target.exists() and not refresh:
        return Result.model_validate_json(target.read_text(encoding="utf-8"))
    from docsight.pipeline import ProcessOptions, process

    options = ProcessOptions(engine=engine)
    if path.suffix.lower() == ".png":  # the invoice2data PNG path must not use a text layer
        options = ProcessOptions(engine=engine, text_layer="never")
    result = process(path, options)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")  # readers never see half a file
    partial.write_text(result.model_dump_json(), encoding="utf-8")
    partial.replace(target)
    return result


def gold_lines_result(csv_path: Path) -> Result:
    """A one-page result from SROIE's own transcribed lines (``box/NNN.csv``), no OCR.

    Scoring extraction on these separates the fields layer's rules from OCR misreadings: a
    miss here is a layout or selection error, not a character the engine got wrong.
    """
    from docsight.models import BBox, DocumentInfo, DocumentStatus, Line, PageResult

    lines = []
    for raw in csv_path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = raw.split(",", 8)
        if len(parts) < 9 or not parts[8].strip():
            continue
        xs, ys = [float(v) for v in parts[0:8:2]], [float(v) for v in parts[1:8:2]]
        box = BBox(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))
        lines.append(Line(text=parts[8].strip(), box=box, confidence=1.0))
    width = int(max((line.box.x1 for line in lines), default=1)) + 1
    height = int(max((line.box.y1 for line in lines), default=1)) + 1
    ordered = sorted(lines, key=lambda line: (line.box.y0, line.box.x0))
    page = PageResult(
        number=1,
        width=width,
        height=height,
        markdown="\n".join(line.text for line in ordered),
        lines=lines,
    )
    return Result(
        status=DocumentStatus.SUCCESS,
        document=DocumentInfo(media_type="image/jpeg", size_bytes=1, sha256="0", page_count=1),
        engine="gold-lines",
        pages=[page],
    )


def _get(values: list[FieldValue], name: str) -> FieldValue | None:
    return next((v for v in values if v.name == name), None)


def _iso(text: str) -> str | None:
    from docsight.fields._dates import find_dates

    found = find_dates(text)
    return found[0][0].isoformat() if found else None


def _amount(value: Any) -> float | None:
    try:
        return round(float(re.sub(r"[^\d.\-]", "", str(value))), 2)
    except ValueError:
        return None


def sroie(
    data: Path,
    engine: str,
    limit: int | None,
    refresh: bool,
    pairs: list[Pair],
    gold_lines: bool = False,
) -> dict:
    keys = sorted((data / "sroie" / "key").glob("*.json"))[:limit]
    fields = {
        "company": "vendor_name",
        "date": "date",
        "address": "vendor_address",
        "total": "total",
    }
    right: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    misses: list[str] = []
    classified: Counter[str] = Counter()
    started = time.perf_counter()
    for key in keys:
        truth = json.loads(key.read_text(encoding="utf-8"))
        if gold_lines:
            result = gold_lines_result(data / "sroie" / "box" / f"{key.stem}.csv")
        else:
            image = data / "sroie" / "img" / f"{key.stem}.jpg"
            result = cached_result(image, engine, refresh=refresh)
        values = extract(result, "receipt", store=False)
        classified[classify(result).name] += 1
        for field, name in fields.items():
            got = _get(values, name)
            if got is None:
                misses.append(f"{key.stem} {field}: - vs {truth.get(field)!r}")
                continue
            predicted[field] += 1
            if field == "date":
                ok = got.value == _iso(truth["date"])
            elif field == "total":
                ok = _amount(got.value) == _amount(truth["total"])
            else:
                ok = fold(str(got.value)) == fold(truth[field])
            right[field] += ok
            pairs.append((got.confidence, ok))
            if not ok:
                misses.append(f"{key.stem} {field}: {got.value!r} vs {truth[field]!r}")
    n = len(keys)
    per_field = {}
    for field in fields:
        p = right[field] / predicted[field] if predicted[field] else 0.0
        r = right[field] / n if n else 0.0
        per_field[field] = {"precision": p, "recall": r, "f1": _f1(p, r)}
    tp, pred, gold = sum(right.values()), sum(predicted.values()), n * len(fields)
    micro = _f1(tp / pred if pred else 0, tp / gold if gold else 0)
    return {
        "documents": n,
        "per_field": per_field,
        "micro_f1": micro,
        "misses": misses,
        "classified": dict(classified),
        "seconds": time.perf_counter() - started,
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


_KLEISTER_FORMS = [  # Kleister's own spelling of company forms
    (r"\s*&\s*", " and "),
    (r"(?i)\bIncorporated\b", "Inc."),
    (r"(?i)\bLimited\b", "Ltd."),
    (r"\bL\.L\.C\.?", "LLC"),
    (r"\bL\.P\.?", "LP"),
    (r"(?i)\b(Inc|Corp|Ltd|Co)\b(?!\.)", r"\1."),
    (r"’", "'"),
]


def kleister_value(key: str, value: Any) -> str:
    text = str(value).replace(",", "").replace("\n", " ")
    if key == "party":
        for pattern, replacement in _KLEISTER_FORMS:
            text = re.sub(pattern, replacement, text)
    if key == "term":
        text = text.replace(" ", "_")
    return f"{key}=" + "_".join(text.split())


def kleister(data: Path, engine: str, limit: int | None, refresh: bool, pairs: list[Pair]) -> dict:
    root = data / "kleister_nda"
    with lzma.open(root / "train" / "in.tsv.xz", "rt", encoding="utf-8") as handle:
        names = [line.split("\t", 1)[0] for line in handle]
    expected = (root / "train" / "expected.tsv").read_text(encoding="utf-8").splitlines()
    rows = list(zip(names, expected, strict=True))[:limit]
    keys = {
        "party": "parties",
        "jurisdiction": "jurisdiction",
        "effective_date": "effective_date",
        "term": "term",
    }
    tp = npred = ngold = 0
    per_key: dict[str, Counter[str]] = {k: Counter() for k in keys}
    misses = []
    classified: Counter[str] = Counter()
    for name, gold_line in rows:
        gold = Counter(item.upper() for item in gold_line.split())
        result = cached_result(root / "documents" / name, engine, refresh=refresh)
        values = extract(result, "contract", store=False)
        classified[classify(result).name] += 1
        pred: Counter[str] = Counter()
        for key, field in keys.items():
            got = _get(values, field)
            if got is None:
                continue
            items = got.value if isinstance(got.value, list) else [got.value]
            for item in items:
                entry = kleister_value(key, item).upper()
                pred[entry] += 1
                pairs.append((got.confidence, entry in gold))
        hit = pred & gold
        tp += sum(hit.values())
        npred += sum(pred.values())
        ngold += sum(gold.values())
        for key in keys:
            prefix = f"{key.upper()}="
            per_key[key]["tp"] += sum(v for k, v in hit.items() if k.startswith(prefix))
            per_key[key]["pred"] += sum(v for k, v in pred.items() if k.startswith(prefix))
            per_key[key]["gold"] += sum(v for k, v in gold.items() if k.startswith(prefix))
        wrong = sorted((pred - gold).elements())
        lost = sorted((gold - pred).elements())
        if wrong or lost:
            misses.append(f"{name[:8]}: extra {wrong} missing {lost}")
    p, r = (tp / npred if npred else 0.0), (tp / ngold if ngold else 0.0)
    per = {
        k: _f1(c["tp"] / c["pred"] if c["pred"] else 0, c["tp"] / c["gold"] if c["gold"] else 0)
        for k, c in per_key.items()
    }
    return {
        "documents": len(rows),
        "precision": p,
        "recall": r,
        "micro_f1": _f1(p, r),
        "per_key_f1": per,
        "misses": misses,
        "classified": dict(classified),
    }


def invoice2data(data: Path, engine: str, refresh: bool, pairs: list[Pair]) -> dict:
    folder = data / "invoice2data" / "tests" / "compare"
    table = []
    for truth_path in sorted(folder.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))[0]
        for suffix in (".pdf", ".png"):
            source = truth_path.with_suffix(suffix)
            if not source.exists():
                continue
            result = cached_result(source, engine, refresh=refresh)
            values = extract(result, "invoice", store=False)
            number, date = _get(values, "invoice_number"), _get(values, "invoice_date")
            total, currency = _get(values, "total"), _get(values, "currency")
            checks = {  # None: the truth file has no such value
                "number": None
                if "invoice_number" not in truth
                else number is not None
                and fold(str(number.value)) == fold(str(truth["invoice_number"])),
                "date": None
                if "date" not in truth
                else date is not None and (date.value == truth["date"]),
                "total": None
                if "amount" not in truth
                else total is not None and (_amount(total.value) == _amount(truth["amount"])),
                "currency": None
                if "currency" not in truth
                else currency is not None and (currency.value == truth["currency"]),
            }
            for got, key in (
                (number, "number"),
                (date, "date"),
                (total, "total"),
                (currency, "currency"),
            ):
                if got is not None and checks[key] is not None:
                    pairs.append((got.confidence, bool(checks[key])))
            table.append(
                {
                    "document": source.stem,
                    "path": suffix[1:],
                    **checks,
                    "got": {
                        k: (v.value if v else None)
                        for k, v in (
                            ("number", number),
                            ("date", date),
                            ("total", total),
                            ("currency", currency),
                        )
                    },
                    "truth": {
                        k: truth.get(t)
                        for k, t in (
                            ("number", "invoice_number"),
                            ("date", "date"),
                            ("total", "amount"),
                            ("currency", "currency"),
                        )
                    },
                }
            )
    return {"rows": table}


def calibration_table(pairs: list[Pair]) -> list[dict[str, Any]]:
    edges = [0.0, 0.5, 0.7, 0.8, 0.9, 1.01]
    out = []
    for low, high in pairwise(edges):
        bucket = [ok for c, ok in pairs if low <= c < high]
        out.append(
            {
                "confidence": f"{low:.1f}-{min(high, 1.0):.1f}",
                "values": len(bucket),
                "right": (sum(bucket) / len(bucket)) if bucket else None,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--only", default="sroie,kleister,invoice2data")
    parser.add_argument(
        "--gold-lines",
        action="store_true",
        help="SROIE from the dataset's transcribed lines instead of OCR (the fields layer alone)",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    data = Path(args.data)
    if args.calibrate:  # fit on raw scores: switch the current map off
        confidence.CALIBRATION[:] = [(0.0, 0.0), (1.0, 1.0)]
    pairs: list[Pair] = []
    report: dict[str, Any] = {"engine": args.engine}
    only = args.only.split(",")
    if "sroie" in only:
        report["sroie"] = sroie(
            data, args.engine, args.limit, args.refresh, pairs, gold_lines=args.gold_lines
        )
        if args.gold_lines:
            report["engine"] = "none (SROIE's own transcribed lines)"
    if "kleister" in only:
        report["kleister"] = kleister(data, args.engine, args.limit, args.refresh, pairs)
    if "invoice2data" in only:
        report["invoice2data"] = invoice2data(data, args.engine, args.refresh, pairs)
    report["calibration"] = calibration_table(pairs)
    print_report(report, args.misses)
    if args.calibrate:
        print("CALIBRATION =", confidence.fit(pairs, bins=20))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")


def print_report(report: dict[str, Any], misses: bool) -> None:
    if "sroie" in report:
        s = report["sroie"]
        print(f"\n## SROIE task 3 ({s['documents']} receipts, engine {report['engine']})\n")
        print("| field | precision | recall | F1 |\n|---|---|---|---|")
        for field, m in s["per_field"].items():
            print(f"| {field} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")
        print(f"| **micro-F1** | | | **{s['micro_f1']:.3f}** |")
        print(f"\nTemplate picked by classify(): {s['classified']}")
        if misses:
            print("\n".join(s["misses"]))
    if "kleister" in report:
        k = report["kleister"]
        print(f"\n## Kleister-NDA ({k['documents']} documents)\n")
        print("| key | F1 |\n|---|---|")
        for key, f1 in k["per_key_f1"].items():
            print(f"| {key} | {f1:.3f} |")
        print(
            f"| **micro-F1** (P {k['precision']:.3f}, R {k['recall']:.3f}) | "
            f"**{k['micro_f1']:.3f}** |"
        )
        print(f"\nTemplate picked by classify(): {k['classified']}")
        if misses:
            print("\n".join(k["misses"]))
    if "invoice2data" in report:
        rows = report["invoice2data"]["rows"]
        print("\n## invoice2data\n")
        print("| document | path | number | date | total | currency |\n|---|---|---|---|---|---|")
        mark = {True: "✓", False: "✗", None: "–"}
        for r in rows:
            print(
                f"| {r['document']} | {r['path']} | {mark[r['number']]} | {mark[r['date']]} | "
                f"{mark[r['total']]} | {mark[r['currency']]} |"
            )
            if misses and not all(r[k] is not False for k in ("number", "date", "total")):
                print(f"    got {r['got']} truth {r['truth']}")
        for path in ("pdf", "png"):
            sub = [r for r in rows if r["path"] == path]
            good = sum(all(r[k] is not False for k in ("number", "date", "total")) for r in sub)
            print(f"\n{path.upper()}: number+date+total right on {good} of {len(sub)}")
    print("\n## Calibration (all predicted fields above)\n")
    print("| confidence | values | share right |\n|---|---|---|")
    for row in report["calibration"]:
        right = "-" if row["right"] is None else f"{row['right']:.3f}"
        print(f"| {row['confidence']} | {row['values']} | {right} |")


if __name__ == "__main__":
    main()
