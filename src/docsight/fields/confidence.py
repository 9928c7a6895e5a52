"""From raw evidence scores to calibrated confidence.

Raw scores rank candidates well but are not probabilities. The table below maps them to the
share of values that were right at that score on the dev data (SROIE, Kleister-NDA and
invoice2data through the default engine; ``bench/fields.py --calibrate`` refits it and prints
the reliability table). Linear interpolation between points keeps the map monotone, so
ranking is unchanged.
"""

from __future__ import annotations

from itertools import pairwise

# (raw score, share right at that score) on the dev data, isotonic: the 0.72-0.78 band is
# weaker than its neighbours (unlabelled letterhead rows), so the step to >= 0.9 sits at 0.78.
# The top is capped below 1: no reading of an unseen document is certain.
CALIBRATION: list[tuple[float, float]] = [
    (0.0, 0.3),
    (0.5, 0.7),
    (0.65, 0.8),
    (0.775, 0.85),
    (0.78, 0.93),
    (0.88, 0.97),
    (1.0, 0.99),
]


INVALID_CEILING = 0.3  # a value that fails its validator is more likely misread than right


def calibrate(
    score: float, table: list[tuple[float, float]] | None = None, *, valid: bool = True
) -> float:
    if not valid:
        return min(INVALID_CEILING, calibrate(score, table))
    points = table or CALIBRATION
    score = min(1.0, max(0.0, score))
    for (x0, y0), (x1, y1) in pairwise(points):
        if x0 <= score <= x1:
            if x1 == x0:
                return y1
            return round(y0 + (y1 - y0) * (score - x0) / (x1 - x0), 4)
    return points[-1][1]


def fit(pairs: list[tuple[float, bool]], bins: int = 10) -> list[tuple[float, float]]:
    """A monotone table from (raw score, right?) pairs: bin means, then pool violators."""
    if not pairs:
        return [(0.0, 0.0), (1.0, 1.0)]
    ordered = sorted(pairs)
    size = max(1, len(ordered) // bins)
    blocks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    points = [
        [sum(s for s, _ in b) / len(b), sum(ok for _, ok in b) / len(b), len(b)] for b in blocks
    ]
    merged: list[list[float]] = []
    for point in points:
        merged.append(point)
        while len(merged) > 1 and merged[-2][1] > merged[-1][1]:
            last, prev = merged.pop(), merged.pop()
            weight = prev[2] + last[2]
            merged.append(
                [
                    (prev[0] * prev[2] + last[0] * last[2]) / weight,
                    (prev[1] * prev[2] + last[1] * last[2]) / weight,
                    weight,
                ]
            )
    table = [(0.0, 0.0)] + [(round(x, 3), round(y, 3)) for x, y, _ in merged]
    if table[-1][0] < 1.0:
        table.append((1.0, table[-1][1]))
    return table
