"""Boxes for parsed blocks, from the engine's lines.

Engines that know geometry emit markdown built from their lines, in the same order; a block
gets the union of the boxes of the lines whose text it contains. Lines are matched on letters
and digits only, so markup, escaping and joined hyphenation don't break the match.
"""

from __future__ import annotations

import re

from docsight.models import Block, Line

_NON_ALNUM = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    return _NON_ALNUM.sub("", text).lower()


def attach_boxes(blocks: list[Block], lines: list[Line]) -> None:
    """Set ``block.box`` in place; each line is used by at most one block."""
    keys = [_key(line.text) for line in lines]
    used = [False] * len(lines)
    start = 0
    for block in blocks:
        target = _key(block.text)
        if not target:
            continue
        box = None
        first_match = None
        # Lines come in reading order; look ahead from the last match, then anywhere unused.
        order = list(range(start, len(lines))) + list(range(0, start))
        for index in order:
            key = keys[index]
            if used[index] or len(key) < 2 or key not in target:
                continue
            used[index] = True
            box = lines[index].box if box is None else box.union(lines[index].box)
            if first_match is None:
                first_match = index
            target = target.replace(key, "", 1)
            if len(target) < 2:
                break
        if box is not None:
            block.box = box
            start = first_match + 1 if first_match is not None else start
