"""Words from recognised characters, page boxes from crop positions, and plain reading order.

The recogniser emits a space only where it is confident of one; on receipts and forms it often
glues a word to the colon or number beside it ("Cashier:" printed as "Cashier :"). CTC column
positions alone cannot tell (a space moves the next character by about one column), so the
blank run of paper between two characters is measured in the crop itself and compared with the
line's usual gap between letters. On SROIE this added 0.012 bag-of-words F1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from docsight.engines._lexicon import letter_span
from docsight.engines._rapid_pipeline import Char, RawLine
from docsight.models import BBox, Line, Word

# Half a typical glyph, as a share of the crop height, to turn character centres into extents.
_HALF_GLYPH = 0.22


def blank_runs(
    ink: NDArray[np.bool_], starts: Sequence[float], stops: Sequence[float]
) -> NDArray[np.int64]:
    """The longest run of ink-free columns strictly between each pair of character centres.

    The profile's blank runs are found once and clipped to each interval: word splitting
    asks for every gap of every line, and one numpy pass per gap took 3% of a page's time.
    """
    n = len(ink)
    a = np.minimum(np.maximum(np.asarray(starts, dtype=np.float64).astype(np.int64), 0), n)
    b = np.minimum(np.maximum(np.asarray(stops, dtype=np.float64).astype(np.int64), 0), n)
    padded = np.concatenate([[True], ink, [True]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    run_start, run_stop = edges[::2], edges[1::2]
    if not len(run_start) or not len(a):
        return np.zeros(len(a), dtype=np.int64)
    overlap = np.minimum(run_stop[None, :], b[:, None]) - np.maximum(run_start[None, :], a[:, None])
    out: NDArray[np.int64] = np.maximum(overlap.max(axis=1), 0).astype(np.int64)
    return out


def _letter_blanks(line: RawLine) -> dict[int, int]:
    """Blank run before each character ``i`` that neither is nor follows a decoded space."""
    ink, chars = line.ink, line.chars
    if ink is None:
        return {}
    gaps = [
        i
        for i in range(1, len(chars))
        if not (chars[i].text.isspace() or chars[i - 1].text.isspace())
    ]
    runs = blank_runs(ink, [chars[i - 1].x for i in gaps], [chars[i].x for i in gaps])
    return dict(zip(gaps, (int(r) for r in runs), strict=True))


def _median(blanks: dict[int, int]) -> float:
    """The line's usual gap between letters (0 when it has none)."""
    return float(np.median(list(blanks.values()))) if blanks else 0.0


def _inside_number(chars: list[Char], k: int) -> bool:
    """Whether character ``k`` has a digit either side of it (the colon of 12:30)."""
    return 0 < k < len(chars) - 1 and chars[k - 1].text.isdigit() and chars[k + 1].text.isdigit()


def _gap_kind(chars: list[Char], i: int) -> int:
    """Which limit the gap before character ``i`` is held to, as an index into ``limits``.

    1 before a colon, 2 after one (a colon inside a number, 12:30, does not count), 3 beside
    a decimal point inside a number (``64.15``, either side of the point), else 0.

    A decimal point is the narrowest glyph there is: in monospaced receipt print it sits in
    a full character cell, so the paper either side of it is about half a cell wider than
    between two digits, and large print (``RM 64.15`` at double height) clears the plain
    space limit without any space.
    """
    marks = ((i, 1), (i - 1, 2))  # the character after the gap, the one before it
    if any(chars[k].text == "." and _inside_number(chars, k) for k, _ in marks):
        return 3
    for k, kind in marks:
        if chars[k].text == ":":
            return 0 if _inside_number(chars, k) else kind
    return 0


def split_words(
    line: RawLine,
    space_gap: float,
    *,
    cell_pitch: float = 1.75,
    cell_blank: float = 0.5,
    colon_gap: float | None = None,
    colon_after_gap: float | None = None,
    point_gap: float | None = None,
) -> list[list[Char]]:
    """Characters grouped into words at decoded spaces and at unusually wide blank gaps.

    A gap counts as a space when it exceeds the line's median gap between letters by
    ``space_gap`` times the height of the line's ink: relative to the line itself, so the rule
    holds for monospaced receipts and proportional print, at any resolution. Gaps before and
    after a colon use ``colon_gap`` and ``colon_after_gap`` (default: ``space_gap``), because
    the colon's own side bearings already leave paper beside it. Gaps beside a decimal point
    inside a number use ``point_gap`` (default: ``space_gap``), for the opposite reason: the
    point is so narrow that its cell leaves more paper than a space's threshold allows for.
    """
    chars = line.chars
    blanks = _letter_blanks(line)
    median_blank = _median(blanks)
    # Indexed by ``_gap_kind``: a plain gap, before a colon, after one, beside a decimal point.
    gaps = (
        space_gap,
        space_gap if colon_gap is None else colon_gap,
        space_gap if colon_after_gap is None else colon_after_gap,
        space_gap if point_gap is None else point_gap,
    )
    limits = [median_blank + gap * line.ink_height for gap in gaps]
    # Monospaced print (receipts, forms) puts every character a fixed pitch apart, so a space
    # is a skipped cell: twice the pitch between centres. Where the blank between the glyphs is
    # also clearly wider than usual, that is a space even below the plain limit: wide glyphs either
    # side of a space leave less paper than the line's narrow ones. Both conditions must hold,
    # so wide letter pairs of proportional print (``mw``) are not split.
    # Centres come from CTC columns, a third of a glyph apart: the mean of ordinary steps
    # averages that rounding out, where a median would land on one side of it.
    steps = np.array([chars[i].x - chars[i - 1].x for i in blanks], dtype=float)
    ordinary = steps[steps < 1.5 * np.median(steps)] if len(steps) >= 4 else steps[:0]
    pitch = float(ordinary.mean()) if len(ordinary) >= 4 else 0.0
    soft_limit = median_blank + cell_blank * space_gap * line.ink_height
    words: list[list[Char]] = []
    current: list[Char] = []
    for i, char in enumerate(chars):
        if char.text.isspace():
            if current:
                words.append(current)
            current = []
            continue
        blank = blanks.get(i, 0)
        skipped_cell = (
            pitch > 0 and blank > soft_limit and chars[i].x - chars[i - 1].x >= cell_pitch * pitch
        )
        wide = blank > limits[_gap_kind(chars, i)] if i else False
        if current and (wide or skipped_cell):
            words.append(current)
            current = []
        current.append(char)
    if current:
        words.append(current)
    return words


def split_glued(
    line: RawLine, words: list[list[Char]], known: Callable[[str], bool], gap: float
) -> list[list[Char]]:
    """Words read glued together (``TAXINVOICE``) split where language and paper agree.

    Condensed receipt print leaves a word space narrower than ``split_words``' threshold. A
    word of letters that is not a word itself, but splits into two that are, is split there
    when the blank at that point is the widest inside it and exceeds the line's median gap
    between letters by ``gap`` ink heights. Either test alone is wrong: the word list splits
    ``TAMAN`` into ``TA MAN`` (400 wrong splits against 12 right on SROIE and FUNSD), the
    blank alone is the space rule already tuned. With 0.2, on the recogniser's words of SROIE
    (100) and FUNSD (50): 7 splits, all right; with 0.15: 9 right, 3 wrong (``Petaling`` ->
    ``Petal ing``).
    """
    ink = line.ink
    if ink is None or not any(len(w) >= 5 for w in words):
        return words
    limit = _median(_letter_blanks(line)) + gap * line.ink_height
    out: list[list[Char]] = []
    for word in words:
        start, stop = letter_span(word)
        core = "".join(c.text for c in word[start:stop])
        if len(core) < 5 or not core.isalpha() or known(core):
            out.append(word)
            continue
        blanks = blank_runs(
            ink,
            [word[i - 1].x for i in range(start + 1, stop)],
            [c.x for c in word[start + 1 : stop]],
        ).tolist()
        widest = max(blanks)
        cut = next(
            (
                start + k
                for k in range(2, len(core) - 1)
                if blanks[k - 1] == widest
                and widest > limit
                and known(core[:k])
                and known(core[k:])
            ),
            None,
        )
        if cut is None:
            out.append(word)
        else:
            out += [word[:cut], word[cut:]]
    return out


def _box(xs: list[float], ys: list[float], width: int, height: int) -> BBox:
    cx = [min(max(x, 0.0), float(width)) for x in xs]
    cy = [min(max(y, 0.0), float(height)) for y in ys]
    return BBox(x0=min(cx), y0=min(cy), x1=max(cx), y1=max(cy))


_CLOSING = {"“": ('"', "”"), "‘": ("'", "’")}


def _pair_quotes(words: list[Word]) -> list[Word]:
    """Straight quotes that close a curly opening quote, written curly too.

    The recogniser reads opening quotes as ``“`` but often the closing ones as a straight
    ``"`` (their shapes are close at scan resolution), leaving ``(“Wood"),``. Type sets quotes
    in pairs of one style, so a straight quote after an unclosed curly one is its closing half.
    Lines without a curly opening quote are left as read.
    """
    if not any(o in w.text for w in words for o in _CLOSING):
        return words
    open_quotes: list[str] = []
    fixed: list[Word] = []
    for word in words:
        chars = list(word.text)
        for k, ch in enumerate(chars):
            if ch in _CLOSING:
                open_quotes.append(ch)
            elif open_quotes and ch in (_CLOSING[open_quotes[-1]][1], _CLOSING[open_quotes[-1]][0]):
                chars[k] = _CLOSING[open_quotes.pop()][1]
        text = "".join(chars)
        fixed.append(word if text == word.text else word.model_copy(update={"text": text}))
    return fixed


def to_line(raw: RawLine, words: list[list[Char]], width: int, height: int) -> Line:
    """A ``Line`` in page pixels; word extents are estimated from their characters' columns.

    Plain float arithmetic: small numpy calls per word took 3% of a page's time.
    """
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = raw.quad.tolist()
    top = math.hypot(x1 - x0, y1 - y0)
    side = math.hypot(x3 - x0, y3 - y0)
    rotated = side / max(top, 1.0) >= 1.5
    length = side if rotated else top
    half = _HALF_GLYPH * raw.height
    if rotated:  # the crop was turned a quarter; its x runs down the quad's left edge
        edges = ((x0, y0, x3 - x0, y3 - y0), (x1, y1, x2 - x1, y2 - y1))
    else:
        edges = ((x0, y0, x1 - x0, y1 - y0), (x3, y3, x2 - x3, y2 - y3))
    out: list[Word] = []
    for chars in words:
        xs: list[float] = []
        ys: list[float] = []
        for x in (chars[0].x - half, chars[-1].x + half):
            t = min(max(x / max(length, 1.0), 0.0), 1.0)
            for ex, ey, dx, dy in edges:
                xs.append(ex + dx * t)
                ys.append(ey + dy * t)
        conf = min(max(sum(c.prob for c in chars) / len(chars), 0.0), 1.0)
        text = "".join(c.text for c in chars)
        out.append(Word(text=text, box=_box(xs, ys, width, height), confidence=conf))
    out = _pair_quotes(out)
    return Line(
        text=" ".join(w.text for w in out),
        box=_box([x0, x1, x2, x3], [y0, y1, y2, y3], width, height),
        confidence=min(max(float(raw.score), 0.0), 1.0),
        words=out,
    )


def compose_plain(lines: list[Line]) -> tuple[list[Line], str]:
    """Lines in rows top to bottom, left to right, and markdown with one row per line.

    A row is the lines whose vertical extents overlap by half the smaller height, so a
    receipt's "TOTAL" and its amount stay on one markdown line. A gap taller than a line
    starts a new paragraph.
    """
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.box.cy, item.box.x0)):
        if rows:
            last = rows[-1]
            y0 = max(item.box.y1 for item in last)
            overlap = min(y0, line.box.y1) - max(min(i.box.y0 for i in last), line.box.y0)
            ref = min(line.box.height, min(i.box.height for i in last))
            if overlap > 0.5 * ref:
                last.append(line)
                continue
        rows.append([line])
    ordered: list[Line] = []
    parts: list[str] = []
    prev_bottom: float | None = None
    for row in rows:
        row.sort(key=lambda item: item.box.x0)
        ordered.extend(row)
        top = min(i.box.y0 for i in row)
        tall = max(i.box.height for i in row)
        if prev_bottom is not None:
            parts.append("\n\n" if top - prev_bottom > tall else "\n")
        parts.append(" ".join(i.text for i in row))
        prev_bottom = max(i.box.y1 for i in row)
    return ordered, "".join(parts)


__all__ = ["blank_runs", "compose_plain", "split_glued", "split_words", "to_line"]
