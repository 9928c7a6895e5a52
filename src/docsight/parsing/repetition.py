"""Decoding loops: a VLM that repeats a line (or a phrase) until its token budget runs out.

Loops are cut to one occurrence and reported, so the page is flagged instead of carrying
thousands of copies into search indexes and exports. Thresholds are deliberately above what
real documents repeat (table rows of identical text rarely run past a handful).
"""

from __future__ import annotations

import re

MAX_CYCLE = 6  # lines in a repeating group
MIN_REPEATS = 4  # copies of the group before it counts as a loop
_PHRASE_LOOP = re.compile(r"(.{3,80}?)(?:\s*\1){7,}", re.DOTALL)
_LONG_LINE = 20_000


def collapse_repetition(text: str) -> tuple[str, bool]:
    """The text with loops cut to one copy, and whether any were found."""
    lines = text.split("\n")
    out: list[str] = []
    found = False
    i = 0
    while i < len(lines):
        cycle = _cycle_at(lines, i)
        if cycle:
            size, repeats = cycle
            out.extend(lines[i : i + size])
            i += size * repeats
            found = True
            continue
        line = lines[i]
        if len(line) <= _LONG_LINE:
            collapsed = _collapse_phrase(line)
            if collapsed != line:
                found = True
                line = collapsed
        out.append(line)
        i += 1
    return "\n".join(out), found


def _cycle_at(lines: list[str], start: int) -> tuple[int, int] | None:
    for size in range(1, MAX_CYCLE + 1):
        group = lines[start : start + size]
        if len(group) < size or not any(line.strip() for line in group):
            continue
        repeats = 1
        while lines[start + repeats * size : start + (repeats + 1) * size] == group:
            repeats += 1
        if repeats >= MIN_REPEATS and not _is_ruling(group):
            return size, repeats
    return None


def _may_loop(line: str) -> bool:
    """Cheap pre-check: a phrase repeated 8 times repeats each of its words 8 times too.

    Skipping the backtracking regex on ordinary lines keeps parsing at text-layer speed.
    """
    words = line.split()
    if len(words) < 8:
        return any(len(word) >= 24 for word in words)
    counts: dict[str, int] = {}
    for word in words:
        counts[word] = counts.get(word, 0) + 1
        if counts[word] >= 8:
            return True
    return any(len(word) >= 24 for word in words)


def _is_ruling(group: list[str]) -> bool:
    """Blank or punctuation-only lines (rules, dot leaders) legitimately repeat."""
    return not any(ch.isalnum() for line in group for ch in line)


def _collapse_phrase(line: str) -> str:
    if not _may_loop(line):
        return line

    def keep_one(match: re.Match[str]) -> str:
        phrase = match.group(1)
        return phrase if any(ch.isalnum() for ch in phrase) else match.group(0)

    return _PHRASE_LOOP.sub(keep_one, line)
