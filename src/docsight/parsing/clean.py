"""Clean text for search and RAG: no page numbers, watermarks or running headers/footers.

A running header or footer is a short block in the first or last two positions of a page
whose text, with digits masked, recurs on at least half of the pages (three or more): the
``Chapter 2 · page 14`` lines that pollute every chunk of a book.
"""

from __future__ import annotations

import re
from collections import Counter

from docsight.models import Block, BlockType

DROPPED = {BlockType.PAGE_NUMBER, BlockType.WATERMARK}
_DIGITS = re.compile(r"\d+")


def _signature(block: Block) -> str:
    return _DIGITS.sub("#", " ".join(block.text.lower().split()))


def _edges(blocks: list[Block]) -> list[Block]:
    content = [b for b in blocks if b.type not in DROPPED]
    edges = content[:2] + [b for b in content[-2:] if b not in content[:2]]
    return [b for b in edges if len(b.text) <= 120]


def clean_pages(pages: list[list[Block]]) -> list[list[Block]]:
    """The same pages without page numbers, watermarks and repeated headers/footers."""
    counts: Counter[str] = Counter()
    for blocks in pages:
        counts.update({_signature(b) for b in _edges(blocks) if b.text.strip()})
    threshold = max(3, (len(pages) + 1) // 2)
    running = {sig for sig, n in counts.items() if n >= threshold}
    cleaned = []
    for blocks in pages:
        edge_ids = {id(b) for b in _edges(blocks)}
        cleaned.append(
            [
                b
                for b in blocks
                if b.type not in DROPPED and not (id(b) in edge_ids and _signature(b) in running)
            ]
        )
    return cleaned


def clean_text(pages: list[list[Block]]) -> str:
    """Plain text of the cleaned pages, blocks separated by blank lines."""
    parts: list[str] = []
    for blocks in clean_pages(pages):
        parts.extend(b.text for b in blocks if b.text.strip() and b.type is not BlockType.SEPARATOR)
    return "\n\n".join(parts)
