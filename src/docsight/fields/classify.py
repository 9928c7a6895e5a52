"""Which built-in template fits a document: keyword evidence, weighted by specificity.

A bag of template keywords is crude but transparent and fast, and on business documents the
type is nearly always printed in words ("TAX INVOICE", "Non-Disclosure Agreement",
"Statement of Account"); the margin between the best two scores becomes the confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docsight.fields.templates import builtin_templates
from docsight.models import Result


@dataclass(frozen=True)
class Classification:
    name: str
    confidence: float
    scores: dict[str, float]


def classify_text(text: str) -> Classification:
    lowered = re.sub(r"\s+", " ", text.lower())
    head = lowered[:1500]
    scores: dict[str, float] = {}
    for name, template in builtin_templates().items():
        score = 0.0
        for keyword in template.keywords:
            pattern = r"(?<![a-z])" + re.escape(keyword.lower()) + r"(?![a-z])"
            hits = len(re.findall(pattern, lowered))
            if hits:
                weight = 1.0 + 0.5 * keyword.count(" ")
                score += weight * (1 + min(hits, 5) ** 0.5) / 2
                if re.search(pattern, head):
                    score += weight * 0.5
        if re.search(r"(?m)^[pi][<a-z]{1}[a-z<]{3}", lowered) and "<<" in lowered:
            score += 5 if name == "passport" else 0
        scores[name] = round(score, 2)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top == 0:
        return Classification("invoice", 0.0, scores)
    confidence = round(min(1.0, (top - runner_up) / top + 0.2), 3)
    return Classification(best, confidence, scores)


def classify(result: Result) -> Classification:
    return classify_text(result.markdown or "\n".join(p.text for p in result.pages))
